"""Properties that hold for every GCP stack: no secrets, no broad grants, one code path, labels, state."""

from __future__ import annotations

import json
import re

import pytest

from shared import ENVIRONMENTS, load_settings, replace_field
from shared.stacks import GCP_COMPONENTS as COMPONENTS
from tests.gcp.tf import stack

# Arguments that would carry a secret value into the JSON (and the state).
SECRET_ARGUMENTS = {"secret_data", "password", "auth_string", "private_key", "key_value", "secret_key"}
BROAD_ROLES = {"roles/owner", "roles/editor", "roles/iam.securityAdmin", "roles/resourcemanager.projectIamAdmin"}
PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def secret_arguments(terraform: dict) -> set[str]:
    return set(_keys(terraform.get("resource", {}))) & SECRET_ARGUMENTS


def _limited_to_narrow_roles(grant: dict) -> bool:
    """A project IAM admin grant whose IAM condition lets it grant only listed roles, none of them broad."""
    expression = grant.get("condition", {}).get("expression", "")
    listed = re.fullmatch(
        r"api\.getAttribute\('iam\.googleapis\.com/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[([^\]]*)\]\)", expression
    )
    if grant["role"] != "roles/resourcemanager.projectIamAdmin" or not listed:
        return False
    roles = {role.strip().strip("'") for role in listed.group(1).split(",")}
    return bool(roles) and not roles & BROAD_ROLES and all(role.startswith("roles/") for role in roles)


def broad_grants(terraform: dict) -> list[dict]:
    resources = terraform.get("resource", {})
    found = [
        g
        for g in resources.get("google_project_iam_member", {}).values()
        if g["role"] in BROAD_ROLES and not _limited_to_narrow_roles(g)
    ]
    for resource_type, grants in resources.items():
        if resource_type.endswith("_iam_member") and resource_type != "google_cloud_run_v2_service_iam_member":
            found += [g for g in grants.values() if g["member"] in PUBLIC_MEMBERS]
    return found


def test_no_secret_values_anywhere(gcp_stacks):
    for terraform in gcp_stacks.values():
        assert secret_arguments(terraform) == set()
        assert not terraform.get("resource", {}).get("google_secret_manager_secret_version")
        assert "random_password" not in terraform.get("resource", {})


def test_secret_check_catches_a_secret_value():
    bad = {"resource": {"google_secret_manager_secret_version": {"X": {"secret_data": "hunter2"}}}}
    assert secret_arguments(bad) == {"secret_data"}


def auth_string_holders(terraform: dict) -> list[str]:
    """What would put a Redis AUTH string into Terraform state: Memorystore for Redis with AUTH on (its computed
    `auth_string`), any Memorystore for Redis data source (it reads `auth_string` whatever the instance's setting),
    a Valkey instance not on IAM sign-in, or any expression that reads an `auth_string`."""
    found = [
        f"google_redis_instance.{name}"
        for name, body in terraform.get("resource", {}).get("google_redis_instance", {}).items()
        if body.get("auth_enabled")
    ]
    found += [
        f"data.google_redis_instance.{name}" for name in terraform.get("data", {}).get("google_redis_instance", {})
    ]
    found += [
        f"google_memorystore_instance.{name}"
        for name, body in terraform.get("resource", {}).get("google_memorystore_instance", {}).items()
        if body.get("authorization_mode") != "IAM_AUTH"
    ]
    if ".auth_string" in json.dumps(terraform):
        found.append("a reference to auth_string")
    return found


def test_no_terraform_state_holds_a_redis_auth_string(gcp_stacks):
    for terraform in gcp_stacks.values():
        assert auth_string_holders(terraform) == []
    caches = [
        t["resource"]["google_memorystore_instance"]
        for t in gcp_stacks.values()
        if "resource" in t and "google_memorystore_instance" in t["resource"]
    ]
    assert caches  # the check above saw the caches


def test_auth_string_check_catches_each_way_in():
    assert auth_string_holders({"resource": {"google_redis_instance": {"C": {"auth_enabled": True}}}}) == [
        "google_redis_instance.C"
    ]
    assert auth_string_holders({"resource": {"google_redis_instance": {"C": {"auth_enabled": False}}}}) == []
    assert auth_string_holders({"data": {"google_redis_instance": {"D": {"name": "x"}}}}) == [
        "data.google_redis_instance.D"
    ]
    valkey = {"resource": {"google_memorystore_instance": {"V": {"authorization_mode": "AUTH_DISABLED"}}}}
    assert auth_string_holders(valkey) == ["google_memorystore_instance.V"]
    leak = {"output": {"o": {"value": "${google_redis_instance.c.auth_string}"}}}
    assert auth_string_holders(leak) == ["a reference to auth_string"]


