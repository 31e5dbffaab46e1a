"""`make drill ENV=staging DRILL=rds-failover`: run one AWS FIS drill and measure the recovery time and data loss.

Starts the experiment template tagged `bookedbarber-<env>-drill-<drill>` (aws_stacks/drills.py), waits for it to
end (it stops by itself on the critical alarms), then runs the health check until the environment serves again.
Recovery time: from the start of the fault to the first passing health check. Data loss: the standby replica's
highest lag during the drill (the RPO a region loss at that moment would have cost), in seconds. `--record` keeps
both as JSON: the quarterly workflow (.github/workflows/drill.yml) uploads it as an artifact.

    python -m ops.drill --env staging --drill rds-failover --dry-run
    python -m ops.drill --env staging --drill az-impairment --record drill.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared import SettingsError, load_settings
from shared.names import drill_name
from shared.recovery_names import DRILLS, aws_standby_names
from shared.settings import Settings

POLL_SECONDS = 15
ENDED = ("completed", "stopped", "failed", "cancelled")

Run = Callable[[list[str]], str]


def template_lookup(settings: Settings, drill: str) -> list[str]:
    query = f"experimentTemplates[?tags.Name=='{drill_name(settings, drill)}'].id | [0]"
    return ["aws", "fis", "list-experiment-templates", "--region", settings.aws.region, "--query", query,
            "--output", "text"]  # fmt: skip


def replica_lag_query(settings: Settings, start: datetime, end: datetime) -> list[str]:
    names = aws_standby_names(settings)
    return ["aws", "cloudwatch", "get-metric-statistics", "--region", settings.aws.recovery_region,
            "--namespace", "AWS/RDS", "--metric-name", "ReplicaLag", "--statistics", "Maximum", "--period", "60",
            "--dimensions", f"Name=DBInstanceIdentifier,Value={names['database']}",
            "--start-time", start.isoformat(), "--end-time", end.isoformat(),
            "--query", "max(Datapoints[].Maximum)", "--output", "text"]  # fmt: skip


def plan(settings: Settings, drill: str) -> list[str]:
    return [
        f"$ {shlex.join(template_lookup(settings, drill))}",
        f"$ aws fis start-experiment --region {settings.aws.region} --experiment-template-id <id>",
        f"$ aws fis get-experiment --region {settings.aws.region} --id <experiment>   # every {POLL_SECONDS} s",
        f"$ python -m ops.health_check --env {settings.environment}   # until it passes",
        "$ "
        + shlex.join(
            replica_lag_query(settings, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
        ).replace("2026-01-01T00:00:00+00:00", "<drill window>"),
    ]


def run_drill(
    settings: Settings,
    drill: str,
    *,
    run: Run,
    healthy: Callable[[], bool],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, object]:
    """Start the drill, wait for it and for the environment to serve; measure both numbers."""
    template = run(template_lookup(settings, drill)).strip()
    if not template or template == "None":
        raise SystemExit(f"error: no experiment template tagged {drill_name(settings, drill)}: deploy the stacks")
    started_at, start = now(), clock()
    start_command = ["aws", "fis", "start-experiment", "--region", settings.aws.region,
                     "--experiment-template-id", template, "--query", "experiment.id", "--output", "text"]  # fmt: skip
    experiment = run(start_command).strip()
    status = ""
    while status not in ENDED:
        sleep(POLL_SECONDS)
        status = run(["aws", "fis", "get-experiment", "--region", settings.aws.region, "--id", experiment,
                      "--query", "experiment.state.status", "--output", "text"]).strip()  # fmt: skip
    while not healthy():
        sleep(POLL_SECONDS)
    recovery_minutes = (clock() - start) / 60
    lag = 0.0
    if settings.recovery.has_standby:
        text = run(replica_lag_query(settings, started_at - timedelta(minutes=1), now())).strip()
        lag = float(text) if text not in ("", "None") else 0.0
    return {
        "environment": settings.environment,
        "drill": drill,
        "experiment": experiment,
        "status": status,
        "recovery_minutes": round(recovery_minutes, 2),
        "rto_minutes": settings.resilience.rto_minutes,
        "data_loss_seconds": lag,
        "rpo_minutes": settings.resilience.rpo_minutes,
    }


def _run(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _healthy(environment: str) -> bool:
    check = [sys.executable, "-m", "ops.health_check", "--env", environment]
    return subprocess.run(check, check=False).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="an environment whose recovery.drills is on (staging)")
    parser.add_argument("--drill", choices=DRILLS, required=True)
    parser.add_argument("--dry-run", action="store_true", help="print the commands; change nothing")
    parser.add_argument("--record", type=Path, help="write the measured recovery time and data loss as JSON here")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        parser.exit(2, f"error: {error}\n")
    if not settings.recovery.drills:
        parser.exit(2, f"error: {args.env} runs no drills (recovery.drills is off)\n")
    if args.dry_run:
        print("\n".join(plan(settings, args.drill)))
        return 0
    result = run_drill(settings, args.drill, run=_run, healthy=lambda: _healthy(settings.environment))
    print(json.dumps(result, indent=2))
    if args.record:
        args.record.write_text(json.dumps(result, indent=2) + "\n")
    met = (
        result["recovery_minutes"] <= result["rto_minutes"]
        and result["data_loss_seconds"] <= 60 * result["rpo_minutes"]
    )
    return 0 if met and result["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
