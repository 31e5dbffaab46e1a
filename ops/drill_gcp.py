"""GCP disaster-recovery drills: a Cloud SQL high-availability failover, and a rehearsal of the replica promotion.

    python -m ops.drill_gcp --env staging --drill sql-failover --dry-run
    python -m ops.drill_gcp --env staging --drill replica-promotion --confirm staging --record drill.json

`sql-failover` fails the primary over to its standby zone (`gcloud sql instances failover`; synchronous replication,
so no data is lost) and times it until the instance is RUNNABLE and the app answers through the load balancer.
`replica-promotion` rehearses the region-loss path without touching the standby: it creates a throwaway cross-region
replica beside it, records its replication lag (the data a promotion would lose), promotes it, times the promotion
against shared/recovery.py's `promote` minutes, and deletes it. `--dry-run` prints every command and changes nothing;
a real run needs `--confirm <env>` and gcloud credentials, stops at the first failure, and `--record` keeps the
measured minutes and data loss as JSON (the quarterly workflow uploads it as an artifact).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from gcp_stacks.names import REPLICA_LAG_METRIC, drill_sql_instance_name, sql_instance_name
from ops.gcp_failover import Commands, wait_for
from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.recovery import failover_steps

DRILLS = ("sql-failover", "replica-promotion")


def drill_replica_name(settings: Settings) -> str:
    """The only instance the drill identity may create, promote and delete (gcp_stacks/delivery.py)."""
    return drill_sql_instance_name(settings)


def replica_lag_command(settings: Settings, instance: str) -> list[str]:
    """The largest replica lag of the last 5 minutes (seconds), read from the Monitoring API: gcloud has no
    time-series reader, so curl with gcloud's token; prints the JSON the record keeps."""
    database_id = f"{settings.gcp.project_id}:{instance}"
    query = (
        f'filter=metric.type="{REPLICA_LAG_METRIC}" AND resource.label.database_id="{database_id}"'
        "&aggregation.alignmentPeriod=300s&aggregation.perSeriesAligner=ALIGN_MAX"
    )
    script = (
        'now=$(date -u +%Y-%m-%dT%H:%M:%SZ); then=$(date -u -d "-5 min" +%Y-%m-%dT%H:%M:%SZ); '
        'curl -sS --fail -G -H "Authorization: Bearer $(gcloud auth print-access-token)" '
        f'"https://monitoring.googleapis.com/v3/projects/{settings.gcp.project_id}/timeSeries" '
        f"--data-urlencode {shlex.quote(query)} "
        '--data-urlencode "interval.startTime=$then" --data-urlencode "interval.endTime=$now"'
    )
    return ["sh", "-c", script]


def steps(settings: Settings, drill: str) -> list[tuple[str, Commands]]:
    """(name, commands) of each timed step of `drill`."""
    project = ["--project", settings.gcp.project_id]
    primary = sql_instance_name(settings)
    health = [sys.executable, "-m", "ops.health_check", "--env", settings.environment,
              "--attempts", "20", "--interval", "15"]  # fmt: skip
    if drill == "sql-failover":
        return [
            ("failover", [["gcloud", "sql", "instances", "failover", primary, *project, "--quiet"]]),
            ("recovered", [wait_for(settings, primary, "state", "RUNNABLE"), health]),
        ]
    standby = settings.recovery.gcp_standby_region
    replica = drill_replica_name(settings)
    key = f"projects/{settings.gcp.project_id}/locations/{standby}/keyRings/{settings.name('keys')}/cryptoKeys/database"
    network = f"projects/{settings.gcp.project_id}/global/networks/{settings.name('vpc')}"
    create = ["gcloud", "sql", "instances", "create", replica, "--master-instance-name", primary, "--region", standby,
              "--tier", settings.database.gcp_tier, "--edition", "ENTERPRISE", "--availability-type", "ZONAL",
              "--network", network, "--no-assign-ip", "--disk-encryption-key", key, *project,
              "--labels", f"environment={settings.environment},purpose=drill", "--quiet"]  # fmt: skip
    return [
        ("create", [create, wait_for(settings, replica, "state", "RUNNABLE", minutes=90)]),
        ("lag", [replica_lag_command(settings, replica)]),
        (
            "promote",
            [
                ["gcloud", "sql", "instances", "promote-replica", replica, *project, "--quiet"],
                wait_for(settings, replica, "instanceType", "CLOUD_SQL_INSTANCE"),
            ],
        ),
        ("cleanup", [["gcloud", "sql", "instances", "delete", replica, *project, "--quiet"]]),
    ]


