"""Names of the standby's resources on each cloud, derived from settings (no provider, no jsii): the stacks create
them under these names, and the failover command, the runbook and the drills find them by the same ones."""

from __future__ import annotations

from shared.contract import SERVICES
from shared.model import Settings


def aws_standby_names(settings: Settings) -> dict[str, str]:
    """Regional names repeat the primary's in `aws.recovery_region`, except the database, which says what it is."""
    names = {
        "stack": settings.name("standby"),
        "database": settings.name("postgres-standby"),
        "replica_lag_alarm": settings.name("postgres-standby-replica_lag"),  # <target>-<runbook key>, as alarms are
        "health_check": settings.name("origin-primary"),  # the Route 53 health check of the primary origin
        "cluster": settings.name("cluster"),
        # In the standby region (reachable when the primary is not): the primary origin's health check id.
        "health_check_parameter": "/" + settings.path("recovery", "primary-health-check-id"),
        "uploads_bucket": f"{settings.name('uploads')}-{settings.aws.account_id}-{settings.aws.recovery_region}",
    }
    names.update({f"service_{name}": settings.name(name) for name in SERVICES})
    return names


# The AWS FIS drills (aws_stacks/drills.py), each tagged `Name: bookedbarber-<env>-drill-<name>`.
DRILLS = ("ecs-task-stop", "az-impairment", "rds-failover", "cache-failover")


def drill_name(settings: Settings, drill: str) -> str:
    return settings.name(f"drill-{drill}")
