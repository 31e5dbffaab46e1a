"""Regional disaster recovery: the strategy per environment, its standby, and the arithmetic that proves it.

Both clouds read this one section: the strategy, the standby region of each cloud (AWS keeps `aws.recovery_region`,
where the backup copies already go), the standby's size and the drill schedule. The failover of each cloud and
strategy is a list of ordered steps with expected minutes (`FAILOVER_STEPS`, each number with its source); their
sum is the region-loss RTO, the replication lag (`REPLICATION_LAG_MINUTES`) the RPO. Validation refuses a strategy
whose sum or lag misses `resilience.rto_minutes` / `rpo_minutes`, naming the step that breaks it, and the failover
command (`ops/failover.py`) and the runbook print these same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from shared.places import GCP_MULTI_REGIONS, GCP_REGIONS, gcp_multi_region

Problems = Iterator[tuple[str, str]]

CLOUDS = ("aws", "gcp")


class Targets(Protocol):
    """What the arithmetic reads of `shared.resilience.ResilienceSettings` (shared.settings imports this module)."""

    rto_minutes: int
    rpo_minutes: int
    copy_backups_to_recovery_region: bool


# none: nothing outside the primary region (the targets cover in-region failures only; refused in production).
# backup_restore: backups copied to the standby region, everything rebuilt from them after a loss.
# pilot_light: database replica, images, secrets, uploads and the empty platform (network, load balancer, zero tasks).
# warm_standby: as pilot light, with every service running `standby_tasks` tasks / instances.
STRATEGIES = ("none", "backup_restore", "pilot_light", "warm_standby")
# Strategies whose standby holds a live database replica and a platform in the standby region.
STANDBY_STRATEGIES = ("pilot_light", "warm_standby")

# The drill: once a quarter (06:00 UTC on the 15th of January, April, July, October), in the environment(s) whose
# `recovery.drills` is on (staging). .github/workflows/drill.yml carries this cron; a test compares them.
DRILL_SCHEDULE_CRON = "0 6 15 1,4,7,10 *"


@dataclass(frozen=True)
class Step:
    """One step of a failover, in order: what the operator (or the platform) does, how long it is expected to take."""

    key: str  # stable name: `promote`, `scale`, ... (the failover command's step ids)
    action: str  # what happens, in a line
    minutes: float  # expected duration
    source: str  # where the number comes from, in a line
    check: str  # what the operator checks before the next step


def _step(key: str, action: str, minutes: float, source: str, check: str) -> Step:
    return Step(key=key, action=action, minutes=minutes, source=source, check=check)


_AWS_DETECT = _step(
    "detect",
    "the region-loss alarm (CloudFront 5xx rate, us-east-1) pages; the origin group already serves reads from the "
    "standby",
    2,
    "the alarm fires on 2 one-minute periods of CloudFront's 5xxErrorRate (aws_stacks/observability.py); the "
    "primary's own alarms are lost with it, and an internal ALB has no endpoint a Route 53 health check could probe",
    "the standby's replica-lag alarm is in ALARM too (the primary stopped shipping WAL), not only one signal",
)
_DECIDE = _step(
    "decide",
    "the incident lead declares the region lost and runs `make failover`",
    3,
    "our own budget for the call: the AWS Health Dashboard / GCP status page confirms a regional event",
    "the cloud's status page names the primary region; a redeploy in the primary would not help",
)
_AWS_PROMOTE = _step(
    "promote",
    "promote the cross-region read replica to a standalone, writable instance",
    5,
    "RDS User Guide, 'Promoting a read replica': RDS reboots the replica, 'several minutes'; measured in drills",
    "the instance is `available` and no longer lists a ReadReplicaSourceDBInstanceIdentifier",
)
_AWS_RESTORE = _step(
    "restore",
    "restore the newest cross-region backup copy into a new instance",
    45,
    "RDS restores create a volume from the snapshot: 30-60 min for production's 500 GiB (docs/disaster-recovery.md)",
    "the restored instance is `available`",
)
_AWS_BUILD = _step(
    "build",
    "deploy network, load balancer, certificate and services in the standby region",
    60,
    "a first deploy of the network, data and compute stacks takes about an hour (NAT gateways, ALB, ECS)",
    "every stack is CREATE_COMPLETE",
)
_AWS_SCALE_WARM = _step(
    "scale",
    "scale the standby's running services to the primary's minimum tasks",
    3,
    "Fargate starts a task in 1-2 min (image already in the region's ECR) + 2 healthy ALB checks of 30 s",
    "each service's running count equals its desired count and its targets are healthy",
)
_AWS_SCALE_PILOT = _step(
    "scale",
    "start the standby's services from zero to the primary's minimum tasks",
    6,
    "as warm standby, plus the first deployment's circuit breaker needs a healthy task before adding more",
    "each service's running count equals its desired count and its targets are healthy",
)
_AWS_SWITCH = _step(
    "switch",
    "point CloudFront's dynamic behaviors at the standby's VPC origin (writes too); reads already fail over",
    1,
    "one UpdateDistribution call (ops/cloudfront_origin.py); CloudFront propagates it to every edge in about "
    "5 min (Developer Guide, 'Update a distribution'), overlapping the next step, so it adds no minutes of its own",
    "`aws cloudfront get-distribution` shows Status Deployed before the promote step ends",
)
# GCP: the steps run in this order, each to its end (ops/gcp_failover.py): switch, then promote, then scale, as on
# AWS. The switch's minutes are its API calls; the load balancer applies the change while the replica is promoted,
# as CloudFront's propagation overlaps the AWS promotion. No traffic fails over by itself, so `detect` is the page.
_GCP_DETECT = _step(
    "detect",
    "the load balancer's uptime check passes nowhere and the service-down alert pages",
    6,
    "uptime checks run every 60 s from every checker region (gcp_stacks/alert_conditions.py); the condition fires "
    "after thresholds.service_down_minutes (production: 5) + one period; tests/gcp/test_recovery.py keeps the two "
    "in step",
    "the uptime check fails from every checker region, and the GCP status page or Cloud SQL names the region",
)
_GCP_PROMOTE = _step(
    "promote",
    "promote the cross-region Cloud SQL read replica to a standalone primary (Enterprise edition)",
    5,
    "no documented figure: Cloud SQL's 'Promote replicas for regional migration or disaster recovery' gives none, "
    "and the promoteReplica API says only that the instance 'might restart'; 5 is a budget (the AWS figure) until "
    "the quarterly rehearsal in staging measures it (drill.yml's gcp job keeps ops/drill_gcp.py's record)",
    "`gcloud sql instances describe` shows instanceType CLOUD_SQL_INSTANCE and no masterInstanceName",
)
_GCP_RESTORE = _step(
    "restore",
    "restore the newest backup into a new Cloud SQL instance in the standby region",
    45,
    "Cloud SQL restores of a few hundred GiB take tens of minutes, as on AWS",
    "the restored instance is RUNNABLE",
)
_GCP_BUILD = _step(
    "build",
    "apply network, data and app stacks in the standby region",
    45,
    "Terraform creates the VPC, private services access and Cloud Run services in well under an hour",
    "every stack applied without errors",
)
_GCP_SCALE_WARM = _step(
    "scale",
    "raise the standby Cloud Run services' minimum instances to the primary's (issued, not awaited)",
    0.5,
    "the standby's running instances already serve once the promotion ends, and Cloud Run adds instances under load "
    "whatever the minimum (Cloud Run 'About instance autoscaling'); the update is sent with --async and its new "
    "revision is ready in about 1 min in the background; 0.5 for the added instances to take their first requests",
    "`gcloud run services describe` in the standby region shows the primary's minimum instances, Ready",
)
_GCP_SCALE_PILOT = _step(
    "scale",
    "give the standby Cloud Run services, at zero until now, the primary's minimum instances (issued, not awaited)",
    1,
    "sent with --async as in warm standby; with no instance running, the first requests after the promotion start "
    "instances cold (the startup probe allows 24 x 5 s): 1 min of cold starts under the full load",
    "`gcloud run services describe` in the standby region shows the primary's minimum instances, Ready",
)
_GCP_SWITCH = _step(
    "switch",
    "move each backend service from the primary region's serverless NEG to the standby's (before the promotion)",
    0.5,
    "four backend-service updates (add the standby's NEG, remove the primary's, per workload), each gcloud call "
    "returning when its global operation is done; Google documents no duration for either the call or the Google "
    "Front Ends applying it (an unmeasured 1-2 min, inside the promotion's 5 that follows). The global anycast "
    "address stays, so no DNS TTL. Serverless NEGs have no health checks, so the command moves the NEGs instead of "
    "relying on Cloud Run service health (gcp_stacks/routing.py); until the promotion ends the standby answers reads "
    "and refuses writes (read-only replica), as the lost primary would",
    "the load balancer's request count in the standby region rises; 5xx falls once the promotion completes",
)

# The failover of each cloud and strategy, in order. `none` has no steps: nothing stands by.
FAILOVER_STEPS: dict[tuple[str, str], tuple[Step, ...]] = {
    ("aws", "none"): (),
    ("aws", "backup_restore"): (_AWS_DETECT, _DECIDE, _AWS_BUILD, _AWS_RESTORE, _AWS_SCALE_PILOT, _AWS_SWITCH),
    # The switch comes before the promotion: CloudFront's propagation overlaps the promotion, and until the replica
    # is writable the standby api answers reads and refuses writes (read-only transaction), as the lost primary
    # would.
    ("aws", "pilot_light"): (_AWS_DETECT, _DECIDE, _AWS_SWITCH, _AWS_PROMOTE, _AWS_SCALE_PILOT),
    ("aws", "warm_standby"): (_AWS_DETECT, _DECIDE, _AWS_SWITCH, _AWS_PROMOTE, _AWS_SCALE_WARM),
    ("gcp", "none"): (),
    ("gcp", "backup_restore"): (_GCP_DETECT, _DECIDE, _GCP_BUILD, _GCP_RESTORE, _GCP_SCALE_PILOT, _GCP_SWITCH),
    # Same order on GCP (one set of named steps, tests/shared/test_recovery.py), run in this order by
    # ops/gcp_failover.py: the load balancer applies the backend change while the replica is promoted, and reads
    # work from the standby sooner.
    ("gcp", "pilot_light"): (_GCP_DETECT, _DECIDE, _GCP_SWITCH, _GCP_PROMOTE, _GCP_SCALE_PILOT),
    ("gcp", "warm_standby"): (_GCP_DETECT, _DECIDE, _GCP_SWITCH, _GCP_PROMOTE, _GCP_SCALE_WARM),
}


@dataclass(frozen=True)
class Lag:
    """How much committed data the standby may not yet hold when the region is lost (the RPO of the strategy)."""

    minutes: float
    source: str


_GCP_REPLICA_LAG = (
    "Cloud SQL cross-region read replica, asynchronous: replica_lag is seconds in steady state (Cloud SQL "
    "'About replication'); the standby_replica_lag alert warns at half of resilience.rpo_minutes. Uploads "
    "replicate separately: turbo replication's target is 15 min (docs/disaster-recovery.md)"
)
# The data loss of each cloud and strategy on a region loss.
REPLICATION_LAG_MINUTES: dict[tuple[str, str], Lag] = {
    ("aws", "none"): Lag(float("inf"), "nothing leaves the region"),
    ("aws", "backup_restore"): Lag(
        1440, "AWS Backup copies the daily snapshot to the recovery vault: up to a day behind (aws_stacks/backup.py)"
    ),
    ("aws", "pilot_light"): Lag(
        1,
        "RDS cross-region read replica, asynchronous: ReplicaLag is seconds in steady state (RDS User Guide, "
        "'Working with read replicas'); the standby alarms when it passes the RPO",
    ),
    ("aws", "warm_standby"): Lag(1, "as pilot light: the same cross-region read replica"),
    ("gcp", "none"): Lag(float("inf"), "nothing leaves the region"),
    ("gcp", "backup_restore"): Lag(1440, "the newest daily backup; Cloud SQL backups are multi-regional by default"),
    ("gcp", "pilot_light"): Lag(1, _GCP_REPLICA_LAG),
    ("gcp", "warm_standby"): Lag(1, _GCP_REPLICA_LAG),
}


def failover_steps(cloud: str, strategy: str) -> tuple[Step, ...]:
    return FAILOVER_STEPS[(cloud, strategy)]


def recovery_minutes(cloud: str, strategy: str) -> float:
    """The region-loss RTO of a strategy: its steps' minutes, summed."""
    steps = failover_steps(cloud, strategy)
    return sum(step.minutes for step in steps) if steps else float("inf")