def expected_minutes(settings: Settings, drill: str, step: str) -> float | None:
    """What the failover arithmetic expects of a measured step: the promotion's minutes, nothing else."""
    if drill == "replica-promotion" and step == "promote":
        keyed = {s.key: s.minutes for s in failover_steps("gcp", settings.recovery.strategy)}
        return keyed.get("promote")
    return None


def run(
    settings: Settings,
    drill: str,
    *,
    runner: Callable[[Sequence[str]], subprocess.CompletedProcess],
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Run the drill's steps in order, stop at the first failure (still deleting a rehearsal replica), and
    return the record: each step's minutes and, for the rehearsal, the replica lag read before the promotion."""
    record: dict = {"environment": settings.environment, "drill": drill, "steps": []}
    for name, commands in steps(settings, drill):
        if not all(step["ok"] for step in record["steps"]) and name != "cleanup":
            continue
        start = clock()
        results = [runner(command) for command in commands]
        ok = all(result.returncode == 0 for result in results)
        entry = {"step": name, "minutes": round((clock() - start) / 60, 2), "ok": ok,
                 "expected_minutes": expected_minutes(settings, drill, name)}  # fmt: skip
        if name == "lag" and ok:
            entry["replica_lag_seconds"] = max_lag_seconds(results[-1].stdout)
        record["steps"].append(entry)
    record["recovery_minutes"] = sum(s["minutes"] for s in record["steps"] if s["step"] in ("promote", "recovered"))
    record["data_loss_seconds"] = next(
        (s.get("replica_lag_seconds") for s in record["steps"] if s["step"] == "lag"),
        0.0 if drill == "sql-failover" else None,
    )
    return record


def max_lag_seconds(monitoring_json: str) -> float | None:
    """The largest point in a timeSeries.list answer, or None when it holds no point."""
    points = [
        point["value"].get("doubleValue", point["value"].get("int64Value"))
        for series in json.loads(monitoring_json or "{}").get("timeSeries", [])
        for point in series.get("points", [])
    ]
    return max((float(value) for value in points if value is not None), default=None)


def _subprocess(command: Sequence[str]) -> subprocess.CompletedProcess:
    print(f"$ {shlex.join(command)}", flush=True)
    return subprocess.run(list(command), check=False, capture_output=True, text=True)


def main(argv: Sequence[str] | None = None, runner: Callable | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.drill_gcp", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", required=True, help="one of " + ", ".join(ENVIRONMENTS) + " (the schedule drills staging)"
    )
    parser.add_argument("--drill", choices=DRILLS, required=True)
    parser.add_argument("--dry-run", action="store_true", help="print every gcloud command; change nothing")
    parser.add_argument("--confirm", default="", help="the environment's name: required to run for real")
    parser.add_argument("--record", type=Path, help="write the measured minutes and data loss as JSON here")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        parser.exit(2, f"error: {error}\n")
    if args.drill == "replica-promotion" and not settings.recovery.has_standby:
        parser.exit(2, f"error: {args.env} has no standby region to rehearse (recovery.strategy "
                       f"'{settings.recovery.strategy}')\n")  # fmt: skip
    if args.dry_run:
        for name, commands in steps(settings, args.drill):
            print(f"{name}:")
            print("\n".join(f"  $ {shlex.join(command)}" for command in commands))
        return 0
    if args.confirm != settings.environment:
        parser.exit(2, f"error: a real drill needs --confirm {settings.environment}\n")
    record = run(settings, args.drill, runner=runner or _subprocess)
    print(json.dumps(record, indent=2))
    if args.record:
        args.record.write_text(json.dumps(record, indent=2) + "\n")
    return 0 if all(step["ok"] for step in record["steps"]) else 1


if __name__ == "__main__":
    sys.exit(main())
