"""SLOs on GCP: one Cloud Monitoring SLO per catalog objective on its own custom service, over Cloud Run's metrics,
and per burn-rate alert one filter-based policy of two `select_slo_burn_rate` conditions joined by AND."""

from __future__ import annotations

import json
import re

import pytest

from gcp_stacks.names import slo_resource_name
from shared import load_settings
from shared.slos import BURN_RATE_ALERTS, COMPLIANCE_DAYS, Indicator, burn_alert_key, slos
from tests.gcp.tf import ALL, reference, resources, stack

LOOK_BACK = re.compile(r'select_slo_burn_rate\("([^"]+)", "(\d+)s"\)')


def _slos(terraform: dict) -> dict[str, dict]:
    return {body["user_labels"]["slo"]: body for body in resources(terraform, "google_monitoring_slo")}


@pytest.mark.parametrize("environment", ALL)
def test_every_objective_is_an_slo_at_the_settings_values(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = stack(gcp_stacks, environment, "observability")
    found = _slos(terraform)
    catalog = slos(settings)
    assert set(found) == {slo.key for slo in catalog}
    services = {body["service_id"] for body in resources(terraform, "google_monitoring_custom_service")}
    assert services == {settings.name(slo.service) for slo in catalog}
    for slo in catalog:
        body = found[slo.key]
        assert body["goal"] == pytest.approx(slo.objective_percent / 100)
        assert body["rolling_period_days"] == COMPLIANCE_DAYS
        assert body["slo_id"] == slo.indicator.value
        assert body["service"] == reference(
            terraform, "google_monitoring_custom_service", "service_id", service_id=settings.name(slo.service)
        )
        service = f'resource.label.service_name="{settings.name(slo.service)}"'
        if slo.indicator is Indicator.AVAILABILITY:
            ratio = body["request_based_sli"]["good_total_ratio"]
            assert 'metric.label.response_code_class="5xx"' in ratio["bad_service_filter"]
            assert "response_code_class" not in ratio["total_service_filter"]
            assert service in ratio["bad_service_filter"] and service in ratio["total_service_filter"]
        else:
            windows = body["windows_based_sli"]
            assert windows["window_period"] == "60s"
            threshold = windows["good_total_ratio_threshold"]
            assert threshold["threshold"] == pytest.approx(settings.thresholds.response_time_percentile / 100)
            cut = threshold["performance"]["distribution_cut"]
            assert cut["range"] == {"min": 0, "max": settings.thresholds.response_time_seconds * 1000}
            assert 'metric.type="run.googleapis.com/request_latencies"' in cut["distribution_filter"]
            assert service in cut["distribution_filter"]


@pytest.mark.parametrize("environment", ALL)
def test_burn_rate_policies_are_filter_based_and_join_both_windows(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = stack(gcp_stacks, environment, "observability")
    found = {p["display_name"]: p for p in resources(terraform, "google_monitoring_alert_policy")}
    channels = {
        body["type"]: reference(terraform, "google_monitoring_notification_channel", "name", **body)
        for body in resources(terraform, "google_monitoring_notification_channel")
        if body["type"] == "pagerduty"
    }
    for slo in slos(settings):
        for alert in BURN_RATE_ALERTS:
            policy = found[f"{settings.prefix} {burn_alert_key(slo, alert)}"]
            assert policy["combiner"] == "AND"
            assert policy["severity"] == alert.severity.upper()
            assert policy["user_labels"] == {
                "severity": alert.severity,
                "alert": burn_alert_key(slo, alert),
                "slo": slo.key,
            }
            assert f"#slo_{alert.key}" in policy["documentation"]["content"]
            looks = []
            for condition in policy["conditions"]:
                assert set(condition) == {"display_name", "condition_threshold"}  # no MQL, no PromQL
                threshold = condition["condition_threshold"]
                name, seconds = LOOK_BACK.fullmatch(threshold["filter"]).groups()
                assert name == slo_resource_name(settings, slo)
                assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_GT", alert.rate)
                assert threshold["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_INACTIVE"
                assert "aggregations" not in threshold
                looks.append(int(seconds) // 60)
            assert looks == [alert.long_window_minutes, alert.short_window_minutes]
            if alert.severity == "critical":
                assert policy["notification_channels"] == [channels["pagerduty"]]
            assert policy["depends_on"] == [f"google_monitoring_slo.{_logical_id(terraform, slo.key)}"]


def _logical_id(terraform: dict, key: str) -> str:
    (found,) = [i for i, b in terraform["resource"]["google_monitoring_slo"].items() if b["user_labels"]["slo"] == key]
    return found


@pytest.mark.parametrize("environment", ALL)
def test_the_dashboard_shows_every_slos_remaining_budget(gcp_stacks, environment):
    settings = load_settings(environment)
    (dashboard,) = resources(stack(gcp_stacks, environment, "observability"), "google_monitoring_dashboard")
    widgets = json.loads(dashboard["dashboard_json"])["gridLayout"]["widgets"]
    (budget,) = [w for w in widgets if w["title"].startswith("Error budget remaining")]
    filters = [d["timeSeriesQuery"]["timeSeriesFilter"]["filter"] for d in budget["xyChart"]["dataSets"]]
    assert filters == [f'select_slo_budget_fraction("{slo_resource_name(settings, slo)}")' for slo in slos(settings)]


def test_slo_names_are_the_ones_the_burn_filters_select():
    settings = load_settings("dev")
    (slo,) = [s for s in slos(settings) if s.key == "web-latency"]
    assert slo_resource_name(settings, slo) == (
        f"projects/{settings.gcp.project_id}/services/{settings.name('web')}/serviceLevelObjectives/latency"
    )
