"""The settings API: what each environment holds, overrides, and the validation table."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from shared import (
    ENVIRONMENTS,
    OVERRIDES,
    Settings,
    SettingsError,
    environment_variable,
    load_all,
    load_settings,
    replace_field,
    replace_fields,
)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_environment_loads(environment):
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.environment == environment
    assert settings.prefix == f"bookedbarber-{environment}"
    assert settings.path("database", "master") == f"bookedbarber/{environment}/database/master"
    assert settings.aws_tags["Environment"] == environment
    assert settings.gcp_labels["environment"] == environment


def test_settings_are_immutable():
    settings = load_settings("production")
    with pytest.raises(AttributeError):
        settings.database.multi_az = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.feature_flags["maintenance_mode"] = True  # type: ignore[index]


def test_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)


def test_production_requirements_from_the_platform_brief():
    production = load_settings("production")
    assert production.network.aws_vpc_cidr == "10.0.0.0/16"
    assert len(production.aws.availability_zones) == 3
    assert production.network.aws_nat_gateways == 3
    for service in (production.compute.api, production.compute.web):
        assert (service.fargate_min_tasks, service.fargate_max_tasks) == (3, 50)
        assert service.cloud_run_max_instances == 100
    assert production.database.aws_instance_class == "db.r6g.xlarge"
    assert production.database.allocated_storage_gib == 500
    assert production.database.max_allocated_storage_gib == 10240
    assert production.database.multi_az and production.database.read_replicas >= 1
    assert production.cache.aws_nodes == 3 and production.cache.high_availability
    assert production.resilience.backup_retention_days == 30
    assert (production.resilience.rpo_minutes, production.resilience.rto_minutes) == (5, 15)
    assert production.resilience.deletion_protection and production.resilience.retain_stateful_resources


def test_alert_thresholds_from_the_platform_brief():
    thresholds = load_settings("production").thresholds
    assert thresholds.service_down_minutes == 5
    assert thresholds.error_rate_percent == 5
    assert thresholds.cpu_percent == 80
    assert thresholds.memory_percent == 85
    assert thresholds.response_time_seconds == 2
    assert thresholds.free_disk_percent == 20


def test_dev_is_cost_optimized():
    dev = load_settings("dev")
    assert len(dev.aws.availability_zones) == 2  # the fewest the ALB and RDS subnet groups allow
    assert dev.network.aws_nat_gateways == 1
    assert not dev.database.multi_az and dev.database.read_replicas == 0
    assert dev.cache.aws_nodes == 1
    assert dev.compute.api.cloud_run_min_instances == 0
    assert dev.compute.web.cloud_run_min_instances == 0


def test_staging_is_production_shaped_but_smaller():
    staging, production = load_settings("staging"), load_settings("production")
    assert staging.database.multi_az and staging.cache.high_availability
    assert len(staging.aws.availability_zones) == len(production.aws.availability_zones)
    assert staging.compute.api.fargate_max_tasks < production.compute.api.fargate_max_tasks
    assert staging.database.allocated_storage_gib < production.database.allocated_storage_gib


def _all_ranges(settings: Settings) -> list[ipaddress.IPv4Network]:
    network = settings.network
    return [
        ipaddress.IPv4Network(cidr)
        for cidr in (network.aws_vpc_cidr, network.gcp_app_subnet_cidr, network.gcp_private_services_cidr)
    ]


def test_no_two_networks_overlap_across_environments_and_clouds():
    """Any two of the six networks could be peered or connected by VPN later."""
    ranges = [network for settings in load_all().values() for network in _all_ranges(settings)]
    for first, second in itertools.combinations(ranges, 2):
        assert not first.overlaps(second), f"{first} overlaps {second}"


# --- overrides ------------------------------------------------------------------------------


def test_environment_variable_overrides_apply_to_their_environment_only():
    environ = {
        "BB_PRODUCTION_AWS_ACCOUNT_ID": "444455556666",
        "BB_PRODUCTION_ALERT_WARNING_EMAILS": "ops@example.com, oncall@example.com",
        "BB_PRODUCTION_GCP_STATE_BUCKET": "bookedbarber-tf-state",
    }
    production = load_settings("production", environ=environ)
    assert production.aws.account_id == "444455556666"
    assert production.routes.warning_emails == ("ops@example.com", "oncall@example.com")
    assert production.gcp.state_bucket == "bookedbarber-tf-state"
    assert (
        load_settings("staging", environ=environ).aws.account_id == load_settings("staging", environ={}).aws.account_id
    )


def test_explicit_overrides_win_over_environment_variables():
    settings = load_settings(
        "dev", overrides={"gcp_project_id": "from-context-1"}, environ={"BB_DEV_GCP_PROJECT_ID": "from-environ-1"}
    )
    assert settings.gcp.project_id == "from-context-1"


def test_region_and_zones_are_overridden_together():
    settings = load_settings(
        "production",
        overrides={"aws_region": "eu-west-1", "aws_availability_zones": "eu-west-1a,eu-west-1b,eu-west-1c"},
        environ={},
    )
    assert settings.aws.region == "eu-west-1"
    assert settings.aws.availability_zones == ("eu-west-1a", "eu-west-1b", "eu-west-1c")


def test_every_override_key_maps_to_a_real_field():
    settings = load_settings("staging", environ={})
    for key, (dotted, _) in OVERRIDES.items():
        target = settings
        for part in dotted.split("."):
            assert hasattr(target, part), f"override {key} points at missing field {dotted}"
            target = getattr(target, part)
    assert environment_variable("staging", "aws_account_id") == "BB_STAGING_AWS_ACCOUNT_ID"


def test_unknown_override_key_is_rejected():
    with pytest.raises(SettingsError, match=r"'dev'[\s\S]*aws_acount_id: is not an overridable setting"):
        load_settings("dev", overrides={"aws_acount_id": "123456789012"}, environ={})


def test_bad_override_value_names_environment_and_field():
    with pytest.raises(SettingsError, match=r"'production'[\s\S]*aws\.account_id"):
        load_settings("production", environ={"BB_PRODUCTION_AWS_ACCOUNT_ID": "12345"})


# --- the validation table -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["prod", "Production", "", "no-such-environment"])
def test_unknown_environment_is_rejected(name):
    with pytest.raises(SettingsError, match=rf"'{name}'[\s\S]*environment: unknown"):
        load_settings(name)


# (environment, {dotted field: bad value}, field the message must name, words it must contain)
INVALID = [
    ("dev", {"network.aws_vpc_cidr": "10.2.0.0/33"}, "network.aws_vpc_cidr", "not a valid IPv4 CIDR"),
    ("dev", {"network.aws_vpc_cidr": "10.2.0.1/16"}, "network.aws_vpc_cidr", "host bits set"),
    (
        "staging",
        {"network.aws_app_subnet_cidrs": ("10.1.16.0/20", "10.1.32.0/20", "10.1.0.0/24")},
        "network.aws_app_subnet_cidrs",
        "overlaps",
    ),
    (
        "production",
        {"network.aws_database_subnet_cidrs": ("10.0.100.0/24", "10.0.101.0/24", "10.9.102.0/24")},
        "network.aws_database_subnet_cidrs",
        "outside the VPC",
    ),
    ("production", {"network.gcp_app_subnet_cidr": "10.0.200.0/24"}, "network.gcp_app_subnet_cidr", "overlaps the AWS"),
    (
        "staging",
        {"network.gcp_private_services_cidr": "10.101.0.0/18"},
        "network.gcp_private_services_cidr",
        "overlaps",
    ),
    (
        "dev",
        {"network.aws_public_subnet_cidrs": ("10.2.0.0/24",)},
        "network.aws_public_subnet_cidrs",
        "1 subnet(s) for 2 availability zone(s)",
    ),
    ("dev", {"compute.api.fargate_min_tasks": 5}, "compute.api.fargate_min_tasks", "above maximum"),
    (
        "production",
        {"compute.web.cloud_run_min_instances": 101},
        "compute.web.cloud_run_min_instances",
        "above",
    ),
    ("staging", {"compute.api.fargate_memory_mib": 300}, "compute.api.fargate_memory_mib", "not valid with"),
    ("dev", {"compute.api.cloud_run_max_instances": 500}, "compute.api.cloud_run_max_instances", "1-100"),
    (
        "production",
        {"database.max_allocated_storage_gib": 100},
        "database.max_allocated_storage_gib",
        "min above max",
    ),
    ("staging", {"thresholds.cpu_percent": 180.0}, "thresholds.cpu_percent", "percentage"),
    ("dev", {"thresholds.error_rate_percent": -5.0}, "thresholds.error_rate_percent", "percentage"),
    ("production", {"thresholds.free_disk_percent": 0.0}, "thresholds.free_disk_percent", "percentage"),
    ("dev", {"budget.alert_at_percent": (50.0, 120.0)}, "budget.alert_at_percent", "percentage"),
    ("production", {"resilience.backup_retention_days": 0}, "resilience.backup_retention_days", "1-35"),
    ("staging", {"resilience.log_retention_days": 0}, "resilience.log_retention_days", "retention period"),
    ("dev", {"cache.snapshot_retention_days": -1}, "cache.snapshot_retention_days", "1-35"),
    (
        "dev",
        {"storage.noncurrent_version_expiry_days": 0},
        "storage.noncurrent_version_expiry_days",
        "greater than zero",
    ),
    ("staging", {"routes.warning_emails": ("ops-at-example.com",)}, "routes.warning_emails", "not a valid email"),
    ("production", {"routes.warning_emails": ()}, "routes.warning_emails", "at least one"),
    ("dev", {"domain.app_domain": "dev..bookedbarber.com"}, "domain.app_domain", "not a valid lower-case domain"),
    ("production", {"domain.origin_domain": "origin.example.org"}, "domain.origin_domain", "not inside the zone"),
    ("production", {"database.multi_az": False}, "database.multi_az", "production must enable"),
    ("production", {"cache.high_availability": False}, "cache.high_availability", "production must enable"),
    ("production", {"resilience.deletion_protection": False}, "resilience.deletion_protection", "production must"),
    ("production", {"network.aws_nat_gateways": 1}, "network.aws_nat_gateways", "one NAT gateway per"),
    ("production", {"database.read_replicas": 0}, "database.read_replicas", "at least one read replica"),
    ("production", {"routes.notify_on_recovery": False}, "routes.notify_on_recovery", "production must enable"),
    ("staging", {"database.aws_instance_class": "db.x9z.huge"}, "database.aws_instance_class", "no memory size"),
    ("staging", {"cache.high_availability": True, "cache.aws_nodes": 1}, "cache.aws_nodes", "at least 2 nodes"),
    # RDS refuses an autoscaling ceiling less than 10 % above the allocation (the API, at deploy)
    ("dev", {"database.max_allocated_storage_gib": 21}, "database.max_allocated_storage_gib", "less than 10 % above"),
    # synthesis refused this one (CloudFormation's E3026) after the settings check had passed it
    ("staging", {"cache.high_availability": False}, "cache.aws_nodes", "need high_availability"),
    ("dev", {"compute.scale_out_cpu_percent": 85.0}, "compute.scale_out_cpu_percent", "below the cpu alert"),
    ("staging", {"compute.scale_out_memory_percent": 0.0}, "compute.scale_out_memory_percent", "percentage"),
    ("dev", {"database.postgres_version": "17"}, "database.postgres_version", "'major.minor'"),
    ("production", {"resilience.key_rotation_days": 30}, "resilience.key_rotation_days", "90-2560"),
    ("dev", {"resilience.key_rotation_days": 3000}, "resilience.key_rotation_days", "90-2560"),
    ("dev", {"resilience.secret_rotation_days": 0}, "resilience.secret_rotation_days", "at least 1 day"),
    ("dev", {"aws.account_id": "1234"}, "aws.account_id", "12-digit"),
    ("dev", {"aws.availability_zones": ("us-east-1a", "us-west-2b")}, "aws.availability_zones", "not an availability"),
    ("staging", {"aws.hosted_zone_id": "zone-1"}, "aws.hosted_zone_id", "hosted zone id"),
    ("production", {"aws.cloudfront_prefix_list_id": "cloudfront"}, "aws.cloudfront_prefix_list_id", "prefix list"),
    ("dev", {"gcp.project_id": "Bad_Project"}, "gcp.project_id", "not a GCP project id"),
    ("dev", {"gcp.state_bucket": "UPPER"}, "gcp.state_bucket", "GCS bucket"),
    ("dev", {"gcp.project_number": "bookedbarber-dev"}, "gcp.project_number", "not a GCP project number"),
    ("staging", {"edge.rate_limit_requests": 5}, "edge.rate_limit_requests", "minimum of 10"),
    ("staging", {"edge.rate_limit_window_seconds": 45}, "edge.rate_limit_window_seconds", "window"),
    ("staging", {"edge.rate_limit_window_seconds": 900}, "edge.rate_limit_window_seconds", "AWS WAF and Cloud Armor"),
    ("dev", {"tags.cost_centre": "CC 4200"}, "tags.cost_centre", "lower-case label"),
    ("dev", {"feature_flags": {"Dark Mode": True}}, "feature_flags", "snake_case"),
    ("dev", {"gcp.billing_account_id": "0123-4567"}, "gcp.billing_account_id", "XXXXXX-XXXXXX-XXXXXX"),
    ("staging", {"gcp.billing_account_id": "abcdef-012345-678901"}, "gcp.billing_account_id", "billing account"),
    ("dev", {"gcp.dns_managed_zone": "bookedbarber.com"}, "gcp.dns_managed_zone", "managed zone name"),
    ("dev", {"gcp.dns_project_id": "X"}, "gcp.dns_project_id", "not a GCP project id"),
    ("dev", {"gcp.dns_record_ttl_seconds": 0}, "gcp.dns_record_ttl_seconds", "greater than zero"),
    ("dev", {"cache.redis_major_version": 5}, "cache.redis_major_version", "both clouds offer"),
    ("production", {"cache.gcp_memory_size_gib": 44}, "cache.gcp_memory_size_gib", "one Valkey node"),
    ("dev", {"cache.gcp_snapshot_period_hours": 2}, "cache.gcp_snapshot_period_hours", "Memorystore period"),
    ("dev", {"resilience.point_in_time_recovery_days": 8}, "resilience.point_in_time_recovery_days", "1-7"),
    (
        "staging",
        {"resilience.backup_retention_days": 3, "resilience.point_in_time_recovery_days": 5},
        "resilience.point_in_time_recovery_days",
        "longer than backup_retention_days",
    ),
    ("dev", {"resilience.rpo_minutes": 1}, "resilience.rpo_minutes", "below the 5 minutes"),
    ("production", {"resilience.lock_log_retention": False}, "resilience.lock_log_retention", "production must"),
    (
        "production",
        {"compute.scale_out_requests_per_target": 60000},
        "compute.scale_out_requests_per_target",
        "Cloud Run accepts 1-1000",
    ),
    ("dev", {"compute.kept_images": 0}, "compute.kept_images", "greater than zero"),
    ("dev", {"compute.untagged_image_expiry_days": 0}, "compute.untagged_image_expiry_days", "greater than zero"),
    ("dev", {"aws.recovery_region": "us-west"}, "aws.recovery_region", "not an AWS region"),
    ("production", {"aws.recovery_region": "us-east-1"}, "aws.recovery_region", "differ from the primary"),
    (
        "staging",
        {"aws.cloudfront_vpc_origin_security_group_id": "CloudFront-VPCOrigins-Service-SG"},
        "aws.cloudfront_vpc_origin_security_group_id",
        "security group id",
    ),
    (
        "production",
        {"resilience.copy_backups_to_recovery_region": False},
        "resilience.copy_backups_to_recovery_region",
        "production must enable",
    ),
    ("production", {"resilience.backup_vault_lock": False}, "resilience.backup_vault_lock", "production must"),
    ("dev", {"budget.alert_at_percent": (10.0, 20.0, 30.0, 40.0, 50.0, 60.0)}, "budget.alert_at_percent", "10 per"),
    (
        "staging",
        {"routes.warning_emails": tuple(f"ops{n}@bookedbarber.com" for n in range(11))},
        "routes.warning_emails",
        "at most 10",
    ),
    ("dev", {"github.owner": "-bookedbarber"}, "github.owner", "not a GitHub user or organisation"),
    ("staging", {"github.repository": "infra/extra"}, "github.repository", "not a GitHub repository name"),
    ("production", {"github.repository_id": 0}, "github.repository_id", "numeric repository id"),
    (
        "production",
        {"github.repository_id": "bookedbarber-infra"},
        "github.repository_id",
        "expected a positive whole number",
    ),
    ("production", {"github.environment": "prod:*"}, "github.environment", "no ':' or spaces"),
    ("production", {"github.deploy_confirmation": False}, "github.deploy_confirmation", "production must enable"),
]


@pytest.mark.parametrize(
    ("environment", "changes", "field", "words"),
    INVALID,
    ids=[f"{case[0]}:{case[2]}:{case[3]}" for case in INVALID],
)
def test_invalid_settings_fail_naming_environment_and_field(environment, changes, field, words):
    valid = load_settings(environment, environ={})
    with pytest.raises(SettingsError) as caught:
        replace_fields(valid, changes)
    message = str(caught.value)
    assert f"'{environment}'" in message
    assert f"- {field}: " in message
    assert words in message
    assert caught.value.environment == environment
    assert field in {name for name, _ in caught.value.problems}


@pytest.mark.parametrize(
    ("field", "value"), [("resilience.key_rotation_days", 90), ("resilience.secret_rotation_days", 1)]
)
def test_the_smallest_accepted_rotation_periods_pass(field, value):
    section, name = field.split(".")
    assert getattr(getattr(replace_field(load_settings("dev"), field, value), section), name) == value


def test_github_repository_overrides_parse_the_numeric_id():
    settings = load_settings(
        "staging",
        environ={
            "BB_STAGING_GITHUB_OWNER": "acme",
            "BB_STAGING_GITHUB_REPOSITORY": "barber-infra",
            "BB_STAGING_GITHUB_REPOSITORY_ID": "123456789",
            "BB_STAGING_GITHUB_ENVIRONMENT": "staging-us",
        },
    )
    assert settings.github.full_name == "acme/barber-infra"
    assert settings.github.repository_id == 123456789
    assert settings.github.environment == "staging-us"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_deploys_from_the_github_environment_of_its_name(environment):
    assert load_settings(environment, environ={}).github.environment == environment


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_validation_passes_on_every_defined_environment(environment):
    settings = load_settings(environment, environ={})
    assert replace_field(settings, "environment", environment) == settings


def test_every_defined_environment_is_listed():
    from shared.environments import DEFINITIONS

    assert tuple(DEFINITIONS) == ENVIRONMENTS


# The accepted side of the checks above: the same fields at the edge of what passes.
ACCEPTED = [
    ("dev", {"cache.redis_major_version": 6}),
    ("dev", {"cache.gcp_snapshot_period_hours": 12}),
    ("dev", {"resilience.point_in_time_recovery_days": 1}),
    ("staging", {"resilience.backup_retention_days": 7, "resilience.point_in_time_recovery_days": 7}),
    ("dev", {"resilience.rpo_minutes": 5}),
    ("dev", {"resilience.lock_log_retention": True}),
    ("dev", {"gcp.billing_account_id": "01A2B3-C4D5E6-F70819"}),
    ("dev", {"gcp.dns_project_id": "bookedbarber-shared-dns"}),
    ("production", {"compute.scale_out_requests_per_target": 18000}),
]


@pytest.mark.parametrize(("environment", "changes"), ACCEPTED, ids=[str(case[1]) for case in ACCEPTED])
def test_accepted_edge_values_pass(environment, changes):
    changed = replace_fields(load_settings(environment, environ={}), changes)
    for dotted, value in changes.items():
        section, name = dotted.split(".")
        assert getattr(getattr(changed, section), name) == value


def test_cloud_run_concurrency_is_the_per_task_request_target_in_flight():
    """1000 requests a minute per task at the 2 s latency alert is 33.3 in flight; Cloud Run scales at 60 %."""
    production = load_settings("production")
    assert production.compute.scale_out_requests_per_target == 1000
    assert production.thresholds.response_time_seconds == 2.0
    assert production.cloud_run_concurrency == 56
    doubled = replace_field(production, "compute.scale_out_requests_per_target", 2000)
    assert doubled.cloud_run_concurrency == 112


def test_billing_account_and_dns_zone_are_overridable_per_environment():
    environ = {
        environment_variable("staging", "gcp_billing_account_id"): "01A2B3-C4D5E6-F70819",
        environment_variable("staging", "gcp_dns_managed_zone"): "shared-zone",
        environment_variable("staging", "gcp_dns_project_id"): "bookedbarber-shared-dns",
    }
    staging = load_settings("staging", environ=environ)
    assert staging.gcp.billing_account_id == "01A2B3-C4D5E6-F70819"
    assert (staging.gcp.dns_managed_zone, staging.gcp.dns_project) == ("shared-zone", "bookedbarber-shared-dns")
    assert (
        load_settings("dev", environ=environ).gcp.billing_account_id
        == load_settings("dev", environ={}).gcp.billing_account_id
    )
    assert load_settings("dev", environ={}).gcp.dns_project == "bookedbarber-dev"
    with pytest.raises(SettingsError, match=r"gcp\.billing_account_id"):
        load_settings("staging", environ={environment_variable("staging", "gcp_billing_account_id"): "nope"})


def test_each_environment_has_its_own_placeholder_billing_account():
    accounts = {load_settings(name, environ={}).gcp.billing_account_id for name in ENVIRONMENTS}
    assert len(accounts) == len(ENVIRONMENTS)
