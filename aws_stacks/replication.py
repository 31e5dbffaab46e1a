"""Replication into the standby region (`recovery.strategy` pilot_light / warm_standby), by what must exist first.

- `StandbyPrerequisites`, in the recovery stack (before the data stack): the keys the replicas are encrypted with,
  the uploads replica bucket (S3 checks that a replication destination exists and is versioned), and the ECR
  repository creation template (replicated repositories are created on the first replicated push, with its
  settings).
- `replicate_images`, `replicate_uploads` and `standby_secret_replicas`, in the data stack: the registry's
  replication rule, the uploads bucket's replication, and each application secret's replica.
The standby's network and database replica are `aws_stacks/standby.py`.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.names import standby_key_arn
from aws_stacks.registry import released_tag_parameter
from aws_stacks.security import customer_managed_key, stateful_removal_policy
from shared import Settings
from shared.names import aws_repository_name
from shared.recovery_names import aws_standby_names
from shared.release import IMAGES

# The keys the primary region's replication writes with, created in the recovery region under these purposes.
SECRETS_PURPOSE = "standby-secrets"
STORAGE_PURPOSE = "standby-storage"
# S3 Replication Time Control: 99.99 % of objects within 15 minutes, with replication metrics (S3 User Guide).
REPLICATION_TIME_MINUTES = 15


class StandbyPrerequisites(Construct):
    """What the data stack's replication writes into, in the recovery region, deployed before it."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        # The standby stack grants its tasks these keys by ARN: an IAM statement naming an alias ARN applies to the
        # alias, never to its key (KMS Developer Guide, "Use aliases to control access to KMS keys").
        self.secrets_key = customer_managed_key(self, "SecretsKey", settings=settings, purpose=SECRETS_PURPOSE)
        # The standby's services read their released tags here (template parameters, as the primary's compute
        # stack does), so they exist before the standby stack: the bootstrap tag, until a release writes them.
        for name in IMAGES:
            released_tag_parameter(self, f"{name.title()}ReleasedTag", settings=settings, name=name)
        storage_key = self.storage_key = customer_managed_key(
            self, "StorageKey", settings=settings, purpose=STORAGE_PURPOSE
        )
        self.uploads = s3.Bucket(
            self,
            "UploadsReplica",
            bucket_name=aws_standby_names(settings)["uploads_bucket"],
            encryption=s3.BucketEncryption.KMS,
            encryption_key=storage_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,  # S3 replicates only between versioned buckets
            removal_policy=stateful_removal_policy(settings),
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(settings.storage.noncurrent_version_expiry_days)
                )
            ],
        )
        acknowledge(
            self.uploads,
            "S1",
            "The replica of the uploads bucket is written only by S3 replication; reads and writes of the data are "
            "logged on the source bucket, and every API call on this one in CloudTrail.",
        )
        for pack in (NIST, PCI):
            acknowledge(
                self.uploads,
                "S3BucketLoggingEnabled",
                "The replica is written only by S3 replication; access is logged on the source bucket.",
                packs=(pack,),
            )
        acknowledge(
            self.uploads,
            "S3BucketReplicationEnabled",
            "This bucket is itself the cross-region replica of the uploads bucket; replicating it again would "
            "only copy the copy.",
            packs=(NIST, PCI),
        )
        # Replicated repositories get these settings; without a template they are mutable, unscanned, AES256.
        ecr.CfnRepositoryCreationTemplate(
            self,
            "ImageReplicaTemplate",
            prefix=settings.prefix,
            applied_for=["REPLICATION"],
            description=f"BookedBarber {settings.environment}: replicas of the primary region's images",
            image_tag_mutability="IMMUTABLE",
            # The AWS-managed ECR key: a customer key here needs a custom role for ECR (ECR User Guide,
            # 'Creating a repository creation template'); the images' source copies use the customer key.
            encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                encryption_type="KMS"
            ),
            lifecycle_policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"Keep the newest {settings.compute.kept_images} images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": settings.compute.kept_images,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                },
                sort_keys=True,
            ),
        )


def standby_secret_replicas(scope: Construct, settings: Settings) -> list[secretsmanager.ReplicaRegion]:
    """Each application secret's replica in the standby region, under the standby's secrets key."""
    if not settings.recovery.has_standby:
        return []
    key = kms.Key.from_key_arn(scope, "StandbySecretsKey", standby_key_arn(scope, settings, SECRETS_PURPOSE))
    return [secretsmanager.ReplicaRegion(region=settings.aws.recovery_region, encryption_key=key)]


