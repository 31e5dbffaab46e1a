"""Names of the standby's resources on each cloud, derived from settings (no provider, no jsii): the stacks create
them under these names, and the failover command, the runbook and the drills find them by the same ones."""

from __future__ import annotations

from shared.contract import SERVICES
from shared.settings import Settings

# The standby origin's id in the CloudFront distribution's configuration (the edge stack sets it, the failover's
# traffic switch, ops/cloudfront_origin.py, targets it).
STANDBY_ORIGIN_ID = "standby"


def aws_standby_names(settings: Settings) -> dict[str, str]:
    """Regional names repeat the primary's in `aws.recovery_region`, except the database, which says what it is."""
    names = {
        "stack": settings.name("standby"),
        "database": settings.name("postgres-standby"),
        "replica_lag_alarm": settings.name("postgres-standby-replica_lag"),  # <target>-<runbook key>, as alarms are
        "cluster": settings.name("cluster"),
        "cache": settings.name("redis"),
        # In the edge region (us-east-1, which survives the primary's loss): CloudFront's 5xx rate of the dynamic
        # paths, the region-loss signal (<target>-<runbook key>, a two-word target like the replica-lag alarm's,
        # so the catalog's alarm pattern does not take it for one of its alerts).
        "origin_errors_alarm": settings.name("cdn-origin-region_loss"),
        # In the standby region: the RDS CA bundle (PEM) of that region, which the standby api verifies the
        # replica's certificate with (written once by the operator: docs/disaster-recovery.md).
        "database_ca_parameter": "/" + settings.path("recovery", "rds-ca-bundle"),
        # CloudFront's origins of the dynamic paths (aws_stacks/edge.py): the VPC origins' names and the group.
        "primary_origin": settings.name("origin"),
        "standby_origin": settings.name("origin-standby"),
        "standby_origin_id": STANDBY_ORIGIN_ID,
        "uploads_bucket": f"{settings.name('uploads')}-{settings.aws.account_id}-{settings.aws.recovery_region}",
    }
    names.update({f"service_{name}": settings.name(name) for name in SERVICES})
    return names


# The AWS FIS drills (aws_stacks/drills.py), each tagged `Name: bookedbarber-<env>-drill-<name>`.
DRILLS = ("ecs-task-stop", "az-impairment", "rds-failover", "cache-failover")
