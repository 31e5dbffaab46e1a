"""Terraform outputs for people: described, not sensitive, and never a secret's value."""

from __future__ import annotations

import json

import pytest

from shared import load_settings
from tests.gcp.tf import ALL, stack

EXPECTED = {
    "data": {"database_connection_name", "database_private_ip", "cache_endpoint", "image_repository"},
    "app": {"app_url", "load_balancer_ip", "api_service_url", "web_service_url"},
}
SECRET_MARKERS = ("google_secret_manager", "secret_data", "auth_string", "password")


def secret_outputs(terraform: dict) -> list[str]:
    return [
        name
        for name, output in terraform.get("output", {}).items()
        if any(marker in json.dumps(output["value"]) for marker in SECRET_MARKERS)
    ]


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("component", sorted(EXPECTED))
def test_outputs_exist_with_descriptions_and_no_secret(gcp_stacks, environment, component):
    terraform = stack(gcp_stacks, environment, component)
    outputs = terraform.get("output", {})
    assert EXPECTED[component] <= set(outputs)
    assert all(output.get("description") and not output.get("sensitive") for output in outputs.values())
    assert secret_outputs(terraform) == []


@pytest.mark.parametrize("environment", ALL)
def test_app_url_and_service_urls(gcp_stacks, environment):
    outputs = stack(gcp_stacks, environment, "app")["output"]
    assert outputs["app_url"]["value"] == f"https://{load_settings(environment).domain.app_domain}"
    assert outputs["api_service_url"]["value"].endswith(".uri}")
    assert outputs["load_balancer_ip"]["value"].startswith("${google_compute_global_address.")


def test_the_secret_check_catches_a_secret_output():
    terraform = {"output": {"leak": {"value": "${google_redis_instance.cache.auth_string}"}}}
    assert secret_outputs(terraform) == ["leak"]
    assert secret_outputs({"output": {"ok": {"value": "${google_redis_instance.cache.host}"}}}) == []


@pytest.mark.parametrize("environment", ALL)
def test_cache_endpoint_is_the_primary_psc_endpoint_of_the_instance(gcp_stacks, environment):
    """The instance lists a primary and a reader PSC endpoint in no fixed order: pick the primary's address and port."""
    value = stack(gcp_stacks, environment, "data")["output"]["cache_endpoint"]["value"]
    host, _, port = value.partition("}:")
    for expression, attribute in ((host + "}", "ip_address"), (port, "port")):
        assert expression.startswith("${one([for c in flatten(google_memorystore_instance.")
        assert f"tostring(c.{attribute})" in expression and '"CONNECTION_TYPE_PRIMARY"' in expression