def data_loss_minutes(cloud: str, strategy: str) -> float:
    """The region-loss RPO of a strategy: the standby's replication lag."""
    return REPLICATION_LAG_MINUTES[(cloud, strategy)].minutes


def breaking_step(cloud: str, strategy: str, rto_minutes: int) -> Step | None:
    """The first step by which the running total passes the RTO, or None when the whole failover fits."""
    total = 0.0
    for step in failover_steps(cloud, strategy):
        total += step.minutes
        if total > rto_minutes:
            return step
    return None


# The steps back to the primary region once it is healthy again, printed by the failover command (not timed
# against the RTO: failback is planned, during a quiet hour).
FAILBACK_STEPS = (
    "rebuild the primary region's database as a cross-region read replica of the promoted standby",
    "wait until its replica lag is under the RPO, then stop writes (maintenance_mode feature flag)",
    "promote the primary region's replica, point the primary's services at it",
    "point CloudFront back at the origin group (`python -m ops.cloudfront_origin --to group`, or deploy the edge "
    "stack), whose first member is the primary load balancer again",
    "recreate the standby replica from the primary and scale the standby back to its standby size",
)


# Runbook sections of the recovery alarms (docs/runbooks.md, by reports/runbooks.py): key -> (severity, what,
# first check).
RECOVERY_RUNBOOKS = {
    "region_loss": (
        "critical",
        "More than 5 % of CloudFront's responses are 5xx for 2 minutes: the primary region's origin may be lost "
        "(reads already fail over to the standby through the origin group, writes do not)",
        "the AWS Health Dashboard for the primary region and the standby's replica-lag alarm; if the region is "
        "impaired, follow 'Region loss' in docs/disaster-recovery.md (`make failover CLOUD=aws ENV=<env>`)",
    ),
    "replica_lag": (
        "warning",
        "The standby's cross-region database replica lags more than half the RPO: a region loss now would lose "
        "more data than the settings allow",
        "the replica's ReplicaLag and the primary's write load (a bulk import, a long transaction); if the lag "
        "keeps growing, check the replica's storage and CPU, and scale its class like the primary's",
    ),
}


