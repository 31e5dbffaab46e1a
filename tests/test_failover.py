"""`make failover`: the plan prints the arithmetic's steps and minutes offline; a real run is gated and measured."""

from __future__ import annotations

import json

import pytest

from scripts import failover
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
    assert [step.key for step in steps] == ["detect", "decide", "promote", "scale", "switch"]
    assert "signs in again" in out  # the empty cache's cost


def test_the_aws_plan_names_the_standby_resources(capsys):
    failover.main(["--cloud", "aws", "--env", "production", "--dry-run"])
    out = capsys.readouterr().out
    names = aws_standby_names(load_settings("production"))
    assert f"promote-read-replica --region us-west-2 --db-instance-identifier {names['database']}" in out
    assert "--service bookedbarber-production-api --desired-count 3" in out  # the primary's minimum (3-50 tasks)


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

    placeholder = f"<{aws_standby_names(settings)['health_check']}>"
    measured = failover.run_steps(
        settings, "aws", runner=runner, values={placeholder: "abc-123"}, clock=lambda: next(ticks)
    )
    assert [item["step"] for item in measured] == ["detect", "decide", "promote"]
    assert [item["ok"] for item in measured] == [True, True, False]
    assert all(item["minutes"] == 1 for item in measured)
    assert ["aws", "route53", "get-health-check-status", "--health-check-id", "abc-123"] in ran
    assert not any(command[:3] == ["aws", "ecs", "update-service"] for command in ran)
    json.dumps(measured)  # what --record writes


def test_an_unresolved_lookup_stops_before_acting():
    settings = load_settings("staging")
    with pytest.raises(SystemExit, match="could not look up"):
        failover.run_steps(settings, "aws", runner=lambda command: 0, values={})
