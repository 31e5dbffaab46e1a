"""The application contract itself: a cloud that renames, adds or drops a key is refused before synthesis."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import load_settings
from shared.contract import API, CLOUDS, GCP_REDIS_AUTH, SERVICES, WEB, ContractError, Variable, render


def _complete(service, flags) -> dict[str, str]:
    return dict.fromkeys(service.variable_names(flags), "x")


def test_render_keeps_the_contract_order():
    flags = load_settings("dev").feature_flags
    values = dict(reversed(list(_complete(API, flags).items())))
    assert list(render("aws", API, flags, values)) == list(API.variable_names(flags))


@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES)
def test_a_renamed_key_fails_naming_both_names(service):
    flags = load_settings("staging").feature_flags
    values = _complete(service, flags)
    values["APP_ENVIRONMENT"] = values.pop("APP_ENV")
    with pytest.raises(ContractError, match=r"gcp renders the .* missing \['APP_ENV'\].*\['APP_ENVIRONMENT'\]"):
        render("gcp", service, flags, values)


def test_an_extra_or_missing_secret_fails():
    flags = load_settings("dev").feature_flags
    with pytest.raises(ContractError, match="DATABASE_PASSWORD"):
        render("aws", API, flags, {**_complete(API, flags), "DATABASE_PASSWORD": "x"})
    values = _complete(API, flags)
    del values["REDIS_AUTH"]
    with pytest.raises(ContractError, match="REDIS_AUTH"):
        render("aws", API, flags, values)


def test_a_secret_on_one_cloud_only_keeps_its_key_on_both():
    flags = load_settings("dev").feature_flags
    redis_auth = next(variable for variable in API.variables if variable.name == "REDIS_AUTH")
    assert redis_auth.is_secret("aws") and not redis_auth.is_secret("gcp")
    # The key is the contract's on both clouds: dropping or renaming it fails on the cloud where it is a plain value.
    values = _complete(API, flags)
    values["REDIS_AUTH_MODE"] = values.pop("REDIS_AUTH")
    with pytest.raises(ContractError, match=r"missing \['REDIS_AUTH'\].*\['REDIS_AUTH_MODE'\]"):
        render("gcp", API, flags, values)
    assert render("gcp", API, flags, {**_complete(API, flags), "REDIS_AUTH": GCP_REDIS_AUTH})["REDIS_AUTH"]


def test_a_variable_names_only_known_clouds_as_secret():
    with pytest.raises(ValueError, match="secret_on"):
        Variable("X", "x", secret_on=("azure",))
    with pytest.raises(ValueError, match="secret_on"):
        Variable("X", "x", secret=True, secret_on=("aws",))


def test_feature_flags_are_part_of_the_contract():
    flags = load_settings("production").feature_flags
    assert flags
    for service in SERVICES.values():
        names = service.variable_names(flags)
        assert {f"FEATURE_{flag.upper()}" for flag in flags} <= set(names)
        assert len(names) == len(set(names))


def test_only_the_api_holds_data_secrets_and_data_access():
    assert set(API.secret_names("aws")) == {"REDIS_AUTH", "SECRET_KEY", "SENTRY_DSN"}
    # Memorystore for Valkey has no AUTH string: on GCP REDIS_AUTH names the IAM sign-in, a plain value.
    assert set(API.secret_names("gcp")) == {"SECRET_KEY", "SENTRY_DSN"}
    for cloud in CLOUDS:
        assert WEB.secret_names(cloud) == ("SENTRY_DSN",)  # error tracking, on both services
    assert API.data_client and not WEB.data_client
    assert not any(name.startswith(("DATABASE_", "REDIS_")) for name in WEB.variable_names({}))


def test_the_readme_shows_the_contract():
    from reports.contract_table import table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert table() in readme, "README's contract table is stale: run `make docs`"
