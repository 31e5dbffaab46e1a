"""Mistakes that used to pass in silence: each check as a pass/fail pair."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, SettingsError, load_all, load_settings, loader, replace_field, replace_fields
from shared.contract import API, DATABASE_PORT, ELASTICACHE_PORT, VALKEY_PORT, WEB
from shared.places import AWS_REGIONS, GCP_REGIONS, aws_availability_zones
from shared.provider_facts import SECRET_ROTATION_MAX_DAYS

# --- misspelt overrides -----------------------------------------------------------------------


def test_misspelt_environment_variable_is_refused_with_a_suggestion():
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", environ={"BB_DEV_AWS_ACOUNT_ID": "123456789012"})
    assert caught.value.environment == "dev"
    assert "BB_DEV_AWS_ACOUNT_ID" in {name for name, _ in caught.value.problems}
    assert "did you mean 'BB_DEV_AWS_ACCOUNT_ID'?" in str(caught.value)


def test_correctly_spelt_environment_variable_applies():
    assert load_settings("dev", environ={"BB_DEV_AWS_ACCOUNT_ID": "123456789012"}).aws.account_id == "123456789012"


def test_other_namespaces_are_left_alone_and_another_environments_typo_is_refused_too():
    environ = {"BBX_DEV_FOO": "x", "AWS_PROFILE": "x"}
    assert load_settings("dev", environ=environ).environment == "dev"
    # dev is checked against staging, so staging's settings (and its misspelt variable) are loaded as well
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", environ={**environ, "BB_STAGING_AWS_ACOUNT_ID": "x"})
    assert caught.value.environment == "staging"
    assert "BB_STAGING_AWS_ACOUNT_ID" in {name for name, _ in caught.value.problems}


def test_override_for_a_misspelt_environment_is_refused_with_a_suggestion():
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", environ={"BB_PROD_AWS_ACCOUNT_ID": "123456789012"})
    assert "BB_PROD_AWS_ACCOUNT_ID" in {name for name, _ in caught.value.problems}
    assert "did you mean 'BB_PRODUCTION_AWS_ACCOUNT_ID'?" in str(caught.value)
    # The same key for a real environment is fine, and so is an unrelated BB_ variable.
    environ = {"BB_PRODUCTION_AWS_ACCOUNT_ID": "123456789012", "BB_CACHE_DIR": "/tmp/x"}
    assert load_settings("dev", environ=environ).environment == "dev"


def test_misspelt_explicit_override_is_refused_with_a_suggestion():
    with pytest.raises(SettingsError, match=r"aws_acount_id: .*did you mean 'aws_account_id'\?"):
        load_settings("dev", overrides={"aws_acount_id": "123456789012"}, environ={})


# --- real places ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("aws.region", "xx-yyyy-9", "eu-west-1"),
        ("gcp.region", "mars-central1", "europe-west1"),
    ],
)
def test_regions_must_exist(field, bad, good):
    settings = load_settings("dev", environ={})
    with pytest.raises(SettingsError, match=rf"'dev'[\s\S]*{field}: '{bad}' is not"):
        replace_fields(settings, {field: bad})
    changes = {field: good}
    if field == "aws.region":
        changes["aws.availability_zones"] = aws_availability_zones(good)[:2]
    assert replace_fields(settings, changes).environment == "dev"


def test_region_typo_gets_a_suggestion():
    with pytest.raises(SettingsError, match=r"did you mean 'europe-west1'\?"):
        replace_field(load_settings("dev", environ={}), "gcp.region", "europe-wset1")


def test_availability_zones_must_exist_in_the_region():
    settings = load_settings("dev", environ={})
    with pytest.raises(SettingsError, match=r"aws.availability_zones: 'us-east-1z' is not an availability zone"):
        replace_field(settings, "aws.availability_zones", ("us-east-1a", "us-east-1z"))
    assert replace_field(settings, "aws.availability_zones", ("us-east-1a", "us-east-1f")).environment == "dev"


def test_every_environment_uses_listed_places():
    for settings in load_all(environ={}).values():
        assert settings.aws.region in AWS_REGIONS and settings.gcp.region in GCP_REGIONS
        assert set(settings.aws.availability_zones) <= set(aws_availability_zones(settings.aws.region))


# --- wrong types ------------------------------------------------------------------------------

WRONG_TYPES = [
    ("database.read_replicas", "1", "expected a whole number"),
    ("database.multi_az", "no", "expected true or false"),
    ("cache.aws_nodes", 2.5, "expected a positive whole number"),
    ("thresholds.cpu_percent", "80", "expected a positive number"),
    ("resilience.deletion_protection", 0, "expected true or false"),
    ("routes.warning_emails", "ops@example.com", "expected a list of text"),
    ("aws.cloudfront_prefix_list_id", 42, "expected text or none"),
    ("compute.api", 3, "expected ServiceSizing settings"),
]


@pytest.mark.parametrize(("field", "value", "words"), WRONG_TYPES, ids=[case[0] for case in WRONG_TYPES])
def test_wrong_type_is_a_settings_error_naming_environment_and_field(field, value, words):
    with pytest.raises(SettingsError) as caught:
        replace_field(load_settings("staging", environ={}), field, value)
    assert caught.value.environment == "staging"
    assert field in {name for name, _ in caught.value.problems}
    assert words in str(caught.value)


@pytest.mark.parametrize("raw", ["abc", "-5", "1.5"])
def test_a_bad_whole_number_reads_plainly_and_says_positive_where_it_must_be(raw):
    with pytest.raises(SettingsError) as caught:
        load_settings("dev", environ={"BB_DEV_GITHUB_REPOSITORY_ID": raw})
    assert f"github.repository_id: expected a positive whole number, got '{raw}'" in str(caught.value)
    assert "(str)" not in str(caught.value)
    # A count that may be zero is not called positive.
    with pytest.raises(SettingsError, match=r"read_replicas: expected a whole number, got 'x'$"):
        replace_field(load_settings("dev", environ={}), "database.read_replicas", "x")


@pytest.mark.parametrize("name", ["prod", "prodution"])
def test_a_misspelt_environment_gets_the_closest_name(name):
    with pytest.raises(SettingsError, match=r"did you mean 'production'\?"):
        load_settings(name)


def test_an_integer_is_a_fine_number_and_none_a_fine_optional():
    settings = load_settings("staging", environ={})
    assert replace_field(settings, "thresholds.cpu_percent", 81).thresholds.cpu_percent == 81
    assert replace_field(settings, "aws.cloudfront_prefix_list_id", None).aws.cloudfront_prefix_list_id is None


# --- across environments ----------------------------------------------------------------------


def test_load_all_refuses_two_environments_on_the_same_network(monkeypatch):
    staging_subnet = load_settings("staging", environ={}).network.gcp_app_subnet_cidr
    original = loader.DEFINITIONS["dev"]
    monkeypatch.setitem(
        loader.DEFINITIONS, "dev", lambda: replace_field(original(), "network.gcp_app_subnet_cidr", staging_subnet)
    )
    replace_field(original(), "network.gcp_app_subnet_cidr", staging_subnet)  # fine on its own
    # every path that loads settings refuses it: all environments, and one (`cdk synth -c env=dev`, `make diff`)
    for load in (lambda: load_all(environ={}), lambda: load_settings("dev", environ={})):
        with pytest.raises(SettingsError) as caught:
            load()
        assert caught.value.environment == ",".join(ENVIRONMENTS)
        assert any(
            "overlaps" in problem and "dev.network.gcp_app_subnet_cidr" in problem
            for _, problem in caught.value.problems
        )


def test_every_invalid_field_of_every_environment_is_reported_at_once():
    environ = {"BB_DEV_AWS_ACCOUNT_ID": "12345", "BB_PRODUCTION_GCP_PROJECT_ID": "X", "BB_PRODUCTION_APP_DOMAIN": "a"}
    for load in (lambda: load_all(environ=environ), lambda: load_settings("staging", environ=environ)):
        with pytest.raises(SettingsError) as caught:
            load()
        assert caught.value.environment == "dev,production"
        fields = {name for name, _ in caught.value.problems}
        assert {"dev.aws.account_id", "production.gcp.project_id", "production.domain.app_domain"} <= fields
    with pytest.raises(SettingsError) as caught:  # one environment keeps its plain field names
        load_all(environ={"BB_DEV_AWS_ACCOUNT_ID": "12345"})
    assert caught.value.environment == "dev"
    assert "aws.account_id" in {name for name, _ in caught.value.problems}


def test_load_all_accepts_the_defined_environments():
    assert list(load_all(environ={})) == list(ENVIRONMENTS)
    assert list(loader.cross_environment_problems(load_all(environ={}))) == []


# --- ports and rotation -----------------------------------------------------------------------


def test_ports_are_the_contract_not_settings():
    """Cloud SQL's 5432 and the caches' 6379 are fixed by the services: no environment can choose another."""
    settings = load_settings("production", environ={})
    for field in ("database.port", "cache.port", "compute.api.container_port"):
        with pytest.raises(TypeError, match=r"unexpected keyword argument '(port|container_port)'"):
            replace_field(settings, field, 5433)
    assert ELASTICACHE_PORT == VALKEY_PORT  # both caches listen on Redis's port, TLS or not
    assert len({DATABASE_PORT, ELASTICACHE_PORT, API.port, WEB.port}) == 4


def test_secret_rotation_period_is_within_what_secrets_manager_accepts():
    settings = load_settings("dev", environ={})
    with pytest.raises(SettingsError, match=r"resilience.secret_rotation_days: 1001 is above"):
        replace_field(settings, "resilience.secret_rotation_days", SECRET_ROTATION_MAX_DAYS + 1)
    rotated = replace_field(settings, "resilience.secret_rotation_days", SECRET_ROTATION_MAX_DAYS)
    assert rotated.resilience.secret_rotation_days == 1000
