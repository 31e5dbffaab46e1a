"""Users' uploads: the data bucket the API reads and writes, the same one GCP keeps in `gcp_stacks/data.py`.

It lives in the data stack, beside the database, so that AWS Backup's selection (also there) can cover it.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.names import bucket_name
from aws_stacks.security import log_bucket, stateful_removal_policy
from shared import Settings


def tiered_bucket(
    scope: Construct,
    construct_id: str,
    *,
    settings: Settings,
    name: str,
    key: kms.IKey,
    access_logs: s3.IBucket,
    log_prefix: str,
    why_not_replicated: str | None,
    why_unversioned: str,
) -> s3.Bucket:
    """A private, KMS-encrypted, TLS-only bucket `bookedbarber-<env>-<name>-<account>` with the settings' versioning
    and tiering (Standard-IA, then Glacier Instant Retrieval: an old object still reads in milliseconds, so the CDN
    can serve an archived asset and users can download an old upload), and its access logged.

    The NIST/PCI replication finding is acknowledged with `why_not_replicated`, and where settings leave the bucket
    unversioned, the versioning finding with `why_unversioned` (the environment is prepended).
    """
    storage = settings.storage
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name(settings, name, Stack.of(scope).account),
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=storage.versioning,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=log_prefix,
        removal_policy=stateful_removal_policy(settings),
        lifecycle_rules=[
            s3.LifecycleRule(
                id="TierAndExpire",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                        transition_after=Duration.days(storage.infrequent_access_after_days),
                    ),
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=Duration.days(storage.archive_after_days),
                    ),
                ],
                noncurrent_version_expiration=(
                    Duration.days(storage.noncurrent_version_expiry_days) if storage.versioning else None
                ),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
    )
    if why_not_replicated is not None:  # None: the caller replicates the bucket
        acknowledge(bucket, "S3BucketReplicationEnabled", why_not_replicated, packs=(NIST, PCI))
    if not storage.versioning:
        reason = f"settings.storage.versioning is off in {settings.environment} for cost; {why_unversioned}"
        acknowledge(bucket, "S3BucketVersioningEnabled", reason, packs=(NIST, PCI))
    return bucket


class Uploads(Construct):
    """A private, KMS-encrypted, TLS-only bucket with the settings' versioning and lifecycle, and its access log."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.log_bucket = log_bucket(self, "AccessLogsBucket", settings=settings, name="data-access-logs")
        self.bucket = tiered_bucket(
            self,
            "UploadsBucket",
            settings=settings,
            name="uploads",
            key=key,
            access_logs=self.log_bucket,
            log_prefix="s3/uploads/",
            why_not_replicated=None
            if settings.recovery.has_standby
            else (
                "Uploads are protected by AWS Backup instead (daily and continuous recovery points, copied to the "
                "recovery region where settings ask): restorable to a point in time, which replication is not."
            ),
            why_unversioned=(
                "dev data is disposable; staging and production version uploads and back them up (production "
                "enforced by settings)."
            ),
        )
