"""Observability: every alert of `shared.alerts` as a filter-based policy at the settings' values, on its channel;
no channel token in the output; uptime checks, info events, telemetry grants and the dashboard."""

from __future__ import annotations

import json
import re

import pytest

from shared import load_settings, replace_field
from shared.alerts import INFO_EVENTS, Scope, Severity, alerts
from shared.contract import API, WEB
from shared.names import secret_manager_id
from shared.security_monitoring import SECURITY_EVENTS
from shared.stacks import GCP_COMPONENTS as COMPONENTS
from tests.gcp.tf import ALL, one, reference, resources, stack
from tests.synth import ROOT

FILTER_CONDITIONS = {"condition_threshold", "condition_absent", "condition_matched_log"}
QUERY_LANGUAGE_KEYS = {
    "condition_monitoring_query_language",
    "condition_prometheus_query_language",
    "condition_sql",
    "timeSeriesQueryLanguage",
    "prometheusQuery",
}
CHANNEL_NAMES = {Severity.CRITICAL: "critical: PagerDuty", Severity.WARNING: "warning: e-mail"}
CHANNEL_TYPES = {Severity.CRITICAL: "pagerduty", Severity.WARNING: "email", Severity.INFO: "slack"}


def metric_type(filter_: str) -> str:
    (found,) = re.findall(r'metric\.type="([^"]+)"', filter_)
    return found


def inventory(policy: dict) -> list[tuple]:
    """(metric, aligner, reducer, comparison, threshold, alignment s, duration s) per condition."""
    rows = []
    for condition in policy["conditions"]:
        threshold = condition["condition_threshold"]
        (aggregation,) = threshold["aggregations"]
        rows.append(
            (
                metric_type(threshold["filter"]),
                aggregation["per_series_aligner"],
                aggregation["cross_series_reducer"],
                threshold["comparison"],
                threshold["threshold_value"],
                int(aggregation["alignment_period"].removesuffix("s")),
                int(threshold["duration"].removesuffix("s")),
            )
        )
    return rows


def expected_inventory(settings) -> dict[str, list[tuple]]:
    """What each alert must read, written from the settings' point of view (percent -> ratio, s -> ms)."""
    t = settings.thresholds
    critical, warning, minute = t.critical_window_minutes * 60, t.warning_window_minutes * 60, 60
    percentile = f"ALIGN_PERCENTILE_{t.response_time_percentile:.0f}"
    app_errors = f"logging.googleapis.com/user/{settings.name('app-errors')}"
    refused = f"logging.googleapis.com/user/{settings.name('database-connection-failures')}"
    return {
        "service_down": [
            (
                "monitoring.googleapis.com/uptime_check/check_passed",
                "ALIGN_NEXT_OLDER",
                "REDUCE_COUNT_TRUE",
                "COMPARISON_LT",
                1,
                120,
                t.service_down_minutes * 60,
            )
        ],
        "error_rate": [
            (
                "run.googleapis.com/request_count",
                "ALIGN_DELTA",
                "REDUCE_SUM",
                "COMPARISON_GT",
                t.error_rate_percent / 100,
                critical,
                0,
            )
        ],
        "database_connections": [
            ("cloudsql.googleapis.com/database/up", "ALIGN_MIN", "REDUCE_MIN", "COMPARISON_LT", 1, minute, critical),
            (refused, "ALIGN_DELTA", "REDUCE_SUM", "COMPARISON_GT", t.database_connection_failures, critical, 0),
        ],
        "certificate_expiry": [
            (
                "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires",
                "ALIGN_NEXT_OLDER",
                "REDUCE_MIN",
                "COMPARISON_LT",
                t.certificate_expiry_days,
                120,
                minute,
            )
        ],
        "cpu": [
            (
                "run.googleapis.com/container/cpu/utilizations",
                "ALIGN_MEAN",  # the service's average, as on AWS (Measure.SERVICE_AVERAGE)
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.cpu_percent / 100,
                minute,
                warning,
            )
        ],
        "memory": [
            (
                "run.googleapis.com/container/memory/utilizations",
                "ALIGN_MEAN",  # the service's average, as on AWS (Measure.SERVICE_AVERAGE)
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.memory_percent / 100,
                minute,
                warning,
            )
        ],
        "response_time": [
            (
                "run.googleapis.com/request_latencies",
                percentile,
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.response_time_seconds * 1000,
                minute,
                warning,
            )
        ],
        "database_free_storage": [
            (
                "cloudsql.googleapis.com/database/disk/utilization",
                "ALIGN_MEAN",
                "REDUCE_MAX",
                "COMPARISON_GT",
                (100 - t.free_disk_percent) / 100,
                minute,
                warning,
            )
        ],
        "database_cpu": [
            (
                "cloudsql.googleapis.com/database/cpu/utilization",
                "ALIGN_MEAN",
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.cpu_percent / 100,
                minute,
                warning,
            )
        ],
        "database_memory": [
            (
                "cloudsql.googleapis.com/database/memory/utilization",
                "ALIGN_MEAN",
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.memory_percent / 100,
                minute,
                warning,
            )
        ],
        "cache_cpu": [
            (
                "memorystore.googleapis.com/instance/cpu/maximum_utilization",
                "ALIGN_MEAN",
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.cpu_percent / 100,
                minute,
                warning,
            )
        ],
        "cache_memory": [
            (
                "memorystore.googleapis.com/instance/memory/maximum_utilization",
                "ALIGN_MEAN",
                "REDUCE_MAX",
                "COMPARISON_GT",
                t.cache_memory_percent / 100,
                minute,
                warning,
            )
        ],
        "cache_evictions": [
            (
                "memorystore.googleapis.com/instance/stats/total_evicted_keys_count",
                "ALIGN_DELTA",
                "REDUCE_SUM",
                "COMPARISON_GT",
                t.cache_evictions,
                warning,
                0,
            )
        ],
        "application_errors": [
            (app_errors, "ALIGN_DELTA", "REDUCE_SUM", "COMPARISON_GT", t.application_errors, warning, 0)
        ],
    }


