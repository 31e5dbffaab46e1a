"""The gcloud commands of each GCP failover step (shared/recovery.py's keys), of the failback, and of the drills.

`ops/failover.py` prints and runs these per step; `ops/drill_gcp.py` runs the drills. Everything here is
derived from settings and builds argument lists only: nothing runs, nothing needs credentials or a provider.

The failover runs shared/recovery.py's steps in their order, each to its end: `switch` moves the load balancer's
backends to the standby's NEGs (the load balancer applies it while the replica is promoted), `promote` promotes the
replica and waits until it is a standalone instance, and `scale` then raises the standby's minimum instances without
waiting (Cloud Run already serves and autoscales). Each step's measured minutes compare with its own budget.
"""

from __future__ import annotations

import shlex

from gcp_stacks.names import neg_name, sql_instance_name, standby_redis_instance_name, standby_sql_instance_name
from shared import Settings
from shared.contract import SERVICES

Commands = list[list[str]]

# Poll until a Cloud SQL instance reports `field` = `value` (10 s apart, at most `minutes`), then succeed.
_POLL = (
    'for _ in $(seq {tries}); do [ "$({describe})" = {value} ] && exit 0; sleep 10; done; echo "timed out" >&2; exit 1'
)


def wait_for(settings: Settings, instance: str, field: str, value: str, *, minutes: int = 15) -> list[str]:
    describe = shlex.join(
        ["gcloud", "sql", "instances", "describe", instance, "--project", settings.gcp.project_id,
         f"--format=value({field})"]
    )  # fmt: skip
    return ["sh", "-c", _POLL.format(tries=minutes * 6, describe=describe, value=value)]


def _project(settings: Settings) -> list[str]:
    return ["--project", settings.gcp.project_id]


def backend_moves(settings: Settings, *, to_standby: bool) -> Commands:
    """Each workload's backend service gets the target region's serverless NEG, then loses the other's: add first,
    so a backend service is never empty (an empty one answers 502 for every request)."""
    regions = {False: settings.gcp.region, True: settings.recovery.gcp_standby_region}
    commands = []
    for workload in SERVICES:
        for verb, standby in (("add-backend", to_standby), ("remove-backend", not to_standby)):
            commands.append(
                ["gcloud", "compute", "backend-services", verb, settings.name(workload), "--global",
                 "--network-endpoint-group", neg_name(settings, workload, standby=standby),
                 "--network-endpoint-group-region", regions[standby], *_project(settings)]
            )  # fmt: skip
    return commands


def step_commands(settings: Settings, key: str) -> Commands:
    """The commands of failover step `key` (detect, decide, promote, scale, switch; restore and build for
    backup_restore, which has no standby to act on)."""
    project, primary = settings.gcp.project_id, settings.gcp.region
    standby = settings.recovery.gcp_standby_region
    replica = standby_sql_instance_name(settings)
    if key == "detect":
        return [
            ["gcloud", "monitoring", "uptime", "list-configs", *_project(settings)],
            ["gcloud", "sql", "instances", "describe", sql_instance_name(settings), *_project(settings),
             "--format=value(state,gceZone)"],
        ]  # fmt: skip
    if key == "decide":
        return [["echo", f"confirm on https://status.cloud.google.com that {primary} is impaired"]]
    if key == "promote":
        # Enterprise edition: the replica becomes a standalone primary; the lost primary stays as it was. The call
        # returns at once (--async: gcloud's own wait gives up on long operations) and the step polls until the
        # instance is no longer a replica, so the step ends when the promotion does.
        return [
            ["gcloud", "sql", "instances", "promote-replica", replica, "--project", project, "--async", "--quiet"],
            wait_for(settings, replica, "instanceType", "CLOUD_SQL_INSTANCE"),
        ]
    if key == "scale":
        return [
            ["gcloud", "run", "services", "update", settings.name(name), "--region", standby, *_project(settings),
             "--min-instances", str(getattr(settings.compute, name).cloud_run_min_instances), "--async", "--quiet"]
            for name in SERVICES
        ]  # fmt: skip
    if key == "switch":
        return backend_moves(settings, to_standby=True)
    if key == "restore":
        return [["gcloud", "sql", "backups", "list", "--instance", sql_instance_name(settings), *_project(settings)]]
    if key == "build":
        return [["npx", "cdktf", "deploy", "--auto-approve"]]
    raise KeyError(key)