@dataclass(frozen=True)
class RecoverySettings:
    """How an environment survives the loss of its primary region, on both clouds."""

    strategy: str = "none"  # one of STRATEGIES
    gcp_standby_region: str = "us-east1"  # GCP region of the standby; AWS's is `aws.recovery_region`
    # Tasks (Fargate) / minimum instances (Cloud Run) each service runs in a warm standby before a failover;
    # the failover scales them to the primary's minimum. Pilot light runs none.
    standby_tasks: int = 1
    drills: bool = False  # this environment runs the quarterly drill (DRILL_SCHEDULE_CRON)
    # GCP: the uploads and static-assets buckets in a dual-region of both regions (turbo replication), the image
    # repository in their multi-region, each secret replicated to the standby region. All fixed at creation (a
    # change replaces the resource, which retained environments refuse): see docs/disaster-recovery.md to migrate.
    gcp_cross_region_storage: bool = False
    # The standby's ElastiCache nodes: small and cold (sessions restart empty either way), scaled up online after
    # a failover; created with the standby because a new replication group takes longer than the RTO leaves.
    aws_standby_cache_node_type: str = "cache.t4g.medium"

    @property
    def has_standby(self) -> bool:
        """A replica database and a platform wait in the standby region."""
        return self.strategy in STANDBY_STRATEGIES

    @property
    def running_standby_tasks(self) -> int:
        return self.standby_tasks if self.strategy == "warm_standby" else 0

    def problems(self) -> Problems:
        if self.strategy not in STRATEGIES:
            yield "strategy", f"'{self.strategy}' is not one of {list(STRATEGIES)}"
        if self.gcp_standby_region not in GCP_REGIONS:
            yield "gcp_standby_region", f"'{self.gcp_standby_region}' is not a GCP region"
        if self.strategy == "warm_standby" and self.standby_tasks < 1:
            yield "standby_tasks", f"{self.standby_tasks}: a warm standby runs at least 1 task per service"
        if not self.aws_standby_cache_node_type.startswith("cache."):
            yield "aws_standby_cache_node_type", f"'{self.aws_standby_cache_node_type}' is not an ElastiCache node type"
        if self.standby_tasks < 0:
            yield "standby_tasks", f"{self.standby_tasks} must not be negative"
        if self.drills and not self.has_standby:
            yield "drills", f"the drill rehearses a standby; strategy '{self.strategy}' has none"

    def problems_with(self, *, resilience: Targets, gcp_region: str, versioned_uploads: bool) -> Problems:
        """The arithmetic against the environment's `resilience` targets (full field names)."""
        rto_minutes, rpo_minutes = resilience.rto_minutes, resilience.rpo_minutes
        if self.has_standby and not versioned_uploads:
            yield (
                "storage.versioning",
                f"'{self.strategy}' replicates uploads, which S3 does only between versioned buckets",
            )
        if self.strategy not in STRATEGIES:
            return
        if self.gcp_standby_region == gcp_region:
            yield "recovery.gcp_standby_region", f"'{gcp_region}' is the primary region: the standby needs another"
        if self.gcp_cross_region_storage:
            both = {gcp_multi_region(region) for region in (gcp_region, self.gcp_standby_region)}
            if None in both or len(both) > 1:
                yield (
                    "recovery.gcp_cross_region_storage",
                    f"'{gcp_region}' and '{self.gcp_standby_region}' are not in one of the multi-regions "
                    f"{sorted(names[0] for names in GCP_MULTI_REGIONS.values())}: no dual-region bucket pairs them",
                )
        if self.has_standby and not self.gcp_cross_region_storage:
            yield (
                "recovery.gcp_cross_region_storage",
                f"'{self.strategy}' needs uploads, images and secrets the GCP standby region can still read: "
                "enable this (an existing environment migrates first, docs/disaster-recovery.md)",
            )
        if self.strategy == "backup_restore" and not resilience.copy_backups_to_recovery_region:
            yield (
                "resilience.copy_backups_to_recovery_region",
                "backup_restore restores from the copies in the recovery region: enable this",
            )
        if self.strategy == "none":
            return  # nothing stands by: the targets describe in-region failures only
        for cloud in CLOUDS:
            step = breaking_step(cloud, self.strategy, rto_minutes)
            if step is not None:
                yield (
                    "recovery.strategy",
                    f"'{self.strategy}' on {cloud} takes {recovery_minutes(cloud, self.strategy):g} min, over "
                    f"resilience.rto_minutes {rto_minutes}: step '{step.key}' ({step.minutes:g} min, "
                    f"{step.action}) passes it",
                )
            lag = data_loss_minutes(cloud, self.strategy)
            if lag > rpo_minutes:
                yield (
                    "recovery.strategy",
                    f"'{self.strategy}' on {cloud} can lose {lag:g} min of data, over resilience.rpo_minutes "
                    f"{rpo_minutes}: {REPLICATION_LAG_MINUTES[(cloud, self.strategy)].source}",
                )

    def production_problems(self) -> Problems:
        if self.strategy == "none":
            yield "strategy", "production needs a regional standby that meets its targets"


def standby_region(cloud: str, *, aws_recovery_region: str, recovery: RecoverySettings) -> str:
    """The standby region of `cloud`: both clouds' answers in one place."""
    return aws_recovery_region if cloud == "aws" else recovery.gcp_standby_region
