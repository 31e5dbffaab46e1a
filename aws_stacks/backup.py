"""AWS Backup: a KMS-encrypted vault and a plan over the database, with copies to the recovery region.

Point-in-time recovery comes from a continuous-backup rule (RDS ships transaction logs every 5 minutes,
which settings validation holds the RPO to); a daily snapshot rule keeps restorable copies for the same
retention and, where settings ask, copies them to a vault of the same name in `aws.recovery_region`.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from constructs import Construct

from aws_stacks.nag import acknowledge
from aws_stacks.names import recovery_vault_arn, recovery_vault_name, vault_name
from aws_stacks.security import customer_managed_key, stateful_removal_policy
from shared import Settings

# After this cooling-off period a compliance-mode lock can no longer be changed or removed, even by root.
# Plain values, made into jsii objects where used: a module-level jsii call would wait for aws-cdk-lib to load
# (shared/jsii_start.py).
VAULT_LOCK_GRACE_DAYS = 3
DAILY_AT = {"hour": "5", "minute": "0"}  # UTC, before the US business day
BACKUP_MANAGED_POLICIES = ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")
S3_BACKUP_MANAGED_POLICIES = ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")


class BackupVault(Construct):
    """A vault with its own customer-managed key, compliance-locked for the retention where settings ask."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, name: str) -> None:
        super().__init__(scope, construct_id)
        resilience = settings.resilience
        purpose = name.removeprefix(settings.prefix + "-")
        self.key: kms.Key = customer_managed_key(self, "Key", settings=settings, purpose=purpose)
        lock = (
            backup.LockConfiguration(
                min_retention=Duration.days(resilience.backup_retention_days),
                changeable_for=Duration.days(VAULT_LOCK_GRACE_DAYS),
            )
            if resilience.backup_vault_lock
            else None
        )
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=name,
            encryption_key=self.key,
            lock_configuration=lock,
            removal_policy=stateful_removal_policy(settings),
        )


class DataBackup(Construct):
    """Vault, plan and selection of the database and, when given, a bucket; lives in the database's stack, where
    cdk-nag's RDSInBackupPlan looks."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        database: rds.IDatabaseInstance,
        bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        resources = [backup.BackupResource.from_rds_database_instance(database)]
        if bucket is not None:
            resources.append(backup.BackupResource.from_arn(bucket.bucket_arn))
        retention = Duration.days(settings.resilience.backup_retention_days)
        self.vault = BackupVault(self, "Vault", settings=settings, name=vault_name(settings)).vault
        copies = []
        if settings.resilience.copy_backups_to_recovery_region:
            recovery = backup.BackupVault.from_backup_vault_arn(
                self, "RecoveryVault", recovery_vault_arn(self, settings)
            )
            copies.append(backup.BackupPlanCopyActionProps(destination_backup_vault=recovery, delete_after=retention))
        self.plan = backup.BackupPlan(self, "Plan", backup_plan_name=settings.name("backup"), backup_vault=self.vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="ContinuousPointInTime", enable_continuous_backup=True, delete_after=retention
            )
        )
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="DailySnapshot",
                schedule_expression=events.Schedule.cron(**DAILY_AT),
                delete_after=retention,
                copy_actions=copies,
            )
        )
        self.selection = self.plan.add_selection(
            "Selection", backup_selection_name=settings.name("backup"), resources=resources, allow_restores=True
        )
        role = self.selection.node.find_child("Role")  # the selection's own role, which CDK names so
        # S3 needs a pair of its own: the default backup policy covers neither backing up nor restoring buckets.
        for_buckets = S3_BACKUP_MANAGED_POLICIES if bucket is not None else ()
        for policy in (*BACKUP_MANAGED_POLICIES, *for_buckets):
            if policy in for_buckets:
                role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(f"service-role/{policy}"))
            acknowledge(
                role,
                f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
                "AWS's own policy for the Backup service role, assumable only by backup.amazonaws.com; AWS keeps it "
                "in step with every resource type Backup can snapshot and restore.",
            )


class RecoveryVaultStack(Stack):
    """The recovery region's first stack: the vault receiving cross-region backup copies (where settings copy them)
    and what the standby's replication needs before the data stack (its keys, the uploads replica bucket, the image
    repository template).

    Deterministic names, no references to or from the primary region's stacks."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if settings.resilience.copy_backups_to_recovery_region:  # the stack may hold only the standby's keys
            self.vault = BackupVault(self, "RecoveryVault", settings=settings, name=recovery_vault_name(settings)).vault
