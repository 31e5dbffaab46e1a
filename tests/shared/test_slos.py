"""The SLO catalog (shared/slos.py): the seed's objectives, burn-rate tiers both clouds accept, and bad objectives
refused before synth, naming environment and field."""

from __future__ import annotations

import re

import pytest

from shared import ENVIRONMENTS, SettingsError, load_settings, replace_field
from shared.contract import SERVICES
from shared.slos import (
    BURN_RATE_ALERTS,
    COMPLIANCE_DAYS,
    FAST_BURN,
    MAX_BURN_RATE_WINDOWS,
    MAX_LOOK_BACK_MINUTES,
    SLOW_BURN,
    Indicator,
    burn_alert_key,
    look_back_windows,
    runbook_keys,
    slos,
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_public_service_has_the_seeds_objectives(environment):
    settings = load_settings(environment)
    found = {(slo.service, slo.indicator): slo for slo in slos(settings)}
    assert set(found) == {(service, indicator) for service in SERVICES for indicator in Indicator}
    for service in SERVICES:
        # The seed's promise is the requirement: 99.9 % over 30 days.
        assert found[service, Indicator.AVAILABILITY].objective_percent == 99.9
        latency = found[service, Indicator.LATENCY]
        assert latency.latency_seconds == settings.thresholds.response_time_seconds
        assert latency.latency_percentile == settings.thresholds.response_time_percentile
    assert COMPLIANCE_DAYS == 30


def test_fast_burn_pages_and_slow_burn_warns_with_the_workbooks_windows():
    assert (FAST_BURN.severity, FAST_BURN.long_window_minutes, FAST_BURN.short_window_minutes, FAST_BURN.rate) == (
        "critical",
        60,
        5,
        14.4,
    )
    assert (SLOW_BURN.severity, SLOW_BURN.long_window_minutes, SLOW_BURN.short_window_minutes, SLOW_BURN.rate) == (
        "warning",
        360,
        30,
        6.0,
    )
    # 2 % and 5 % of a 30-day budget: the workbook's figures.
    assert [alert.budget_spent_percent for alert in BURN_RATE_ALERTS] == [2.0, 5.0]


def test_windows_fit_what_both_clouds_accept():
    windows = look_back_windows()
    assert windows == (5, 30, 60, 360)
    assert len(windows) <= MAX_BURN_RATE_WINDOWS
    assert all(1 <= minutes <= MAX_LOOK_BACK_MINUTES for minutes in windows)
    # Cloud Monitoring's look-back must be shorter than the SLO's period.
    assert max(windows) < COMPLIANCE_DAYS * 24 * 60
    for alert in BURN_RATE_ALERTS:
        assert alert.short_window_minutes < alert.long_window_minutes


def test_alert_keys_are_hyphenated_so_no_alarm_reader_takes_them_for_catalog_keys():
    slo = slos(load_settings("dev"))[0]
    assert burn_alert_key(slo, FAST_BURN) == "api-availability-fast-burn"
    assert runbook_keys() == ("slo_fast_burn", "slo_slow_burn")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slos.availability_percent", 99.95),  # above what Cloud Monitoring accepts (goal <= 0.999)
        ("slos.latency_percent", 90.0),  # a 14.4x burn would need more than 100 % errors
        ("slos.availability_percent", 0.0),
    ],
)
def test_an_objective_outside_what_both_clouds_accept_is_refused(field, value):
    with pytest.raises(SettingsError, match=r"'staging'[\s\S]*" + re.escape(field)):
        replace_field(load_settings("staging"), field, value)


def test_an_objective_inside_the_range_is_accepted():
    changed = replace_field(load_settings("staging"), "slos.latency_percent", 95.0)
    assert {slo.objective_percent for slo in slos(changed) if slo.indicator is Indicator.LATENCY} == {95.0}
