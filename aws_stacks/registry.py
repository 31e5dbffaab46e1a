"""Container registry: the ECR repositories the Fargate services pull from.

They live in the data stack, deployed before compute: the release pipeline pushes
the bootstrap images between the two, so the services' first tasks can start.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from constructs import Construct

from aws_stacks.security import customer_managed_key, stateful_removal_policy
from shared import Settings

IMAGE_NAMES = ("backend", "frontend")


class ImageRepositories(Construct):
    """One immutable, scanned, KMS-encrypted repository per service image."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        key = customer_managed_key(self, "ImagesKey", settings=settings, purpose="container-images")
        self.repositories: dict[str, ecr.IRepository] = {
            name: image_repository(self, f"{name.title()}Repository", settings=settings, name=name, key=key)
            for name in IMAGE_NAMES
        }


def image_repository(
    scope: Construct, construct_id: str, *, settings: Settings, name: str, key: kms.IKey
) -> ecr.Repository:
    return ecr.Repository(
        scope,
        construct_id,
        repository_name=settings.name(name),
        image_scan_on_push=True,
        image_tag_mutability=ecr.TagMutability.IMMUTABLE,
        encryption=ecr.RepositoryEncryption.KMS,
        encryption_key=key,
        removal_policy=stateful_removal_policy(settings),
        lifecycle_rules=[
            ecr.LifecycleRule(
                rule_priority=1,
                description="Expire untagged layers of failed or superseded pushes",
                tag_status=ecr.TagStatus.UNTAGGED,
                max_image_age=Duration.days(settings.compute.untagged_image_expiry_days),
            ),
            ecr.LifecycleRule(
                rule_priority=2,
                description=f"Keep the newest {settings.compute.kept_images} images for rollbacks",
                tag_status=ecr.TagStatus.ANY,
                max_image_count=settings.compute.kept_images,
            ),
        ],
    )
