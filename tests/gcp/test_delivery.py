"""The GitHub Actions trust on GCP: one repository by numeric id, one subject per service account."""

from __future__ import annotations

import json

import pytest

from shared import load_settings, replace_field
from shared.delivery import GITHUB_OIDC_URL
from shared.stacks import GCP_COMPONENTS as COMPONENTS
from tests.gcp.tf import ALL, reference, resources, stack


def _delivery(gcp_stacks, environment):
    return stack(gcp_stacks, environment, "delivery")


@pytest.mark.parametrize("environment", ALL)
def test_the_provider_trusts_only_the_repositorys_numeric_id(gcp_stacks, environment):
    settings = load_settings(environment)
    (provider,) = resources(_delivery(gcp_stacks, environment), "google_iam_workload_identity_pool_provider")
    assert provider["attribute_condition"].startswith(
        f"assertion.repository_id == '{settings.github.repository_id}' && ("
    )
    assert provider["oidc"]["issuer_uri"] == GITHUB_OIDC_URL
    # The subjects are longer than google.subject's 127 bytes: it names the run; attribute.delivery the identity.
    assert "assertion.sub" not in provider["attribute_mapping"]["google.subject"]
    (pool,) = resources(_delivery(gcp_stacks, environment), "google_iam_workload_identity_pool")
    assert pool["workload_identity_pool_id"] == settings.name("github")