def burn_alert_names(settings) -> set[str]:
    from shared.slos import BURN_RATE_ALERTS, burn_alert_key, slos

    return {f"{settings.prefix} {burn_alert_key(slo, alert)}" for slo in slos(settings) for alert in BURN_RATE_ALERTS}


def policies(terraform: dict) -> dict[str, dict]:
    return {p["display_name"]: p for p in resources(terraform, "google_monitoring_alert_policy")}


def channel(terraform: dict, severity: Severity) -> list[str]:
    observed = resources(terraform, "google_monitoring_notification_channel")
    kind = CHANNEL_TYPES[severity]
    return [
        reference(terraform, "google_monitoring_notification_channel", "name", **c)
        for c in observed
        if c["type"] == kind
    ]


MISSING = {
    "breaching": "EVALUATION_MISSING_DATA_ACTIVE",
    "not_breaching": "EVALUATION_MISSING_DATA_INACTIVE",
    "keep_state": "EVALUATION_MISSING_DATA_NO_OP",
}


def catalog(settings) -> list[tuple[str, object, str | None]]:
    """(policy display name, alert, workload) for every threshold policy the settings promise."""
    from gcp_stacks.observability import WORKLOADS

    rows = []
    for alert in alerts(settings):
        workloads = list(WORKLOADS) if alert.scope is Scope.SERVICE else [None]
        for workload in workloads:
            suffix = f" {workload}" if workload else ""
            rows.append((f"{settings.prefix} {alert.key}{suffix}", alert, workload))
    return rows


