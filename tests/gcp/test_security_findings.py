"""GCP security monitoring in step with AWS: SCC findings and Cloud Asset changes on CMEK topics, each routed by
its security event; registry images scanned on push."""

from __future__ import annotations

import dataclasses
import json

import pytest

from gcp_stacks.names import key_id
from shared import load_settings
from shared.security_monitoring import SECURITY_EVENTS, SecurityMonitoringSettings
from tests.gcp.tf import ALL, by_name, one, reference, resources, stack


@pytest.mark.parametrize("environment", ALL)
def test_each_security_event_has_a_cmek_topic_and_a_subscription_that_keeps_a_week(gcp_stacks, environment):
    from gcp_stacks.security_findings import topic_name

    settings = load_settings(environment)
    compliance = stack(gcp_stacks, environment, "compliance")
    topics = by_name(compliance, "google_pubsub_topic")
    subscriptions = by_name(compliance, "google_pubsub_subscription")
    for event in SECURITY_EVENTS:
        name = topic_name(settings, event.key)
        assert topics[name]["kms_key_name"] == key_id(settings, "pubsub")
        assert subscriptions[name]["message_retention_duration"] == "604800s"
        assert subscriptions[name]["expiration_policy"] == {"ttl": ""}
        assert subscriptions[name]["topic"] == reference(compliance, "google_pubsub_topic", "id", name=name)


@pytest.mark.parametrize("environment", ALL)
def test_asset_feeds_publish_resource_and_iam_changes_as_the_cloud_asset_agent_only(gcp_stacks, environment):
    from gcp_stacks.security_findings import ASSET_CONTENT_TYPES, WATCHED_ASSET_TYPES, topic_name

    settings = load_settings(environment)
    compliance = stack(gcp_stacks, environment, "compliance")
    feeds = resources(compliance, "google_cloud_asset_project_feed")
    assert sorted(feed["content_type"] for feed in feeds) == sorted(ASSET_CONTENT_TYPES)
    changes = reference(compliance, "google_pubsub_topic", "id", name=topic_name(settings, "asset_change"))
    for feed in feeds:
        assert feed["asset_types"] == list(WATCHED_ASSET_TYPES)
        assert feed["feed_output_config"]["pubsub_destination"]["topic"] == changes
        assert feed["billing_project"] == settings.gcp.project_id
    (publisher,) = [g for g in resources(compliance, "google_pubsub_topic_iam_member") if g["topic"] == changes]
    assert publisher["role"] == "roles/pubsub.publisher"
    assert publisher["member"].endswith("@gcp-sa-cloudasset.iam.gserviceaccount.com")
    # The agent exists before the grant: the data stack creates it.
    data = stack(gcp_stacks, environment, "data")
    agents = {a["service"] for a in resources(data, "google_project_service_identity")}
    assert "cloudasset.googleapis.com" in agents


@pytest.mark.parametrize("environment", ALL)
def test_scc_notifications_exist_only_where_settings_say_scc_is_active(gcp_stacks, environment):
    settings = load_settings(environment)
    configs = resources(stack(gcp_stacks, environment, "compliance"), "google_scc_project_notification_config")
    assert len(configs) == int(settings.security_monitoring.scc_notifications)


def test_with_scc_active_findings_from_the_paging_severity_up_reach_the_findings_topic():
    """Rendered from settings with SCC switched on (no environment has it on by default)."""
    from cdktn import Testing

    from gcp_stacks.base import GcpStack
    from gcp_stacks.security_findings import SecurityFindings, topic_name

    settings = dataclasses.replace(
        load_settings("production"), security_monitoring=SecurityMonitoringSettings(scc_notifications=True)
    )
    app = Testing.app()
    root = GcpStack(app, "probe", settings=settings, component="compliance")
    SecurityFindings(root, "SecurityFindings", settings=settings)
    terraform = json.loads(Testing.synth(root))
    config = one(terraform, "google_scc_project_notification_config", config_id=settings.name("security-findings"))
    findings = reference(terraform, "google_pubsub_topic", "id", name=topic_name(settings, "security_finding"))
    assert config["pubsub_topic"] == findings
    assert config["streaming_config"]["filter"] == (
        'state = "ACTIVE" AND mute != "MUTED" AND (severity = "HIGH" OR severity = "CRITICAL")'
    )
    (publisher,) = [g for g in resources(terraform, "google_pubsub_topic_iam_member") if g["topic"] == findings]
    assert publisher["member"].startswith("serviceAccount:${google_scc_project_notification_config.")


def test_the_scc_filter_follows_the_minimum_severity_and_refuses_an_unknown_one():
    from gcp_stacks.security_findings import scc_filter

    assert scc_filter(SecurityMonitoringSettings(scc_minimum_severity="CRITICAL")).endswith('(severity = "CRITICAL")')
    assert [f for f, _ in SecurityMonitoringSettings(scc_minimum_severity="SEVERE").problems()] == [
        "scc_minimum_severity"
    ]


@pytest.mark.parametrize("environment", ALL)
def test_each_security_event_notifies_its_route_when_its_topic_receives_a_message(gcp_stacks, environment):
    from gcp_stacks.security_findings import topic_name

    settings = load_settings(environment)
    observability = stack(gcp_stacks, environment, "observability")
    policies = {p["user_labels"]["alert"]: p for p in resources(observability, "google_monitoring_alert_policy")}
    channels = {c["type"]: c for c in resources(observability, "google_monitoring_notification_channel")}
    assert channels  # the routes exist
    for event in SECURITY_EVENTS:
        policy = policies[event.key]
        assert policy["user_labels"]["severity"] == event.severity
        (condition,) = policy["conditions"]
        assert (
            f'resource.labels.topic_id = "{topic_name(settings, event.key)}"'
            in (condition["condition_threshold"]["filter"])
        )
        assert condition["condition_threshold"]["threshold_value"] == 0
    assert policies["security_finding"]["severity"] == "CRITICAL"
    assert len(policies["security_finding"]["notification_channels"]) == 1  # PagerDuty


@pytest.mark.parametrize("environment", ALL)
def test_registry_images_are_scanned_on_push(gcp_stacks, environment):
    from gcp_stacks.project import PROJECT_APIS

    (repository,) = resources(stack(gcp_stacks, environment, "data"), "google_artifact_registry_repository")
    assert repository["vulnerability_scanning_config"] == {"enablement_config": "INHERITED"}
    assert {"containerscanning.googleapis.com", "securitycenter.googleapis.com", "cloudasset.googleapis.com"} <= set(
        PROJECT_APIS
    )
