"""GCP gives each Cloud Run service exactly the contract's variables (PORT set by Cloud Run itself)."""

from __future__ import annotations

import pytest

from shared import load_settings
from shared.contract import API, CLOUD_RUN_RESERVED, SERVICES
from tests.gcp.tf import ALL, one, stack


def _container(gcp_stacks, environment: str, service: str) -> dict:
    settings = load_settings(environment)
    run = one(
        stack(gcp_stacks, environment, "app"),
        "google_cloud_run_v2_service",
        name=settings.name(service),
        location=settings.gcp.region,
    )
    (container,) = run["template"]["containers"]
    return container


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES)
def test_each_service_receives_exactly_the_contract(gcp_stacks, environment, service):
    settings = load_settings(environment)
    container = _container(gcp_stacks, environment, service.name)
    names = [item["name"] for item in container["env"]]
    assert len(names) == len(set(names))
    assert set(names) | CLOUD_RUN_RESERVED == set(service.variable_names(settings.feature_flags))
    assert {item["name"] for item in container["env"] if "value_source" in item} == set(service.secret_names("gcp"))
    # Cloud Run sets PORT to this: the same port the contract promises and AWS sets.
    assert container["ports"] == {"container_port": service.port}


@pytest.mark.parametrize("environment", ALL)
def test_the_api_logs_in_as_its_iam_database_user(gcp_stacks, environment):
    settings = load_settings(environment)
    env = {item["name"]: item.get("value") for item in _container(gcp_stacks, environment, API.name)["env"]}
    user = f"{settings.name('api')}@{settings.gcp.project_id}.iam"
    assert env["DATABASE_USER"] == user
    assert env["DATABASE_AUTH"] == "gcp-cloud-sql-iam"
    assert env["DATABASE_SSLMODE"] == "verify-ca"
    data_sources = stack(gcp_stacks, environment, "app")["data"]["google_sql_database_instance"]
    (logical_id,) = [key for key, body in data_sources.items() if key.startswith("Services_Database")]
    assert data_sources[logical_id]["name"] == settings.name("postgres")
    assert env["DATABASE_HOST"] == f"${{data.google_sql_database_instance.{logical_id}.private_ip_address}}"
    assert env["DATABASE_SSLROOTCERT"] == f"${{data.google_sql_database_instance.{logical_id}.server_ca_cert[0].cert}}"
    users = stack(gcp_stacks, environment, "data")["resource"]["google_sql_user"].values()
    assert {u["name"] for u in users if u["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"} >= {user}
