"""Compliance: log retention, the audit-log archive, Data Access audit logs and the budget, from settings."""

from __future__ import annotations

import json

import pytest

from shared import load_settings, replace_field
from tests.gcp.tf import ALL, one, reference, resources, stack


@pytest.mark.parametrize("environment", ALL)
def test_default_log_bucket_keeps_logs_for_the_settings_retention(gcp_stacks, environment):
    settings = load_settings(environment)
    bucket = one(stack(gcp_stacks, environment, "compliance"), "google_logging_project_bucket_config")
    assert bucket["bucket_id"] == "_Default"
    assert bucket["location"] == "global"
    assert bucket["project"] == f"projects/{settings.gcp.project_id}"
    assert bucket["retention_days"] == settings.resilience.log_retention_days


@pytest.mark.parametrize("environment", ALL)
def test_audit_logs_go_to_a_retained_encrypted_bucket(gcp_stacks, environment):
    from gcp_stacks.compliance import AUDIT_LOG_IDS
    from gcp_stacks.names import key_id

    settings = load_settings(environment)
    compliance = stack(gcp_stacks, environment, "compliance")
    bucket = one(compliance, "google_storage_bucket", name=settings.name("audit-logs"))
    days = settings.resilience.log_retention_days
    assert bucket["encryption"] == {"default_kms_key_name": key_id(settings, "storage")}
    assert bucket["retention_policy"] == {
        "retention_period": str(days * 86400),
        "is_locked": settings.resilience.lock_log_retention,
    }
    # GCS refuses versioning beside a retention policy; the policy is the stronger guarantee.
    assert not bucket.get("versioning", {}).get("enabled", False)
    assert bucket["lifecycle_rule"] == [{"action": {"type": "Delete"}, "condition": {"age": days}}]
    assert bucket["uniform_bucket_level_access"] is True and bucket["public_access_prevention"] == "enforced"
    assert bucket["force_destroy"] is False
    assert bucket["lifecycle"]["prevent_destroy"] is settings.resilience.retain_stateful_resources
    assert bucket["logging"]["log_bucket"] == settings.name("access-logs")

    sink = one(compliance, "google_logging_project_sink")
    assert sink["destination"] == "storage.googleapis.com/" + reference(
        compliance, "google_storage_bucket", "name", name=settings.name("audit-logs")
    )
    for log_id in ("cloudaudit.googleapis.com/activity", "cloudaudit.googleapis.com/data_access"):
        assert f'log_id("{log_id}")' in sink["filter"]
    assert sink["filter"].count("log_id(") == len(AUDIT_LOG_IDS)
    assert sink["unique_writer_identity"] is True

    # The sink may create objects in this bucket only: one grant, on the bucket, never project-wide.
    (grant,) = resources(compliance, "google_storage_bucket_iam_member")
    assert grant["bucket"] == reference(compliance, "google_storage_bucket", "name", name=settings.name("audit-logs"))
    assert grant["role"] == "roles/storage.objectCreator"
    assert grant["member"] == reference(compliance, "google_logging_project_sink", "writer_identity")
    assert not resources(compliance, "google_project_iam_member")


def test_only_production_locks_its_log_retention_because_its_settings_say_so(gcp_stacks):
    from cdktn import Testing as CdktnTesting

    locks = {
        environment: one(stack(gcp_stacks, environment, "compliance"), "google_storage_bucket")["retention_policy"][
            "is_locked"
        ]
        for environment in ALL
    }
    assert locks == {environment: load_settings(environment).resilience.lock_log_retention for environment in ALL}
    assert locks["production"] is True  # the requirement itself
    # The lock follows the setting, not the environment's name: dev with the switch on is locked too.
    from gcp_stacks.platform import ComplianceStack

    flipped = replace_field(load_settings("dev"), "resilience.lock_log_retention", True)
    terraform = json.loads(CdktnTesting.synth(ComplianceStack(CdktnTesting.app(), "Flipped", settings=flipped)))
    assert one(terraform, "google_storage_bucket")["retention_policy"]["is_locked"] is True


@pytest.mark.parametrize("environment", ALL)
def test_data_access_logs_record_writes_to_every_data_service(gcp_stacks, environment):
    from gcp_stacks.compliance import DATA_ACCESS_LOGS

    settings = load_settings(environment)
    configs = {
        c["service"]: c
        for c in resources(stack(gcp_stacks, environment, "compliance"), "google_project_iam_audit_config")
    }
    assert set(configs) == {"cloudsql.googleapis.com", "secretmanager.googleapis.com", "storage.googleapis.com"}
    for service, config in configs.items():
        assert config["project"] == settings.gcp.project_id
        log_types = [entry["log_type"] for entry in config["audit_log_config"]]
        assert log_types == list(DATA_ACCESS_LOGS[service])
        assert "DATA_WRITE" in log_types
    # Every secret read is recorded: that is who fetched a credential.
    assert "DATA_READ" in DATA_ACCESS_LOGS["secretmanager.googleapis.com"]


@pytest.mark.parametrize("environment", ALL)
def test_budget_alerts_on_actual_and_forecast_spend(gcp_stacks, environment):
    settings = load_settings(environment)
    compliance = stack(gcp_stacks, environment, "compliance")
    budget = one(compliance, "google_billing_budget")
    assert budget["billing_account"] == settings.gcp.billing_account_id
    assert budget["amount"] == {
        "specified_amount": {"currency_code": "USD", "units": str(settings.budget.monthly_limit_usd)}
    }
    (project,) = budget["budget_filter"]["projects"]
    logical_id = project.removeprefix("projects/${data.google_project.").removesuffix(".number}")
    assert compliance["data"]["google_project"][logical_id]["project_id"] == settings.gcp.project_id
    assert budget["budget_filter"]["calendar_period"] == "MONTH"
    rules = {(r["spend_basis"], r["threshold_percent"]) for r in budget["threshold_rules"]}
    assert rules == {
        (basis, percent / 100)
        for basis in ("CURRENT_SPEND", "FORECASTED_SPEND")
        for percent in settings.budget.alert_at_percent
    }
    # The Budgets API needs a quota project: this stack's provider bills its calls to the environment's project.
    (provider,) = compliance["provider"]["google"]
    assert provider["user_project_override"] is True
    assert provider["billing_project"] == settings.gcp.project_id


@pytest.mark.parametrize("environment", ALL)
def test_only_the_compliance_stack_overrides_the_quota_project(gcp_stacks, environment):
    for component in ("network", "data", "app"):
        (provider,) = stack(gcp_stacks, environment, component)["provider"]["google"]
        assert "user_project_override" not in provider


def test_log_retention_is_built_from_two_values_alone():
    """Narrow input: the construct takes the project and the retention, so it builds in a bare stack."""
    from cdktn import TerraformStack
    from cdktn import Testing as CdktnTesting

    from gcp_stacks.compliance import LogRetention

    stack = TerraformStack(CdktnTesting.app(), "Bare")
    LogRetention(stack, "LogRetention", project_id="bare-project", retention_days=30)
    terraform = json.loads(CdktnTesting.synth(stack))
    (bucket,) = terraform["resource"]["google_logging_project_bucket_config"].values()
    assert (bucket["project"], bucket["bucket_id"], bucket["retention_days"]) == (
        "projects/bare-project",
        "_Default",
        30,
    )
