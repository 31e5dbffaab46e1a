"""Account-level services: exactly one owner per account (and region), checked across environments."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, SettingsError, load_all, load_settings, replace_fields
from shared.accounts import ACCOUNT_SERVICES, AccountServices, account_service_problems


def _all(**changes):
    loaded = {name: load_settings(name, environ={}) for name in ENVIRONMENTS}
    for name, fields in changes.items():
        loaded[name] = replace_fields(loaded[name], fields)
    return loaded


def test_own_accounts_own_everything():
    assert list(account_service_problems(_all())) == []
    for settings in _all().values():
        assert all(settings.account_services.creates(service) for service in ACCOUNT_SERVICES)


def test_two_owners_in_one_account_are_refused_naming_environment_and_field():
    shared = _all(dev={"aws.account_id": "222222222222"})
    problems = list(account_service_problems(shared))
    assert {field for field, _ in problems} == {"staging.account_services.owned"}
    assert "'guardduty' in 222222222222/us-east-1 is already owned by dev" in "\n".join(p for _, p in problems)
    assert len(problems) == len(ACCOUNT_SERVICES)


def test_a_shared_account_with_one_owner_passes():
    shared = _all(dev={"aws.account_id": "222222222222", "account_services.owned": ()})
    assert list(account_service_problems(shared)) == []


def test_a_service_nobody_owns_is_refused():
    shared = _all(dev={"aws.account_id": "222222222222", "account_services.owned": ()})
    shared["staging"] = replace_fields(shared["staging"], {"account_services.owned": ("guardduty",)})
    problems = list(account_service_problems(shared))
    assert any("no environment in 222222222222/us-east-1 (dev, staging) owns 'security_hub'" in p for _, p in problems)


def test_regional_services_have_one_owner_per_region_global_ones_per_account():
    """Same account, other region: each region needs its own detector; the OIDC provider stays one per account."""
    shared = _all(
        dev={
            "aws.account_id": "222222222222",
            "aws.region": "us-west-2",
            "aws.availability_zones": ("us-west-2a", "us-west-2b"),
            "aws.recovery_region": "us-east-2",
            "account_services.owned": ("guardduty", "security_hub", "config", "rds_os_metrics"),
        }
    )
    assert list(account_service_problems(shared)) == []


def test_the_organization_view_must_agree_within_an_account():
    shared = _all(
        dev={
            "aws.account_id": "222222222222",
            "account_services.owned": (),
            "account_services.organization_managed": ("guardduty",),
        }
    )
    problems = dict(account_service_problems(shared))
    assert (
        "disagree whether the Organization manages 'guardduty'" in problems["dev.account_services.organization_managed"]
    )


def test_organization_managed_services_are_owned_but_not_created():
    services = AccountServices(organization_managed=("guardduty", "trail"))
    assert services.owns("guardduty") and not services.creates("guardduty")
    assert services.creates("security_hub")


def test_unknown_services_fail_fast():
    with pytest.raises(SettingsError, match=r"account_services[.]owned: 'gaurdduty' is not an account-level service"):
        load_settings("dev", environ={"BB_DEV_AWS_OWNED_ACCOUNT_SERVICES": "gaurdduty"})


def test_load_all_applies_the_check():
    with pytest.raises(SettingsError, match="already owned by dev"):
        load_all(environ={"BB_DEV_AWS_ACCOUNT_ID": "222222222222"})
    loaded = load_all(environ={"BB_DEV_AWS_ACCOUNT_ID": "222222222222", "BB_DEV_AWS_OWNED_ACCOUNT_SERVICES": ""})
    assert loaded["dev"].account_services.owned == ()
