"""Container registry: the ECR repositories the Fargate services pull from, and the released tag of each.

They live in the data stack, deployed before compute: the release pipeline pushes
the bootstrap images between the two, so the services' first tasks can start.
"""

from __future__ import annotations

from aws_cdk import CfnResource, Duration
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from constructs import Construct

from aws_stacks.security import customer_managed_key, stateful_removal_policy
from shared import Settings
from shared.contract import BOOTSTRAP_IMAGE_TAG
from shared.names import aws_repository_name, tag_parameter_name
from shared.release import IMAGES


class ImageRepositories(Construct):
    """One immutable, scanned, KMS-encrypted repository per service image."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        key = customer_managed_key(self, "ImagesKey", settings=settings, purpose="container-images")
        self.repositories: dict[str, ecr.IRepository] = {
            name: image_repository(self, f"{name.title()}Repository", settings=settings, name=name, key=key)
            for name in IMAGES
        }
        self.released_tags = {
            name: released_tag_parameter(self, f"{name.title()}ReleasedTag", settings=settings, name=name)
            for name in IMAGES
        }


def released_tag_parameter(scope: Construct, construct_id: str, *, settings: Settings, name: str) -> CfnResource:
    """The image tag the service runs: the bootstrap tag at creation, then whatever ops/release.py wrote.

    CloudFormation writes a resource only when its properties in the template change; it never reverts a
    value changed out of band. So these properties must never change: a raw CfnResource, which CDK's Tags
    cannot reach (a new tag would make CloudFormation write the bootstrap tag back), and a fixed description.
    tests/aws/test_release.py pins them.
    """
    parameter = CfnResource(
        scope,
        construct_id,
        type="AWS::SSM::Parameter",
        properties={
            "Name": tag_parameter_name(settings, name),
            "Type": "String",
            "Value": BOOTSTRAP_IMAGE_TAG,
            "Description": "Released image tag; initial value only, written by ops/release.py",
        },
    )
    parameter.apply_removal_policy(stateful_removal_policy(settings))
    return parameter


def image_repository(
    scope: Construct, construct_id: str, *, settings: Settings, name: str, key: kms.IKey
) -> ecr.Repository:
    return ecr.Repository(
        scope,
        construct_id,
        repository_name=aws_repository_name(settings, name),
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