def test_no_broad_or_public_grants(gcp_stacks):
    for terraform in gcp_stacks.values():
        assert broad_grants(terraform) == []
        assert "google_project_iam_binding" not in terraform.get("resource", {})
        assert "google_project_iam_policy" not in terraform.get("resource", {})


def test_grant_check_catches_editor_and_public_buckets():
    bad = {
        "resource": {
            "google_project_iam_member": {"A": {"role": "roles/editor", "member": "user:a@b.c"}},
            "google_storage_bucket_iam_member": {"B": {"role": "roles/storage.objectViewer", "member": "allUsers"}},
        }
    }
    assert len(broad_grants(bad)) == 2


@pytest.mark.parametrize(
    ("expression", "broad"),
    [
        ("api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/run.invoker'])", False),
        ("api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/owner'])", True),
        ("request.time < timestamp('2999-01-01T00:00:00Z')", True),
        ("", True),
    ],
    ids=["narrow-roles-only", "lists-owner", "unrelated-condition", "no-condition"],
)
def test_project_iam_admin_passes_only_when_conditioned_to_narrow_roles(expression, broad):
    grant = {"role": "roles/resourcemanager.projectIamAdmin", "member": "serviceAccount:x@y.iam.gserviceaccount.com"}
    if expression:
        grant["condition"] = {"title": "t", "expression": expression}
    assert (broad_grants({"resource": {"google_project_iam_member": {"A": grant}}}) != []) is broad


def test_only_cloud_run_invocation_is_public(gcp_stacks):
    for name, terraform in gcp_stacks.items():
        for grant in terraform.get("resource", {}).get("google_cloud_run_v2_service_iam_member", {}).values():
            assert (grant["role"], grant["member"]) == ("roles/run.invoker", "allUsers"), name


def test_environments_differ_by_data_only(gcp_stacks):
    """Same resource types and logical ids in every environment, except the replicas, the regional standby and the
    drill identity settings ask for (tests/gcp/test_recovery.py checks the standby follows `recovery.strategy`,
    tests/gcp/test_trust_matrix.py the drill identity `recovery.drills`)."""
    for component in COMPONENTS:
        shapes = {}
        for environment in ENVIRONMENTS:
            terraform = stack(gcp_stacks, environment, component)
            ids = {
                (resource_type, logical_id)
                for resource_type, items in terraform.get("resource", {}).items()
                for logical_id in items
                if not any(part in logical_id for part in ("ReadReplica", "Standby", "GithubFederation_Drill"))
            }
            shapes[environment] = ids
        assert shapes["dev"] == shapes["staging"] == shapes["production"], component


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_name_carries_the_environment_prefix(gcp_stacks, environment):
    settings = load_settings(environment)
    text = json.dumps({k: v for k, v in gcp_stacks.items() if k.startswith(settings.prefix + "-")})
    for other in ENVIRONMENTS:
        if other != environment:
            assert f"bookedbarber-{other}-" not in text
    for name in re.findall(r'"name": "(bookedbarber-[^"]*)"', text):
        assert name.startswith(settings.prefix)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_provider_labels_and_project_come_from_settings(gcp_stacks, environment):
    settings = load_settings(environment)
    for component in COMPONENTS:
        (provider,) = stack(gcp_stacks, environment, component)["provider"]["google"]
        assert provider["project"] == settings.gcp.project_id
        assert provider["region"] == settings.gcp.region
        assert provider["default_labels"] == settings.gcp_labels


def test_no_stack_reads_another_stacks_state(gcp_stacks):
    for terraform in gcp_stacks.values():
        assert "terraform_remote_state" not in terraform.get("data", {})
        assert "terraform_remote_state" not in json.dumps(terraform)


def test_state_is_local_by_default_at_a_path_relative_to_the_checkout(gcp_stacks):
    for name, terraform in gcp_stacks.items():
        assert terraform["terraform"]["backend"] == {"local": {"path": f"../../../terraform.{name}.tfstate"}}


def test_state_goes_to_gcs_with_a_prefix_per_environment_and_component(gcp_stacks):
    from cdktn import Testing as CdktnTesting

    from gcp_stacks.base import GcpStack

    settings = replace_field(load_settings("staging"), "gcp.state_bucket", "my-bucket")
    stack = GcpStack(CdktnTesting.app(), "Tiny", settings=settings, component="network")
    backend = json.loads(CdktnTesting.synth(stack))["terraform"]["backend"]
    assert backend == {"gcs": {"bucket": "my-bucket", "prefix": "bookedbarber-staging/network"}}
