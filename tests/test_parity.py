"""Parity proven from the outputs: each cloud's synthesized values equal the settings, concept by concept.

No test here synthesizes anything of its own, and none needs both clouds at once: each test takes one
session fixture (`aws` or `gcp_stacks`), so conftest keeps it on that cloud's xdist worker and nothing is
synthesized twice. Cross-cloud equality follows: every `across` concept is proven equal to the ONE settings
value on each cloud (AWS == settings and GCP == settings, so AWS == GCP), and each cloud's address ranges are
proven equal to settings and apart from the other cloud's settings ranges. `make parity` compares the two
outputs directly as well, from cdk.out/ and cdktf.out/.
"""

from __future__ import annotations

import copy

import pytest

from reports.outputs import of_environment
from reports.parity import (
    AWS_ONLY,
    GCP_ONLY,
    concepts,
    extract_aws,
    extract_gcp,
    overlaps,
    rows,
    table,
    unlisted,
)
from shared import ENVIRONMENTS, load_settings
from shared.alerts import alerts

ALL = list(ENVIRONMENTS)


def _problems(found) -> list[str]:
    return [f"{row.concept.name}: {problem}" for row in found for problem in row.problems]


def _aws(aws, settings) -> dict:
    return extract_aws(of_environment(aws.templates, settings), settings)


def _gcp(gcp_stacks, settings) -> dict:
    return extract_gcp(of_environment(gcp_stacks, settings), settings)


def _compared(settings, cloud: str) -> set[str]:
    return {c.name for c in concepts(settings) if getattr(c, cloud) is not None}


# --- AWS (on the AWS worker) ---------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ALL)
def test_aws_outputs_equal_the_settings(aws, environment):
    settings = load_settings(environment)
    found = _aws(aws, settings)
    assert _problems(rows(settings, found, None)) == []
    assert set(found) == _compared(settings, "aws"), "a compared value is missing from the templates"
    assert unlisted(found, settings, "aws") == []


@pytest.mark.parametrize("environment", ALL)
def test_aws_ranges_stay_clear_of_gcp(aws, environment):
    settings = load_settings(environment)
    gcp_ranges = next(c for c in concepts(settings) if c.name == "GCP address ranges").gcp(settings)
    assert overlaps(_aws(aws, settings)["AWS address ranges"], gcp_ranges) == []


def test_a_tampered_aws_alarm_fails_the_check(aws):
    settings = load_settings("production")
    templates = copy.deepcopy(of_environment(aws.templates, settings))
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Properties"].get("AlarmName") == settings.name("api-cpu"):
                resource["Properties"]["Threshold"] = 95
    found = rows(settings, extract_aws(templates, settings), None)
    assert [row.concept.name for row in found if not row.agrees] == ["alert cpu: threshold"]
    assert (
        "alert cpu: threshold: AWS shows (80, 95), settings (thresholds.cpu_percent) say "
        f"{settings.thresholds.cpu_percent}" in _problems(found)
    )


def test_a_tampered_missing_data_treatment_fails_the_check(aws):
    """The catalog's meaning of a gap is read back too: a service_down alarm that ignores gaps would stay quiet
    while nothing reports at all."""
    settings = load_settings("staging")
    templates = copy.deepcopy(of_environment(aws.templates, settings))
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Properties"].get("AlarmName") == settings.name("web-service_down"):
                resource["Properties"]["TreatMissingData"] = "ignore"
    found = rows(settings, extract_aws(templates, settings), None)
    assert [row.concept.name for row in found if not row.agrees] == ["alert service_down: missing data"]


def test_a_tampered_burn_rate_alarm_fails_the_check(aws):
    """The SLOs' burn-rate alarms are read back too: a fast-burn page at a lower rate would page on noise."""
    settings = load_settings("production")
    templates = copy.deepcopy(of_environment(aws.templates, settings))
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Properties"].get("AlarmName") == settings.name("api-availability-fast-burn"):
                resource["Properties"]["Threshold"] = 10
    found = rows(settings, extract_aws(templates, settings), None)
    assert [row.concept.name for row in found if not row.agrees] == [
        "slo api-availability fast_burn: (long min, short min, rate)"
    ]


# --- GCP (on the GCP worker) ---------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ALL)
def test_gcp_outputs_equal_the_settings(gcp_stacks, environment):
    settings = load_settings(environment)
    found = _gcp(gcp_stacks, settings)
    assert _problems(rows(settings, None, found)) == []
    assert set(found) == _compared(settings, "gcp"), "a compared value is missing from the Terraform JSON"
    assert unlisted(found, settings, "gcp") == []


@pytest.mark.parametrize("environment", ALL)
def test_gcp_ranges_stay_clear_of_aws(gcp_stacks, environment):
    settings = load_settings(environment)
    aws_ranges = next(c for c in concepts(settings) if c.name == "AWS address ranges").aws(settings)
    assert overlaps(aws_ranges, _gcp(gcp_stacks, settings)["GCP address ranges"]) == []


