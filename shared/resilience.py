"""Backups, recovery targets, protection of stateful resources, key and secret rotation, log retention."""

from __future__ import annotations

from dataclasses import dataclass

from shared.checks import Problems, check, positive_problem
from shared.provider_facts import (
    CLOUD_SQL_MAX_LOG_RETENTION_DAYS,
    CLOUDWATCH_RETENTION_DAYS,
    MIN_RPO_MINUTES,
    SECRET_ROTATION_MAX_DAYS,
)


@dataclass(frozen=True)
class ResilienceSettings:
    """Backups, recovery targets, protection of stateful resources, and log retention."""

    backup_retention_days: int  # automated database backups (on RDS also the point-in-time recovery window)
    rpo_minutes: int  # recovery point objective: point-in-time recovery covers this gap
    rto_minutes: int  # recovery time objective
    log_retention_days: int  # application, flow and audit logs
    deletion_protection: bool  # databases and load balancers refuse deletion
    retain_stateful_resources: bool  # databases, caches, buckets, keys and secrets survive stack deletion
    key_rotation_days: int = 90  # automatic rotation of customer-managed encryption keys
    secret_rotation_days: int = 30  # rotation period of credentials (RDS rotation, Secret Manager notifications)
    point_in_time_recovery_days: int = 7  # how far back the database restores to any second (Cloud SQL log retention)
    lock_log_retention: bool = False  # lock audit and access-log bucket retention: it can never be shortened again
    copy_backups_to_recovery_region: bool = False  # daily backups also copied to `aws.recovery_region`
    backup_vault_lock: bool = False  # compliance-mode vault lock: no one can delete recovery points early

    def problems(self) -> Problems:
        if not 1 <= self.backup_retention_days <= 35:
            yield "backup_retention_days", f"{self.backup_retention_days} is outside RDS's 1-35 days"
        if not 90 <= self.key_rotation_days <= 2560:
            yield "key_rotation_days", f"{self.key_rotation_days} is outside the 90-2560 days both KMS services accept"
        if self.secret_rotation_days < 1:
            yield "secret_rotation_days", f"{self.secret_rotation_days} must be at least 1 day"
        if self.secret_rotation_days > SECRET_ROTATION_MAX_DAYS:
            yield (
                "secret_rotation_days",
                f"{self.secret_rotation_days} is above Secrets Manager's maximum of {SECRET_ROTATION_MAX_DAYS} days",
            )
        for name in ("rpo_minutes", "rto_minutes"):
            yield from check(name, positive_problem(getattr(self, name)))
        if self.rpo_minutes < MIN_RPO_MINUTES:
            yield (
                "rpo_minutes",
                f"{self.rpo_minutes} is below the {MIN_RPO_MINUTES} minutes point-in-time recovery can promise "
                "(RDS archives transaction logs every 5 minutes)",
            )
        pitr = self.point_in_time_recovery_days
        if not 1 <= pitr <= CLOUD_SQL_MAX_LOG_RETENTION_DAYS:
            yield "point_in_time_recovery_days", f"{pitr} is outside Cloud SQL Enterprise's 1-7 days of logs"
        elif pitr > self.backup_retention_days:
            yield (
                "point_in_time_recovery_days",
                f"{pitr} is longer than backup_retention_days {self.backup_retention_days}, RDS's recovery window",
            )
        if self.log_retention_days not in CLOUDWATCH_RETENTION_DAYS:
            yield (
                "log_retention_days",
                f"{self.log_retention_days} is not a CloudWatch retention period {sorted(CLOUDWATCH_RETENTION_DAYS)}",
            )
