"""`make failover`: the plan prints the arithmetic's steps and minutes offline; a real run is gated and measured."""

from __future__ import annotations

import json

import pytest

from ops import failover
from shared import load_settings
from shared.recovery import FAILBACK_STEPS, failover_steps, recovery_minutes
from shared.recovery_names import aws_standby_names


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_the_dry_run_prints_every_step_with_the_arithmetics_minutes(cloud, capsys):
    assert failover.main(["--cloud", cloud, "--env", "production", "--dry-run"]) == 0
    out = capsys.readouterr().out
    settings = load_settings("production")
    steps = failover_steps(cloud, settings.recovery.strategy)
    assert f"expected {recovery_minutes(cloud, settings.recovery.strategy):g} min against RTO 15" in out
    total = 0.0
    for number, step in enumerate(steps, start=1):
        total += step.minutes
        assert f"{number}. {step.key}: {step.action}  [{step.minutes:g} min, total {total:g}]" in out
        assert f"check: {step.check}" in out
    # The switch first: its propagation overlaps the promotion (shared/recovery.py).
    assert [step.key for step in steps] == ["detect", "decide", "switch", "promote", "scale"]
    assert "signs in again" in out  # the empty cache's cost


def test_the_aws_plan_names_the_standby_resources(capsys):
    failover.main(["--cloud", "aws", "--env", "production", "--dry-run"])
    out = capsys.readouterr().out
    names = aws_standby_names(load_settings("production"))
    assert f"promote-read-replica --region us-west-2 --db-instance-identifier {names['database']}" in out
    assert "--service bookedbarber-production-api --desired-count 3" in out  # the primary's minimum (3-50 tasks)
    # Auto scaling's floor rises with it, or target tracking would scale back in to the standby's size.
    assert "--resource-id service/bookedbarber-production-cluster/bookedbarber-production-api --min-capacity 3" in out
    assert "ops.cloudfront_origin --env production --to standby" in out  # writes follow the reads
    assert f"--alarm-names {names['origin_errors_alarm']}" in out  # the us-east-1 signal, not the lost region's
    assert "route53" not in out  # no health check can probe an internal ALB behind a VPC origin


def test_failback_prints_the_way_back(capsys):
    assert failover.main(["--cloud", "aws", "--env", "production", "--failback"]) == 0
    out = capsys.readouterr().out
    for text in FAILBACK_STEPS:
        assert text in out


def test_no_standby_means_nothing_to_run(capsys):
    assert failover.main(["--cloud", "aws", "--env", "dev"]) == 0
    assert "nothing stands by" in capsys.readouterr().out


def test_a_real_run_needs_the_confirmation(capsys):
    with pytest.raises(SystemExit) as exit_:
        failover.main(["--cloud", "aws", "--env", "staging"])
    assert exit_.value.code == 2
    assert "--confirm staging" in capsys.readouterr().err


def test_a_run_stops_at_the_first_failing_step_and_measures_each():
    settings = load_settings("staging")
    ran: list[list[str]] = []
    ticks = iter(float(60 * minute) for minute in range(100))

    def runner(command):
        ran.append(list(command))
        return 1 if command[:3] == ["aws", "rds", "promote-read-replica"] else 0

    measured = failover.run_steps(settings, "aws", runner=runner, values={}, clock=lambda: next(ticks))
    assert [item["step"] for item in measured] == ["detect", "decide", "switch", "promote"]
    assert [item["ok"] for item in measured] == [True, True, True, False]
    assert all(item["minutes"] == 1 for item in measured)
    assert any("ops.cloudfront_origin" in command for command in ran)
    assert not any(command[:3] == ["aws", "ecs", "update-service"] for command in ran)
    json.dumps(measured)  # what --record writes


def test_an_unresolved_lookup_stops_before_acting():
    with pytest.raises(SystemExit, match="could not look up"):
        failover.resolved([["aws", "cloudfront", "get-distribution", "--id", "<distribution>"]], {})
    assert failover.resolved([["echo", "<x>"]], {"<x>": "y"}) == [["echo", "y"]]


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_the_runbook_shows_the_region_loss_plan_of_the_arithmetic(cloud):
    from reports.readme_sections import section
    from reports.recovery_table import RUNBOOK as DISASTER_RECOVERY
    from reports.recovery_table import table

    assert section(DISASTER_RECOVERY.read_text(), f"failover-{cloud}") == table(cloud), "run `make docs`"
    minutes = recovery_minutes(cloud, load_settings("production").recovery.strategy)
    assert f"RTO {minutes:g} min against `resilience.rto_minutes` 15: **meets**" in (table(cloud))


def test_a_drill_measures_recovery_time_and_data_loss():
    from datetime import UTC, datetime

    from ops import drill

    settings = load_settings("staging")
    answers = iter(["tmpl-1", "exp-1", "running", "completed", "2.5"])
    commands: list[list[str]] = []

    def run(command):
        commands.append(command)
        return next(answers)

    health = iter([False, True])
    ticks = iter([0.0, 6 * 60.0])
    result = drill.run_drill(
        settings,
        "rds-failover",
        run=run,
        healthy=lambda: next(health),
        clock=lambda: next(ticks),
        sleep=lambda seconds: None,
        now=lambda: datetime(2026, 1, 15, 6, tzinfo=UTC),
    )
    assert result["recovery_minutes"] == 6 and result["data_loss_seconds"] == 2.5 and result["status"] == "completed"
    assert commands[0] == drill.template_lookup(settings, "rds-failover")
    assert commands[1][:3] == ["aws", "fis", "start-experiment"] and "tmpl-1" in commands[1]


def test_drills_run_only_where_settings_ask(capsys):
    from ops import drill

    with pytest.raises(SystemExit):
        drill.main(["--env", "production", "--drill", "rds-failover", "--dry-run"])
    assert "runs no drills" in capsys.readouterr().err
    assert drill.main(["--env", "staging", "--drill", "rds-failover", "--dry-run"]) == 0