def after_failover(settings: Settings) -> Commands:
    """Once traffic is served (outside the RTO): the promoted instance gets the primary's backups, point-in-time
    recovery and high availability. Turning on HA restarts the instance: the runbook does it in a quiet minute."""
    resilience = settings.resilience
    patch = ["gcloud", "sql", "instances", "patch", standby_sql_instance_name(settings), *_project(settings)]
    return [
        [*patch, "--backup-start-time", "03:00", "--enable-point-in-time-recovery",
         "--retained-backups-count", str(resilience.backup_retention_days),
         "--retained-transaction-log-days", str(resilience.point_in_time_recovery_days), "--quiet"],
        [*patch, "--availability-type", "REGIONAL" if settings.database.multi_az else "ZONAL", "--quiet"],
    ]  # fmt: skip


def failback(settings: Settings) -> list[tuple[str, Commands]]:
    """The way back once the primary region is healthy, in a planned window: (what, commands) per step."""
    primary, standby = settings.gcp.region, settings.recovery.gcp_standby_region
    project = _project(settings)
    replica, lost = standby_sql_instance_name(settings), sql_instance_name(settings)
    back = settings.name("postgres-failback")
    # The primary region's database key (gcp_stacks/security.py `key_id`, not imported: it loads the provider).
    key = f"projects/{settings.gcp.project_id}/locations/{primary}/keyRings/{settings.name('keys')}/cryptoKeys/database"
    network = f"projects/{settings.gcp.project_id}/global/networks/{settings.name('vpc')}"
    stop_lost = ["gcloud", "sql", "instances", "patch", lost, *project, "--activation-policy", "NEVER", "--quiet"]
    rebuild = ["gcloud", "sql", "instances", "create", back, "--master-instance-name", replica, "--region", primary,
               "--tier", settings.database.gcp_tier, "--edition", "ENTERPRISE", *project, "--network", network,
               "--no-assign-ip", "--disk-encryption-key", key]  # fmt: skip
    promote = ["gcloud", "sql", "instances", "promote-replica", back, *project, "--quiet"]
    standby_size = [
        ["gcloud", "run", "services", "update", settings.name(name), "--region", standby, *project,
         "--min-instances", str(settings.recovery.running_standby_tasks), "--quiet"]
        for name in SERVICES
    ]  # fmt: skip
    return [
        (
            f"stop the lost {lost} (stale since the promotion) and rebuild {primary}'s database as a cross-region "
            f"replica of {replica}: Enterprise edition cannot re-attach the lost primary (Enterprise Plus "
            "switchover would)",
            [stop_lost, rebuild],
        ),
        (
            "wait until it is RUNNABLE and its replica lag is under the RPO, then stop writes (maintenance_mode flag)",
            [wait_for(settings, back, "state", "RUNNABLE", minutes=120)],
        ),
        (
            f"promote it, then point {primary}'s services at it (settings, then `make deploy CLOUD=gcp`): they "
            f"still name the lost {lost}, so the backends move only in the next step",
            [promote],
        ),
        (
            f"once {primary}'s services answer on the new primary, move the backends back",
            backend_moves(settings, to_standby=False),
        ),
        (
            f"recreate {standby}'s replica from the new primary and put the standby back at its size "
            "(`make deploy CLOUD=gcp` does both as settings say)",
            standby_size,
        ),
    ]


def cache_cost(settings: Settings) -> str:
    """What the cold standby cache costs the app (printed after the failover plan)."""
    return (
        f"{standby_redis_instance_name(settings)} starts empty: every session is gone (users sign in again) and the "
        "first requests miss the cache and read Cloud SQL, which the promoted instance serves alone."
    )
