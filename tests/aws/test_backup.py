"""AWS Backup: vault, plan and selection in the data stack, copies to the recovery region where settings ask."""

from __future__ import annotations

import json

from aws_stacks.backup import VAULT_LOCK_GRACE_DAYS
from aws_stacks.names import recovery_vault_name, vault_name
from aws_stacks.platform import stack_names
from shared.provider_facts import MIN_RPO_MINUTES
from shared.stacks import AWS_RECOVERY_COMPONENT as RECOVERY_COMPONENT
from shared.stacks import has_recovery_stack
from tests.aws.helpers import only, resources


def _rules(aws, settings) -> dict[str, dict]:
    plan = only(resources(aws, settings, "data", "AWS::Backup::BackupPlan"))["Properties"]["BackupPlan"]
    assert plan["BackupPlanName"] == settings.name("backup")
    return {rule["RuleName"]: rule for rule in plan["BackupPlanRule"]}


def test_vault_is_encrypted_with_its_own_key_and_locked_where_settings_ask(aws, settings):
    vault = only(resources(aws, settings, "data", "AWS::Backup::BackupVault"))["Properties"]
    assert vault["BackupVaultName"] == vault_name(settings)
    key_id = vault["EncryptionKeyArn"]["Fn::GetAtt"][0]
    assert resources(aws, settings, "data", "AWS::KMS::Key")[key_id]["Properties"]["EnableKeyRotation"]
    if settings.resilience.backup_vault_lock:
        assert vault["LockConfiguration"] == {
            "MinRetentionDays": settings.resilience.backup_retention_days,
            "ChangeableForDays": VAULT_LOCK_GRACE_DAYS,
        }
    else:
        assert "LockConfiguration" not in vault


def test_point_in_time_recovery_meets_the_rpo(aws, settings):
    continuous = _rules(aws, settings)["ContinuousPointInTime"]
    assert continuous["EnableContinuousBackup"] is True
    assert continuous["Lifecycle"] == {"DeleteAfterDays": settings.resilience.backup_retention_days}
    # RDS ships transaction logs every 5 minutes; settings validation keeps the RPO at or above that.
    assert settings.resilience.rpo_minutes >= MIN_RPO_MINUTES


def test_daily_snapshots_are_kept_and_copied_where_settings_ask(aws, settings):
    daily = _rules(aws, settings)["DailySnapshot"]
    retention = {"DeleteAfterDays": settings.resilience.backup_retention_days}
    assert daily["Lifecycle"] == retention
    assert daily["ScheduleExpression"].startswith("cron(")
    copies = daily.get("CopyActions", [])
    if settings.resilience.copy_backups_to_recovery_region:
        arn = (
            f"arn:aws:backup:{settings.aws.recovery_region}:{settings.aws.account_id}:"
            f"backup-vault:{recovery_vault_name(settings)}"
        )
        assert copies == [{"DestinationBackupVaultArn": arn, "Lifecycle": retention}]
    else:
        assert copies == []


def test_the_selection_covers_the_primary_database(aws, settings):
    selection = only(resources(aws, settings, "data", "AWS::Backup::BackupSelection"))["Properties"]
    primary = next(
        logical_id
        for logical_id, instance in resources(aws, settings, "data", "AWS::RDS::DBInstance").items()
        if instance["Properties"].get("DBInstanceIdentifier") == settings.name("postgres")
    )
    assert primary in json.dumps(selection["BackupSelection"]["Resources"])


def test_the_recovery_vault_stands_alone_in_the_recovery_region(aws, settings):
    name = settings.name(RECOVERY_COMPONENT)
    # The stack also holds a standby's prerequisites (aws_stacks/replication.py); the vault only where copies go.
    assert (name in stack_names(settings.environment)) == has_recovery_stack(settings)
    if not has_recovery_stack(settings):
        return
    manifest = json.loads((aws.directory / "manifest.json").read_text())["artifacts"]
    assert manifest[name]["environment"] == f"aws://{settings.aws.account_id}/{settings.aws.recovery_region}"
    assert name in manifest[settings.name("data")]["dependencies"]  # the copy target exists first
    text = json.dumps(aws.templates[name])
    assert "Fn::ImportValue" not in text and "Fn::GetStackOutput" not in text
    if not settings.resilience.copy_backups_to_recovery_region:
        assert resources(aws, settings, RECOVERY_COMPONENT, "AWS::Backup::BackupVault") == {}
        return
    vault = only(resources(aws, settings, RECOVERY_COMPONENT, "AWS::Backup::BackupVault"))["Properties"]
    assert vault["BackupVaultName"] == recovery_vault_name(settings) != vault_name(settings)
    assert vault["LockConfiguration"]["MinRetentionDays"] == settings.resilience.backup_retention_days