@pytest.mark.parametrize("environment", ALL)
def test_each_service_account_is_impersonable_by_exactly_one_identity(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    expected = {
        settings.name("deploy"): "deploy",
        settings.name("plan"): "plan",
        settings.name("ship"): "release",
        settings.name("drift"): "drift",
    }
    if settings.recovery.drills:  # the quarterly drill's account (drill.yml's gcp job)
        expected[settings.name("drill")] = "drill"
    pool = reference(terraform, "google_iam_workload_identity_pool", "name")
    users = [
        grant
        for grant in resources(terraform, "google_service_account_iam_member")
        if grant["role"] == "roles/iam.workloadIdentityUser"
    ]
    assert len(users) == len(expected)
    for account_id, kind in expected.items():
        account = reference(terraform, "google_service_account", "name", account_id=account_id)
        (grant,) = [user for user in users if user["service_account_id"] == account]
        assert grant["member"] == f"principalSet://iam.googleapis.com/{pool}/attribute.delivery/{kind}"


@pytest.mark.parametrize("environment", ALL)
def test_service_account_ids_fit_googles_30_characters(gcp_stacks, environment):
    for account in resources(_delivery(gcp_stacks, environment), "google_service_account"):
        assert 6 <= len(account["account_id"]) <= 30, account["account_id"]


@pytest.mark.parametrize("environment", ALL)
def test_project_roles_per_job(gcp_stacks, environment):
    from gcp_stacks.delivery import DEPLOY_ROLES, PLAN_ROLES, RELEASE_ROLES

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    granted: dict[str, set[str]] = {}
    for grant in resources(terraform, "google_project_iam_member"):
        granted.setdefault(grant["member"], set()).add(grant["role"])
    members = {
        suffix: "${google_service_account." + logical + ".member}"
        for suffix in ("deploy", "plan", "ship")
        for logical, body in terraform["resource"]["google_service_account"].items()
        if body["account_id"] == settings.name(suffix)
    }
    predefined = {member: {role for role in roles if role.startswith("roles/")} for member, roles in granted.items()}
    # Plus Secret Manager access conditioned on the two alert tokens (test_plans_read_only_the_alert_tokens...).
    assert predefined[members["plan"]] == {*PLAN_ROLES, "roles/secretmanager.secretAccessor"}
    assert predefined[members["ship"]] == set(RELEASE_ROLES)
    assert predefined[members["deploy"]] == {
        *DEPLOY_ROLES,
        "roles/resourcemanager.projectIamAdmin",
        "roles/secretmanager.secretAccessor",
    }
    for member in members.values():
        assert len(granted[member] - predefined[member]) == 1  # and one custom role each (delivery.CUSTOM_ROLES)
    # The app stack writes the app domain's records into the zone, in this project unless settings name another.
    if resources(stack(gcp_stacks, environment, "app"), "google_dns_record_set") and not settings.gcp.dns_project_id:
        assert "roles/dns.admin" in granted[members["deploy"]]
    basic = {"roles/owner", "roles/editor", "roles/viewer"}
    assert not basic & {role for roles in granted.values() for role in roles}


@pytest.mark.parametrize("environment", ALL)
def test_the_deploy_identity_may_grant_every_project_role_the_platform_grants_and_no_other(gcp_stacks, environment):
    """If a stack starts granting a new project role, CI cannot apply it until GRANTABLE_ROLES lists it."""
    from gcp_stacks.delivery import GRANTABLE_ROLES

    granted_by_platform = {
        grant["role"]
        for component in COMPONENTS
        if component != "delivery"
        for grant in resources(stack(gcp_stacks, environment, component), "google_project_iam_member")
    }
    assert granted_by_platform == set(GRANTABLE_ROLES)
    (admin,) = [
        grant
        for grant in resources(_delivery(gcp_stacks, environment), "google_project_iam_member")
        if grant["role"] == "roles/resourcemanager.projectIamAdmin"
    ]
    for role in GRANTABLE_ROLES:
        assert f"'{role}'" in admin["condition"]["expression"]


@pytest.mark.parametrize("environment", ALL)
def test_releases_write_to_the_registry_and_act_as_the_runtime_identities_only(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    (writer,) = resources(terraform, "google_artifact_registry_repository_iam_member")
    assert (writer["repository"], writer["role"]) == (settings.name("containers"), "roles/artifactregistry.writer")
    project = settings.gcp.project_id
    runtime = [f"{settings.name(name)}@{project}.iam.gserviceaccount.com" for name in ("api", "web")]
    for kind in ("deploy", "ship"):
        member = reference(terraform, "google_service_account", "member", account_id=settings.name(kind))
        acts_as = sorted(
            grant["service_account_id"].rpartition("/")[2]
            for grant in resources(terraform, "google_service_account_iam_member")
            if grant["role"] == "roles/iam.serviceAccountUser" and grant["member"] == member
        )
        assert acts_as == runtime, kind


def test_plans_may_read_the_state_bucket_only_when_there_is_one(gcp_stacks):
    # The committed settings keep local state: no bucket to grant on.
    from cdktn import Testing as CdktnTesting

    from gcp_stacks.delivery import DeliveryStack

    assert resources(_delivery(gcp_stacks, "dev"), "google_storage_bucket_iam_member") == []
    settings = replace_field(load_settings("dev"), "gcp.state_bucket", "bookedbarber-dev-tfstate")
    app = CdktnTesting.app()
    terraform = json.loads(CdktnTesting.synth(DeliveryStack(app, "probe", settings=settings)))
    grants = resources(terraform, "google_storage_bucket_iam_member")
    # Both identities that run `terraform plan` (pull requests / main, and the nightly drift run), nothing else.
    assert sorted(grant["member"] for grant in grants) == sorted(
        reference(terraform, "google_service_account", "member", account_id=settings.name(kind))
        for kind in ("plan", "drift")
    )
    for grant in grants:
        assert (grant["bucket"], grant["role"]) == (settings.gcp.state_bucket, "roles/storage.objectViewer")


@pytest.mark.parametrize("environment", ALL)
def test_token_exchange_apis_are_enabled(gcp_stacks, environment):
    enabled = {
        service["service"] for service in resources(_delivery(gcp_stacks, environment), "google_project_service")
    }
    assert {"sts.googleapis.com", "iamcredentials.googleapis.com"} <= enabled


@pytest.mark.parametrize("environment", ALL)
def test_plans_may_bill_the_budgets_calls_to_the_project(gcp_stacks, environment):
    settings = load_settings(environment)
    plan = reference(
        _delivery(gcp_stacks, environment), "google_service_account", "member", account_id=settings.name("plan")
    )
    roles = {
        g["role"]
        for g in resources(_delivery(gcp_stacks, environment), "google_project_iam_member")
        if g["member"] == plan
    }
    assert "roles/serviceusage.serviceUsageConsumer" in roles


@pytest.mark.parametrize("environment", ALL)
@pytest.mark.parametrize("kind", ["plan", "deploy"])
def test_plans_read_only_the_alert_tokens_among_secrets(gcp_stacks, environment, kind):
    """Terraform sends the two channel tokens to Cloud Monitoring (write-only arguments from ephemeral reads): the
    identities that plan and apply the observability stack may read those two values and no other."""
    from shared.names import secret_manager_id

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    member = reference(terraform, "google_service_account", "member", account_id=settings.name(kind))
    (grant,) = [
        g
        for g in resources(terraform, "google_project_iam_member")
        if g["member"] == member and g["role"] == "roles/secretmanager.secretAccessor"
    ]
    expression = grant["condition"]["expression"]
    clauses = expression.split(" || ")
    secrets = [
        secret_manager_id(settings.routes.pagerduty_secret_name),
        secret_manager_id(settings.routes.slack_webhook_secret_name),
    ]
    assert len(clauses) == len(secrets)
    for clause, secret in zip(clauses, secrets, strict=True):
        # The trailing `/versions/` keeps a secret whose id merely starts with this one out.
        assert clause.startswith("resource.name.startsWith('projects/${data.google_project.")
        assert clause.endswith(f"/secrets/{secret}/versions/')")
