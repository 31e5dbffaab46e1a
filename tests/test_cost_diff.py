"""The pull-request cost gate: base against head per environment and component, failing above the settings' limit."""

from __future__ import annotations

import json

import pytest

from reports import cost_diff
from shared import ENVIRONMENTS, load_settings
from shared.cost_review import CostReviewSettings


def _estimates(**changes: float) -> dict:
    """Every environment at 100 USD a component; `changes` adds to production's AWS compute."""
    found = {
        environment: {cloud: {"compute": 100.0, "database": 100.0} for cloud in cost_diff.CLOUDS}
        for environment in ENVIRONMENTS
    }
    found["production"]["aws"]["compute"] += changes.get("production_aws_compute", 0.0)
    return found


def _run(tmp_path, base: dict, head: dict) -> tuple[int, str]:
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    summary = tmp_path / "summary.md"
    argv = ["--base", str(tmp_path / "base.json"), "--head", str(tmp_path / "head.json"), "--summary", str(summary)]
    return cost_diff.main(argv), summary.read_text()


def test_an_increase_within_the_limit_passes_and_is_shown_per_component(tmp_path):
    limit = load_settings("production").cost_review.max_monthly_increase_usd
    code, summary = _run(tmp_path, _estimates(), _estimates(production_aws_compute=limit / 2))
    assert code == 0
    assert f"**production**: +${limit / 2:,.2f} a month (within the limit" in summary
    row = f"| compute | $100.00 | ${100 + limit / 2:,.2f} | +${limit / 2:,.2f} | $100.00 | $100.00 | $0.00 |"
    assert row in summary
    assert "| database |" not in summary.split("**production**")[1]  # unchanged components stay out
    assert "**dev**: $0.00 a month" in summary and "(no component changed)" in summary


def test_an_increase_above_the_limit_fails_naming_environment_and_field(tmp_path, capsys):
    limit = load_settings("production").cost_review.max_monthly_increase_usd
    code, summary = _run(tmp_path, _estimates(), _estimates(production_aws_compute=limit + 1))
    assert code == 1
    assert "**production**" in summary and "over the limit" in summary
    (error,) = capsys.readouterr().err.splitlines()
    assert error.startswith("error: production: ") and "cost_review.max_monthly_increase_usd" in error


def test_a_decrease_never_fails(tmp_path):
    code, summary = _run(tmp_path, _estimates(production_aws_compute=1000), _estimates())
    assert code == 0 and "-$1,000.00" in summary


def test_a_component_only_one_side_has_counts_from_zero():
    base, head = _estimates(), _estimates()
    head["dev"]["gcp"]["security"] = 30.0
    assert cost_diff.increase(base, head, "dev") == pytest.approx(30.0)


def test_unreadable_input_is_a_usage_error(tmp_path, capsys):
    assert cost_diff.main(["--base", str(tmp_path / "missing.json"), "--head", str(tmp_path / "missing.json")]) == 2
    assert "error:" in capsys.readouterr().err


def test_the_limit_must_not_be_negative():
    assert [field for field, _ in CostReviewSettings(max_monthly_increase_usd=-1).problems()] == [
        "max_monthly_increase_usd"
    ]
    assert list(CostReviewSettings().problems()) == []
