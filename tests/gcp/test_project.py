"""Project plumbing: every API a provider calls for the platform is enabled before the stacks that need it."""

from __future__ import annotations

import pytest

from shared.stacks import GCP_COMPONENTS
from tests.gcp.tf import ALL, resources, stack

# The API each synthesized resource, data source or ephemeral type calls (the provider's, on the project's behalf).
# A new type fails `test_every_type_synthesized_has_a_known_api` until it is listed here.
API_OF_TYPE = {
    "google_artifact_registry_": "artifactregistry.googleapis.com",
    "google_billing_budget": "billingbudgets.googleapis.com",
    "google_cloud_asset_": "cloudasset.googleapis.com",
    "google_scc_": "securitycenter.googleapis.com",
    "google_cloud_run_v2_": "run.googleapis.com",
    "google_compute_": "compute.googleapis.com",
    "google_dns_": "dns.googleapis.com",
    "google_iam_deny_policy": "iam.googleapis.com",  # IAM v2 policies
    "google_iam_workload_identity_pool": "iam.googleapis.com",
    "google_kms_": "cloudkms.googleapis.com",
    "google_logging_": "logging.googleapis.com",
    "google_monitoring_": "monitoring.googleapis.com",
    # Project IAM and audit configs are the project's IAM policy: Cloud Resource Manager.
    "google_project_iam_": "cloudresourcemanager.googleapis.com",
    "google_project_service": "serviceusage.googleapis.com",  # also google_project_service_identity
    "google_project": "cloudresourcemanager.googleapis.com",  # the data source
    "google_pubsub_": "pubsub.googleapis.com",
    "google_memorystore_": "memorystore.googleapis.com",
    "google_network_connectivity_": "networkconnectivity.googleapis.com",
    "google_secret_manager_": "secretmanager.googleapis.com",
    "google_service_account": "iam.googleapis.com",
    "google_service_networking_": "servicenetworking.googleapis.com",
    "google_sql_": "sqladmin.googleapis.com",
    "google_storage_": "storage.googleapis.com",
    "google_tags_": "cloudresourcemanager.googleapis.com",  # tag keys and values (Resource Manager v3)
}
# Beside the types' APIs: what a setting of the provider calls (the budget's quota project is checked through Service
# Usage), and what the applications call at run time (no resource of theirs names it).
CALLED_WITHOUT_A_RESOURCE = {
    "serviceusage.googleapis.com",
    "clouderrorreporting.googleapis.com",
    "cloudtrace.googleapis.com",
    # Service connectivity automation creates the cache's PSC endpoints through it (no resource of ours names it).
    "serviceconsumermanagement.googleapis.com",
}


def api_of(resource_type: str) -> str | None:
    matches = [prefix for prefix in API_OF_TYPE if resource_type.startswith(prefix)]
    return API_OF_TYPE[max(matches, key=len)] if matches else None


def types_of(terraform: dict) -> set[str]:
    return {name for block in ("resource", "data", "ephemeral") for name in terraform.get(block, {})}


def enabled(terraform: dict) -> set[str]:
    return {service["service"] for service in resources(terraform, "google_project_service")}


def missing_apis(terraform: dict, enabled_before: set[str]) -> set[str]:
    """APIs the stack's types call that neither an earlier stack nor the stack itself enables."""
    return {api_of(t) for t in types_of(terraform)} - enabled_before - enabled(terraform)


@pytest.mark.parametrize("environment", ALL)
def test_every_type_synthesized_has_a_known_api(gcp_stacks, environment):
    for component in GCP_COMPONENTS:
        unknown = {t for t in types_of(stack(gcp_stacks, environment, component)) if api_of(t) is None}
        assert not unknown, f"{component}: add the API of {sorted(unknown)} to API_OF_TYPE"


@pytest.mark.parametrize("environment", ALL)
def test_every_api_is_enabled_by_the_first_stack_or_by_the_stack_itself(gcp_stacks, environment):
    network = stack(gcp_stacks, environment, "network")
    first = enabled(network)
    assert first >= CALLED_WITHOUT_A_RESOURCE
    for component in GCP_COMPONENTS:
        terraform = stack(gcp_stacks, environment, component)
        missing = missing_apis(terraform, first)
        assert not missing, f"{component} calls {sorted(missing)}, which no earlier stack enables"
    # Enabling never disables on destroy: other workloads of the project may use the same APIs.
    assert all(service["disable_on_destroy"] is False for service in resources(network, "google_project_service"))


def test_the_check_finds_an_api_nobody_enables():
    terraform = {
        "resource": {
            "google_sql_database_instance": {"Db": {}},
            "google_project_service": {"Api": {"service": "compute.googleapis.com"}},
        }
    }
    assert missing_apis(terraform, {"serviceusage.googleapis.com"}) == {"sqladmin.googleapis.com"}
    assert missing_apis(terraform, {"serviceusage.googleapis.com", "sqladmin.googleapis.com"}) == set()
    assert api_of("google_project_service_identity") == "serviceusage.googleapis.com"
    assert api_of("google_project_iam_member") == "cloudresourcemanager.googleapis.com"
    assert api_of("google_bigquery_dataset") is None
