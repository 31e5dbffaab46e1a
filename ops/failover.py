"""`make failover CLOUD=aws|gcp ENV=<env>`: fail an environment over to its standby region, or back (`--failback`).

The steps and their expected minutes are shared/recovery.py's (the same arithmetic validation and the runbook
use); this command adds the cloud's commands for each step. `--dry-run` (DRY_RUN=1) prints the plan offline and
changes nothing. A real run needs credentials and `--confirm <env>`, runs each step's commands in order, stops at
the first failure, and prints each step's measured minutes beside the expected ones (`--record` keeps them as JSON,
which the quarterly drill uploads).

    python -m ops.failover --cloud aws --env production --dry-run
    python -m ops.failover --cloud aws --env staging --confirm staging --record drill.json
    python -m ops.failover --cloud aws --env production --failback --dry-run
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ops import gcp_failover
from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.contract import SERVICES
from shared.recovery import (
    CLOUDS,
    FAILBACK_STEPS,
    REPLICATION_LAG_MINUTES,
    Step,
    failover_steps,
    recovery_minutes,
    standby_region,
)
from shared.recovery_names import aws_standby_names
from shared.stacks import AWS_EDGE_REGION

Commands = list[list[str]]


def _aws(settings: Settings, key: str) -> Commands:
    names = aws_standby_names(settings)
    primary, standby = settings.aws.region, settings.aws.recovery_region
    if key == "detect":
        return [
            ["aws", "cloudwatch", "describe-alarms", "--region", AWS_EDGE_REGION, "--alarm-names",
             names["origin_errors_alarm"]],
            ["aws", "cloudwatch", "describe-alarms", "--region", standby, "--alarm-names", names["replica_lag_alarm"]],
        ]  # fmt: skip
    if key == "decide":
        return [["aws", "health", "describe-events", "--region", "us-east-1", "--filter", f"regions={primary}"]]
    if key == "promote":
        return [
            ["aws", "rds", "promote-read-replica", "--region", standby, "--db-instance-identifier", names["database"],
             "--backup-retention-period", str(settings.resilience.backup_retention_days)],
            ["aws", "rds", "wait", "db-instance-available", "--region", standby, "--db-instance-identifier",
             names["database"]],
            # The RDS-managed master secret lives in the lost region: RDS makes the promoted instance its own.
            ["aws", "rds", "modify-db-instance", "--region", standby, "--db-instance-identifier", names["database"],
             "--manage-master-user-password", "--master-user-secret-kms-key-id",
             f"alias/{settings.prefix}/standby-secrets", "--apply-immediately"],
        ]  # fmt: skip
    if key == "restore":
        return [["aws", "backup", "list-recovery-points-by-backup-vault", "--region", standby, "--backup-vault-name",
                 settings.name("backup-copies"), "--by-resource-type", "RDS"]]  # fmt: skip
    if key == "build":
        return [["npx", "cdk", "deploy", "--all", "-c", f"env={settings.environment}"]]
    if key == "scale":
        commands = []
        for name in SERVICES:
            desired = getattr(settings.compute, name).fargate_min_tasks
            service = names[f"service_{name}"]
            # Auto scaling's floor first: it would otherwise scale the service back in to the standby's size.
            commands.append(
                ["aws", "application-autoscaling", "register-scalable-target", "--region", standby,
                 "--service-namespace", "ecs", "--scalable-dimension", "ecs:service:DesiredCount", "--resource-id",
                 f"service/{names['cluster']}/{service}", "--min-capacity", str(desired)]
            )  # fmt: skip
            commands.append(
                ["aws", "ecs", "update-service", "--region", standby, "--cluster", names["cluster"], "--service",
                 service, "--desired-count", str(desired)]
            )  # fmt: skip
        services = [names[f"service_{name}"] for name in SERVICES]
        commands.append(["aws", "ecs", "wait", "services-stable", "--region", standby, "--cluster", names["cluster"],
                         "--services", *services])  # fmt: skip
        # The standby's cache starts small (recovery.aws_standby_cache_node_type): scaled up online, not waited for.
        commands.append(["aws", "elasticache", "modify-replication-group", "--region", standby,
                         "--replication-group-id", names["cache"], "--cache-node-type", settings.cache.aws_node_type,
                         "--apply-immediately"])  # fmt: skip
        return commands
    if key == "switch":
        # Reads already moved (the origin group); this moves writes, through CloudFront's API in us-east-1.
        return [
            [sys.executable, "-m", "ops.cloudfront_origin", "--env", settings.environment, "--to", "standby"],
        ]
    raise KeyError(key)


# GCP's commands live with the rest of its recovery tooling (the drills use them too).
COMMANDS: dict[str, Callable[[Settings, str], Commands]] = {"aws": _aws, "gcp": gcp_failover.step_commands}


def plan_lines(settings: Settings, cloud: str) -> list[str]:
    """The failover plan: every step, its expected minutes and source, its commands and what to check."""
    strategy = settings.recovery.strategy
    region = standby_region(cloud, aws_recovery_region=settings.aws.recovery_region, recovery=settings.recovery)
    steps = failover_steps(cloud, strategy)
    if not steps:
        return [f"{settings.environment} on {cloud}: strategy 'none', nothing stands by in another region."]
    lag = REPLICATION_LAG_MINUTES[(cloud, strategy)]
    lines = [
        f"Fail over {settings.environment} on {cloud} to {region} (strategy {strategy}): "
        f"expected {recovery_minutes(cloud, strategy):g} min against RTO {settings.resilience.rto_minutes}, "
        f"data loss up to {lag.minutes:g} min against RPO {settings.resilience.rpo_minutes} ({lag.source}).",
    ]
    elapsed = 0.0
    for number, step in enumerate(steps, start=1):
        elapsed += step.minutes
        lines.append(f"{number}. {step.key}: {step.action}  [{step.minutes:g} min, total {elapsed:g}]")
        lines.append(f"   why {step.minutes:g} min: {step.source}")
        lines.extend(f"   $ {shlex.join(command)}" for command in COMMANDS[cloud](settings, step.key))
        lines.append(f"   check: {step.check}")
    lines.append("Then the cache is empty in the standby: every user signs in again (sessions lived in Redis).")
    if cloud == "gcp":
        lines.append(gcp_failover.cache_cost(settings))
        lines.append("Once it serves (outside the RTO): the primary's backups and availability, in a quiet minute:")
        lines.extend(f"   $ {shlex.join(command)}" for command in gcp_failover.after_failover(settings))
    if any(step.key == "promote" for step in steps):  # both clouds switch before they promote
        lines.append(
            "Until the promote step ends the standby api serves reads from the replica and its writes fail "
            "(read-only transaction): the same writes the lost primary could not take."
        )
    return lines


def failback_lines(settings: Settings, cloud: str) -> list[str]:
    lines = [f"Fail {settings.environment} on {cloud} back to {_primary(settings, cloud)}, in a planned window:"]
    if cloud == "gcp":
        for number, (text, commands) in enumerate(gcp_failover.failback(settings), start=1):
            lines.append(f"{number}. {text}")
            lines.extend(f"   $ {shlex.join(command)}" for command in commands)
        return lines
    lines.extend(f"{number}. {text}" for number, text in enumerate(FAILBACK_STEPS, start=1))
    return lines


def _primary(settings: Settings, cloud: str) -> str:
    return settings.aws.region if cloud == "aws" else settings.gcp.region


def run_steps(
    settings: Settings,
    cloud: str,
    *,
    runner: Callable[[Sequence[str]], int],
    values: dict[str, str],
    clock: Callable[[], float] = time.monotonic,
) -> list[dict[str, object]]:
    """Run each step's commands in order; stop at the first failure. Returns each step's measured minutes."""
    measured: list[dict[str, object]] = []
    for step in failover_steps(cloud, settings.recovery.strategy):
        start = clock()
        codes = [runner(command) for command in resolved(COMMANDS[cloud](settings, step.key), values)]
        ok = all(code == 0 for code in codes)
        measured.append(_measurement(step, (clock() - start) / 60, ok))
        print(f"{'DONE' if ok else 'FAIL'}  {step.key}: {measured[-1]['minutes']} min (expected {step.minutes:g})")
        if not ok:
            break
    return measured


def resolved(commands: Commands, values: dict[str, str]) -> Commands:
    """`<name>` placeholders replaced by looked-up values; one left over stops the run before it acts."""
    result = []
    for command in commands:
        parts = [values.get(part, part) for part in command]
        unresolved = [part for part in parts if part.startswith("<") and part.endswith(">")]
        if unresolved:
            raise SystemExit(f"error: could not look up {unresolved[0]} (see docs/disaster-recovery.md)")
        result.append(parts)
    return result


def _measurement(step: Step, minutes: float, ok: bool) -> dict[str, object]:
    return {"step": step.key, "expected_minutes": step.minutes, "minutes": round(minutes, 2), "ok": ok}


def _subprocess_runner(command: Sequence[str]) -> int:
    print(f"$ {shlex.join(command)}", flush=True)
    return subprocess.run(list(command), check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cloud", choices=CLOUDS, required=True)
    parser.add_argument("--env", required=True, help="one of " + ", ".join(ENVIRONMENTS))
    parser.add_argument("--dry-run", action="store_true", help="print every step and command; change nothing")
    parser.add_argument("--failback", action="store_true", help="the way back to the primary region")
    parser.add_argument("--confirm", default="", help="the environment's name: required to run for real")
    parser.add_argument("--record", type=Path, help="write the measured minutes of each step as JSON here")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        parser.exit(2, f"error: {error}\n")
    lines = failback_lines(settings, args.cloud) if args.failback else plan_lines(settings, args.cloud)
    print("\n".join(lines))
    if args.dry_run or args.failback or not settings.recovery.has_standby:
        return 0  # failback is a planned change: its steps are printed, an operator runs them one by one
    if args.confirm != settings.environment:
        parser.exit(2, f"error: a real failover needs --confirm {settings.environment} (CONFIRM=... in make)\n")
    from ops.deploy import CREDENTIALS

    find, advice = CREDENTIALS[args.cloud]
    if find(os.environ, Path.home()) is None:
        parser.exit(2, f"error: {advice}\n")
    measured = run_steps(settings, args.cloud, runner=_subprocess_runner, values={})
    if args.record:
        args.record.write_text(json.dumps({"environment": settings.environment, "steps": measured}, indent=2))
    return 0 if all(item["ok"] for item in measured) else 1


if __name__ == "__main__":
    sys.exit(main())