def test_a_tampered_gcp_policy_and_rate_limit_fail_the_check(gcp_stacks):
    settings = load_settings("staging")
    stacks = copy.deepcopy(of_environment(gcp_stacks, settings))
    for terraform in stacks.values():
        for policy in terraform.get("resource", {}).get("google_monitoring_alert_policy", {}).values():
            if policy["user_labels"].get("alert") == "response_time":
                policy["conditions"][0]["condition_threshold"]["duration"] = "1200s"
        for armor in terraform.get("resource", {}).get("google_compute_security_policy", {}).values():
            for rule in armor["rule"]:
                if "rate_limit_options" in rule:
                    rule["rate_limit_options"]["rate_limit_threshold"]["interval_sec"] = 60
    found = rows(settings, None, extract_gcp(stacks, settings))
    assert [row.concept.name for row in found if not row.agrees] == [
        "alert response_time: minutes",
        "rate limit (requests, seconds)",
    ]
    requests, window = settings.edge.rate_limit_requests, settings.edge.rate_limit_window_seconds
    assert (
        f"rate limit (requests, seconds): GCP shows ({requests}, 60), settings "
        f"(edge.rate_limit_requests, edge.rate_limit_window_seconds) say ({requests}, {window})"
    ) in _problems(found)


def test_a_tampered_slo_goal_and_burn_window_fail_the_check(gcp_stacks):
    settings = load_settings("staging")
    stacks = copy.deepcopy(of_environment(gcp_stacks, settings))
    for terraform in stacks.values():
        for slo in terraform.get("resource", {}).get("google_monitoring_slo", {}).values():
            if slo["user_labels"]["slo"] == "web-latency":
                slo["goal"] = 0.95
        for policy in terraform.get("resource", {}).get("google_monitoring_alert_policy", {}).values():
            if policy["user_labels"].get("alert") == "api-availability-slow-burn":
                condition = policy["conditions"][1]["condition_threshold"]
                condition["filter"] = condition["filter"].replace('"1800s"', '"3600s"')
    found = rows(settings, None, extract_gcp(stacks, settings))
    assert [row.concept.name for row in found if not row.agrees] == [
        "slo api-availability slow_burn: (long min, short min, rate)",
        "slo web-latency: objective (%)",
    ]


# --- the check itself (no synthesis) -------------------------------------------------------------------


@pytest.mark.parametrize("environment", ALL)
def test_one_cloud_concepts_are_exactly_the_named_ones(environment):
    settings = load_settings(environment)
    aws_only = {c.name for c in concepts(settings) if c.aws and not c.gcp}
    gcp_only = {c.name for c in concepts(settings) if c.gcp and not c.aws}
    assert (aws_only, gcp_only) == (set(AWS_ONLY), set(GCP_ONLY))
    names = {c.name for c in concepts(settings)}
    for alert in alerts(settings):
        assert {f"alert {alert.key}: threshold", f"alert {alert.key}: minutes"} <= names


def test_a_value_neither_compared_nor_listed_is_caught():
    settings = load_settings("dev")
    expected = {c.name: c.aws(settings) for c in concepts(settings) if c.aws}
    assert unlisted(expected, settings, "aws") == []
    assert unlisted({**expected, "shield advanced": True}, settings, "aws") == ["shield advanced"]
    # an AWS-only value read from GCP is just as unexpected
    assert unlisted({"cache snapshot retention (days)": 7}, settings, "gcp") == ["cache snapshot retention (days)"]


def test_clouds_that_disagree_with_each_other_fail_even_when_the_settings_are_not_consulted():
    settings = load_settings("production")
    aws = {c.name: c.aws(settings) for c in concepts(settings) if c.aws}
    gcp = {c.name: c.gcp(settings) for c in concepts(settings) if c.gcp}
    assert _problems(rows(settings, aws, gcp)) == []
    expected = int(settings.database.postgres_major_version)
    gcp["PostgreSQL major"] = 14
    assert _problems(rows(settings, aws, gcp)) == [
        f"PostgreSQL major: GCP shows 14, settings (database.postgres_version) say {expected}",
        f"PostgreSQL major: AWS {expected} differs from GCP 14",
    ]


def test_overlap_check_catches_overlapping_ranges():
    assert overlaps(["10.0.0.0/16"], ["10.100.0.0/20"]) == []
    assert overlaps(["10.0.0.0/16", "10.0.1.0/24"], ["10.0.1.128/25"]) == [
        ("10.0.0.0/16", "10.0.1.128/25"),
        ("10.0.1.0/24", "10.0.1.128/25"),
    ]


def test_the_table_marks_a_disagreeing_row():
    settings = load_settings("dev")
    aws = {c.name: c.aws(settings) for c in concepts(settings) if c.aws}
    found = rows(settings, {**aws, "deletion protection": True}, None)
    text = table(settings, found, [("10.0.0.0/16", "10.0.1.0/24")])
    (line,) = [line for line in text.splitlines() if line.startswith("| deletion protection")]
    assert line.startswith(
        "| deletion protection | False | True | False | NO: AWS shows True, settings (resilience.deletion_protection) "
        "say False"
    )
    assert "NO: 10.0.0.0/16 overlaps 10.0.1.0/24" in text