def replicate_images(scope: Construct, settings: Settings) -> ecr.CfnReplicationConfiguration:
    """The registry's replication rule: every push to this environment's repositories is copied to the standby.

    A registry has one replication configuration (per account and region): each environment has an account.
    Images pushed before the rule existed are not copied: push the released tags again once (docs/aws.md)."""
    return ecr.CfnReplicationConfiguration(
        scope,
        "ImageReplication",
        replication_configuration=ecr.CfnReplicationConfiguration.ReplicationConfigurationProperty(
            rules=[
                ecr.CfnReplicationConfiguration.ReplicationRuleProperty(
                    destinations=[
                        ecr.CfnReplicationConfiguration.ReplicationDestinationProperty(
                            region=settings.aws.recovery_region, registry_id=Stack.of(scope).account
                        )
                    ],
                    repository_filters=[
                        ecr.CfnReplicationConfiguration.RepositoryFilterProperty(
                            filter=aws_repository_name(settings, name), filter_type="PREFIX_MATCH"
                        )
                        for name in IMAGES
                    ],
                )
            ]
        ),
    )


def replicate_uploads(scope: Construct, *, settings: Settings, bucket: s3.Bucket, key: kms.IKey) -> iam.Role:
    """Every new object version of the uploads bucket, copied to the standby's replica with Replication Time
    Control, by a role that may read only this bucket's versions and write only the replica."""
    stack = Stack.of(scope)
    names = aws_standby_names(settings)
    destination_arn = f"arn:{stack.partition}:s3:::{names['uploads_bucket']}"
    role = iam.Role(
        scope,
        "UploadsReplicationRole",
        assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
        description=f"BookedBarber {settings.environment}: S3 replication of uploads to the standby region",
    )
    standby_keys = f"arn:{stack.partition}:kms:{settings.aws.recovery_region}:{stack.account}:key/*"
    policy = iam.ManagedPolicy(
        scope,
        "UploadsReplicationPolicy",
        managed_policy_name=settings.name("uploads-replication"),
        description="Read this environment's uploads versions; write only the standby region's replica",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"], resources=[bucket.bucket_arn]
            ),
            iam.PolicyStatement(
                actions=[
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                resources=[bucket.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                resources=[f"{destination_arn}/*"],
            ),
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ),
            # Key ids are random: the standby key is named by its alias (kms:ResourceAliases), in its region only.
            iam.PolicyStatement(
                actions=["kms:Encrypt", "kms:GenerateDataKey"],
                resources=[standby_keys],
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{settings.aws.recovery_region}.amazonaws.com"},
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{settings.prefix}/{STORAGE_PURPOSE}"},
                },
            ),
        ],
    )
    bucket_id = stack.resolve(stack.get_logical_id(bucket.node.default_child))
    acknowledge(
        policy,
        f"IAM5[Resource::<{bucket_id}.Arn>/*]",
        "S3 replication reads each object version of this one bucket: object-level actions need the bucket's "
        "object ARN pattern, and the role is assumable only by s3.amazonaws.com.",
    )
    acknowledge(
        policy,
        f"IAM5[Resource::{destination_arn}/*]",
        "S3 replication writes each replicated version into the one standby replica bucket: object-level actions "
        "need that bucket's object ARN pattern.",
    )
    acknowledge(
        policy,
        f"IAM5[Resource::{standby_keys}]",
        "The standby storage key's id is unknown to this region's template: the statement allows only the key "
        "whose alias is the standby storage alias (kms:ResourceAliases), in the recovery region, through S3.",
    )
    cfn_bucket: s3.CfnBucket = bucket.node.default_child
    cfn_bucket.replication_configuration = s3.CfnBucket.ReplicationConfigurationProperty(
        role=role.role_arn,
        rules=[
            s3.CfnBucket.ReplicationRuleProperty(
                id="ToStandbyRegion",
                status="Enabled",
                priority=1,
                filter=s3.CfnBucket.ReplicationRuleFilterProperty(prefix=""),
                delete_marker_replication=s3.CfnBucket.DeleteMarkerReplicationProperty(status="Enabled"),
                source_selection_criteria=s3.CfnBucket.SourceSelectionCriteriaProperty(
                    sse_kms_encrypted_objects=s3.CfnBucket.SseKmsEncryptedObjectsProperty(status="Enabled")
                ),
                destination=s3.CfnBucket.ReplicationDestinationProperty(
                    bucket=destination_arn,
                    encryption_configuration=s3.CfnBucket.EncryptionConfigurationProperty(
                        replica_kms_key_id=standby_key_arn(scope, settings, STORAGE_PURPOSE)
                    ),
                    replication_time=s3.CfnBucket.ReplicationTimeProperty(
                        status="Enabled",
                        time=s3.CfnBucket.ReplicationTimeValueProperty(minutes=REPLICATION_TIME_MINUTES),
                    ),
                    metrics=s3.CfnBucket.MetricsProperty(
                        status="Enabled",
                        event_threshold=s3.CfnBucket.ReplicationTimeValueProperty(minutes=REPLICATION_TIME_MINUTES),
                    ),
                ),
            )
        ],
    )
    return role
