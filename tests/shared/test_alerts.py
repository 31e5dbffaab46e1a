"""The alert catalog both clouds render: complete, unique, and every number from settings."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, SettingsError, load_settings, replace_field, replace_fields
from shared.alerts import Scope, Severity, alerts

# The seed's alerting promise: these fire on both clouds, at these levels. The literal is the requirement.
EXPECTED = {
    "service_down": Severity.CRITICAL,
    "error_rate": Severity.CRITICAL,
    "database_connections": Severity.CRITICAL,
    "certificate_expiry": Severity.CRITICAL,
    "cpu": Severity.WARNING,
    "memory": Severity.WARNING,
    "response_time": Severity.WARNING,
    "database_free_storage": Severity.WARNING,
    "database_cpu": Severity.WARNING,
    "database_memory": Severity.WARNING,
    "cache_cpu": Severity.WARNING,
    "cache_memory": Severity.WARNING,
    "cache_evictions": Severity.WARNING,
    "application_errors": Severity.WARNING,
}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_catalog_is_complete_and_unique(environment):
    catalog = alerts(load_settings(environment))
    assert {alert.key: alert.severity for alert in catalog} == EXPECTED
    assert len({alert.key for alert in catalog}) == len(catalog)
    for alert in catalog:
        assert alert.comparison in ("above", "below")
        assert alert.duration_minutes >= 1
        assert alert.first_check


def test_thresholds_and_durations_follow_settings():
    settings = load_settings("staging")
    changed = replace_field(
        replace_field(settings, "thresholds.error_rate_percent", 2.5), "thresholds.warning_window_minutes", 15
    )
    before = {alert.key: alert for alert in alerts(settings)}
    after = {alert.key: alert for alert in alerts(changed)}
    assert before["error_rate"].threshold == settings.thresholds.error_rate_percent
    assert after["error_rate"].threshold == 2.5
    assert after["cpu"].duration_minutes == 15
    assert after["service_down"].duration_minutes == settings.thresholds.service_down_minutes
    assert {alert.scope for alert in after.values()} == set(Scope)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thresholds.response_time_percentile", 100.0),
        ("thresholds.response_time_percentile", 90.0),  # Cloud Monitoring aligns on p50, p95 and p99 only
        ("thresholds.application_errors", 0),
        ("routes.info_notification_interval_minutes", 10),  # below the 30-minute auto-close minimum
        ("thresholds.warning_window_minutes", 0),
        ("thresholds.critical_window_minutes", 2000),
        ("thresholds.cache_memory_percent", 120.0),
        ("routes.slack_workspace_id", "T01234567"),  # without its channel id
    ],
)
def test_bad_alert_settings_are_refused(field, value):
    with pytest.raises(SettingsError, match=field.split(".")[1]):
        replace_field(load_settings("dev"), field, value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thresholds.response_time_percentile", 99.0),
        ("thresholds.application_errors", 1),
        ("routes.info_notification_interval_minutes", 30),
    ],
)
def test_good_alert_settings_are_accepted(field, value):
    assert replace_field(load_settings("dev"), field, value)


def test_slack_ids_are_accepted_together():
    both = replace_fields(
        load_settings("dev"), {"routes.slack_workspace_id": "T0123456789", "routes.slack_channel_id": "C0123456789"}
    )
    assert (both.routes.slack_workspace_id, both.routes.slack_channel_id) == ("T0123456789", "C0123456789")


def test_every_alert_says_how_it_is_measured():
    """A share or a count is taken over the window; a level must hold for it; only expiry is daily."""
    from shared.alerts import Measure, Window

    for alert in alerts(load_settings("production")):
        if alert.measure in (Measure.SHARE, Measure.COUNT):
            assert alert.window is Window.OVER_WINDOW, alert.key
        elif alert.measure is Measure.DAYS_LEFT:
            assert alert.window is Window.DAILY, alert.key
        else:
            assert alert.window is Window.SUSTAINED, alert.key
        assert alert.missing_reason and not alert.missing_reason.endswith("."), alert.key


def test_the_readme_names_every_measurement_difference():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    differing = [alert for alert in alerts(load_settings("production")) if alert.differs]
    assert differing
    for alert in differing:
        assert f"| alert `{alert.key}` |" in readme, f"README 'Where the clouds differ' lacks alert {alert.key}"