@pytest.mark.parametrize("environment", ALL)
def test_every_alert_is_a_policy_at_the_settings_values(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = stack(gcp_stacks, environment, "observability")
    found = policies(terraform)
    expected = expected_inventory(settings)
    promised = catalog(settings)
    threshold_names = {name for name, _, _ in promised}
    assert threshold_names <= set(found)
    # Beside the catalog's and the info events' policies, only the SLOs' burn-rate policies (tests/gcp/test_slos.py),
    # the standby's replica-lag warning (tests/gcp/test_recovery.py) and the security events' policies.
    burn = {name for name, policy in found.items() if "slo" in policy["user_labels"]}
    others = len(burn_alert_names(settings)) + settings.recovery.has_standby + len(SECURITY_EVENTS)
    assert len(found) == len(promised) + len(INFO_EVENTS) + others
    assert burn == burn_alert_names(settings)
    for name, alert, workload in promised:
        policy = found[name]
        rows = inventory(policy)
        assert [row[:4] + row[5:] for row in rows] == [row[:4] + row[5:] for row in expected[alert.key]], name
        assert [row[4] for row in rows] == pytest.approx([row[4] for row in expected[alert.key]]), name
        assert policy["notification_channels"] == channel(terraform, alert.severity), name
        assert policy["severity"] == alert.severity.value.upper()
        assert policy["combiner"] == "OR"
        assert alert.first_check in policy["documentation"]["content"]
        assert alert.missing_reason in policy["documentation"]["content"]
        assert policy["documentation"]["mime_type"] == "text/markdown"
        for condition in policy["conditions"]:
            threshold = condition["condition_threshold"]
            # The catalog's meaning of a gap (shared.alerts.Missing), on every condition of the policy.
            assert threshold["evaluation_missing_data"] == MISSING[alert.missing], name
            if workload:  # service alerts watch that service, through its own uptime check where they use one
                uptime = reference(
                    terraform,
                    "google_monitoring_uptime_check_config",
                    "uptime_check_id",
                    display_name=settings.name(f"{workload}-uptime"),
                )
                assert settings.name(workload) in threshold["filter"] or uptime in threshold["filter"], name
            elif alert.scope is Scope.DATABASE:
                assert f'"{settings.gcp.project_id}:{settings.name("postgres")}"' in threshold["filter"] or (
                    "logging.googleapis.com/user/" in threshold["filter"]
                )
            elif alert.scope is Scope.CACHE:
                assert f'resource.label.instance_id="{settings.name("redis")}"' in threshold["filter"]
            elif alert.scope is Scope.CERTIFICATE:
                assert f'resource.label.host="{settings.domain.app_domain}"' in threshold["filter"]


@pytest.mark.parametrize("environment", ALL)
def test_error_rate_is_a_ratio_of_5xx_to_all_requests(gcp_stacks, environment):
    from gcp_stacks.observability import WORKLOADS

    settings = load_settings(environment)
    found = policies(stack(gcp_stacks, environment, "observability"))
    for workload in WORKLOADS:
        (condition,) = found[f"{settings.prefix} error_rate {workload}"]["conditions"]
        threshold = condition["condition_threshold"]
        service = f'resource.label.service_name="{settings.name(workload)}"'
        assert 'metric.label.response_code_class="5xx"' in threshold["filter"] and service in threshold["filter"]
        assert (
            "response_code_class" not in threshold["denominator_filter"] and service in threshold["denominator_filter"]
        )
        assert threshold["denominator_aggregations"] == threshold["aggregations"]


def test_renderings_follow_settings_changes():
    from gcp_stacks.alert_conditions import Target, conditions

    settings = load_settings("staging")
    changed = replace_field(
        replace_field(settings, "thresholds.error_rate_percent", 2.5), "thresholds.response_time_percentile", 99.0
    )
    rendered = {alert.key: alert for alert in alerts(changed)}
    (error,) = conditions(changed, rendered["error_rate"], Target("api"))
    (latency,) = conditions(changed, rendered["response_time"], Target("api"))
    assert error.threshold == 0.025
    assert latency.aligner == "ALIGN_PERCENTILE_99"


# --- no query languages ---------------------------------------------------------------------------------


def query_language_uses(terraform: dict) -> list[str]:
    found = []
    for name, policy in terraform.get("resource", {}).get("google_monitoring_alert_policy", {}).items():
        for condition in policy.get("conditions", []):
            kinds = set(condition) - {"display_name"}
            if len(kinds) != 1 or not kinds <= FILTER_CONDITIONS:
                found.append(f"{name}: {sorted(kinds)}")
    text = json.dumps(terraform)
    found += [key for key in sorted(QUERY_LANGUAGE_KEYS) if key in text]
    return found


def test_no_mql_or_promql_in_any_stack(gcp_stacks):
    assert set(gcp_stacks) >= {f"{load_settings(e).prefix}-gcp-{c}" for e in ALL for c in COMPONENTS}
    for name, terraform in gcp_stacks.items():
        assert query_language_uses(terraform) == [], name


def test_query_language_check_catches_mql_and_promql():
    mql = {"conditions": [{"display_name": "x", "condition_monitoring_query_language": {"query": "fetch x"}}]}
    promql = {"conditions": [{"display_name": "y", "condition_prometheus_query_language": {"query": "up"}}]}
    dashboard = {"dashboard_json": json.dumps({"widgets": [{"timeSeriesQueryLanguage": "fetch x"}]})}
    bad = {
        "resource": {
            "google_monitoring_alert_policy": {"Mql": mql, "PromQl": promql},
            "google_monitoring_dashboard": {"D": dashboard},
        }
    }
    found = query_language_uses(bad)
    assert any(f.startswith("Mql") for f in found) and any(f.startswith("PromQl") for f in found)
    assert "timeSeriesQueryLanguage" in found


# --- channels and secrets ------------------------------------------------------------------------------


def literal_sensitive_labels(terraform: dict) -> list[str]:
    """Sensitive labels set to anything but a write-only argument fed by an ephemeral Secret Manager read."""
    found = []
    for name, channel_ in terraform.get("resource", {}).get("google_monitoring_notification_channel", {}).items():
        for key, value in channel_.get("sensitive_labels", {}).items():
            if key.endswith("_wo_version"):
                ok = value.startswith("${data.google_secret_manager_secret_version.")
            else:
                ok = key.endswith("_wo") and value.startswith("${ephemeral.google_secret_manager_secret_version.")
            if not ok:
                found.append(f"{name}.{key}")
    return found


def test_no_channel_token_in_any_stack(gcp_stacks):
    for name, terraform in gcp_stacks.items():
        assert literal_sensitive_labels(terraform) == [], name
        # The version lookup reads metadata only: with secret data, the data source would store the token in state.
        for lookup in terraform.get("data", {}).get("google_secret_manager_secret_version", {}).values():
            assert lookup["fetch_secret_data"] is False, name


def test_token_check_catches_a_token_in_the_output():
    bad = {
        "resource": {
            "google_monitoring_notification_channel": {
                "Pd": {"sensitive_labels": {"service_key": "0123456789abcdef"}},
                "Slack": {"sensitive_labels": {"auth_token_wo": "xoxb-123"}},
            }
        }
    }
    assert literal_sensitive_labels(bad) == ["Pd.service_key", "Slack.auth_token_wo"]


@pytest.mark.parametrize("environment", ALL)
def test_channels_follow_the_routes(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = stack(gcp_stacks, environment, "observability")
    observed = resources(terraform, "google_monitoring_notification_channel")
    assert sorted(c["labels"]["email_address"] for c in observed if c["type"] == "email") == sorted(
        settings.routes.warning_emails
    )
    (slack,) = [c for c in observed if c["type"] == "slack"]
    assert slack["labels"] == {"channel_name": settings.routes.slack_channel}
    secrets = {e["secret"] for e in terraform["ephemeral"]["google_secret_manager_secret_version"].values()}
    assert secrets == {
        secret_manager_id(settings.routes.pagerduty_secret_name),
        secret_manager_id(settings.routes.slack_webhook_secret_name),
    }


@pytest.mark.parametrize(
    ("name", "secret_id"),
    [
        (
            "bookedbarber/production/alerts/pagerduty-integration-key",
            "bookedbarber-production-alerts-pagerduty-integration-key",
        ),
        ("team+alerts@ops/slack.token=x", "team-alerts-ops-slack-token-x"),
        ("already_valid-id", "already_valid-id"),
    ],
)
def test_secret_manager_ids_are_derived_from_the_secret_names(name, secret_id):
    assert secret_manager_id(name) == secret_id
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", secret_manager_id(name))


# --- uptime checks, info events, telemetry ------------------------------------------------------------


@pytest.mark.parametrize("environment", ALL)
def test_uptime_checks_probe_the_public_paths_over_validated_https(gcp_stacks, environment):
    settings = load_settings(environment)
    checks = resources(stack(gcp_stacks, environment, "observability"), "google_monitoring_uptime_check_config")
    assert sorted(c["http_check"]["path"] for c in checks) == sorted([API.health_path, WEB.health_path])
    for check in checks:
        assert check["monitored_resource"] == {
            "type": "uptime_url",
            "labels": {"host": settings.domain.app_domain, "project_id": settings.gcp.project_id},
        }
        http = check["http_check"]
        assert (http["use_ssl"], http["validate_ssl"], http["port"]) == (True, True, 443)


@pytest.mark.parametrize("environment", ALL)
def test_info_events_match_logs_and_go_to_slack_rate_limited(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = stack(gcp_stacks, environment, "observability")
    found = policies(terraform)
    interval = f"{settings.routes.info_notification_interval_minutes * 60}s"
    for event in INFO_EVENTS:
        policy = found[f"{settings.prefix} {event.key}"]
        (condition,) = policy["conditions"]
        assert condition["condition_matched_log"]["filter"]
        assert policy["notification_channels"] == channel(terraform, Severity.INFO)
        assert policy["alert_strategy"]["notification_rate_limit"] == {"period": interval}
        assert policy["user_labels"]["severity"] == "info"


@pytest.mark.parametrize("environment", ALL)
def test_runtimes_may_write_traces_and_errors_and_the_apis_are_on(gcp_stacks, environment):
    from gcp_stacks.observability import WORKLOADS

    settings = load_settings(environment)
    data = stack(gcp_stacks, environment, "data")
    for workload in WORKLOADS:
        member = reference(data, "google_service_account", "member", account_id=settings.name(workload))
        roles = {g["role"] for g in resources(data, "google_project_iam_member") if g["member"] == member}
        assert {"roles/cloudtrace.agent", "roles/errorreporting.writer"} <= roles, workload
    apis = {s["service"] for s in resources(stack(gcp_stacks, environment, "network"), "google_project_service")}
    assert {"clouderrorreporting.googleapis.com", "cloudtrace.googleapis.com", "monitoring.googleapis.com"} <= apis
    metric = one(
        stack(gcp_stacks, environment, "observability"), "google_logging_metric", name=settings.name("app-errors")
    )
    assert "severity>=ERROR" in metric["filter"] and 'resource.type="cloud_run_revision"' in metric["filter"]
    assert 'NOT logName="projects/' in metric["filter"] and "%2Frequests" in metric["filter"]


@pytest.mark.parametrize("environment", ALL)
def test_every_stack_needs_a_terraform_that_keeps_write_only_values_out_of_state(gcp_stacks, environment):
    from shared.stacks import GCP_COMPONENTS

    for component in GCP_COMPONENTS:
        assert stack(gcp_stacks, environment, component)["terraform"]["required_version"] == ">= 1.11", component


@pytest.mark.parametrize("environment", ALL)
def test_dashboard_is_deterministic_and_covers_the_stack(gcp_stacks, environment):
    from gcp_stacks.dashboard import dashboard_json

    settings = load_settings(environment)
    (dashboard,) = resources(stack(gcp_stacks, environment, "observability"), "google_monitoring_dashboard")
    assert dashboard["dashboard_json"] == dashboard_json(settings) == dashboard_json(load_settings(environment))
    layout = json.loads(dashboard["dashboard_json"])
    assert layout["displayName"] == settings.name("overview")
    text = dashboard["dashboard_json"]
    for metric in (
        "run.googleapis.com/request_count",
        "run.googleapis.com/request_latencies",
        "run.googleapis.com/container/instance_count",
        "cloudsql.googleapis.com/database/up",
        "memorystore.googleapis.com/instance/memory/maximum_utilization",
    ):
        assert metric in text
    assert "${" not in text  # Terraform would try to interpolate it


def test_readme_lists_every_policy_with_its_threshold_and_window():
    """The README's table is what operators read: a changed threshold must change it too."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### GCP alert policies", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    settings = load_settings("production")
    for alert in alerts(settings):
        (row,) = [line for line in rows if line.startswith(f"| `{alert.key}`")]
        assert f"{alert.threshold:g}" in row and f"{alert.duration_minutes} min" in row, alert.key
        assert CHANNEL_NAMES[alert.severity] in row, alert.key
    (info,) = [line for line in rows if "info: Slack" in line]
    assert all(f"`{event.key}`" in info for event in INFO_EVENTS)
    assert f"{settings.routes.info_notification_interval_minutes} min" in info
