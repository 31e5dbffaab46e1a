"""The GCP trust matrix, read as an attacker would: who can impersonate each CI identity, and what it can reach."""

from __future__ import annotations

import pytest

from reports.readme_sections import section
from reports.trust_matrix import gcp_table
from shared import load_settings
from shared.delivery import KINDS, gcp_kinds, subject
from shared.names import gcp_account_id
from tests.gcp.tf import ALL, reference, resources, stack
from tests.synth import ROOT

BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
# Predefined roles that could change the trust: service account IAM, pools and providers, custom roles, any IAM.
TRUST_CHANGING_ROLES = {
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/iam.roleAdmin",
    "roles/iam.securityAdmin",
    "roles/secretmanager.admin",
}
# Secret values: only the alert channel tokens, under a condition naming them (tests/gcp/test_delivery.py).
VALUE_READING_ROLES = {"roles/secretmanager.secretAccessor"}


def _delivery(gcp_stacks, environment):
    return stack(gcp_stacks, environment, "delivery")


def _members(terraform, settings) -> dict[str, str]:
    return {
        kind: "${google_service_account." + logical + ".member}"
        for kind in gcp_kinds(settings)
        for logical, body in terraform["resource"]["google_service_account"].items()
        if body["account_id"] == gcp_account_id(settings, kind)
    }


@pytest.mark.parametrize("environment", ALL)
def test_no_pull_request_subject_reaches_production(gcp_stacks, environment):
    settings = load_settings(environment)
    (provider,) = resources(_delivery(gcp_stacks, environment), "google_iam_workload_identity_pool_provider")
    accepts_pull_requests = ":pull_request:" in provider["attribute_condition"]
    assert accepts_pull_requests == settings.delivery.pull_request_plans
    if accepts_pull_requests:  # and then only as the plan identity
        mapping = provider["attribute_mapping"]["attribute.delivery"]
        assert mapping.index(":pull_request:") < mapping.index("? 'plan'") < mapping.index("? 'deploy'")
    assert environment != "production" or not accepts_pull_requests


@pytest.mark.parametrize("environment", ALL)
def test_no_identity_can_become_another(gcp_stacks, environment):
    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    (provider,) = resources(terraform, "google_iam_workload_identity_pool_provider")
    kinds = gcp_kinds(settings)
    assert len({subject(settings, kind) for kind in kinds}) == len(kinds)
    for kind in kinds:
        assert f"? '{kind}'" in provider["attribute_mapping"]["attribute.delivery"]
    members = set(_members(terraform, settings).values())
    accounts = {
        "${google_service_account." + logical + ".name}"
        for logical, body in terraform["resource"]["google_service_account"].items()
    }
    for grant in resources(terraform, "google_service_account_iam_member"):
        if grant["service_account_id"] in accounts:  # a CI account: only its one identity, never another account
            assert grant["role"] == "roles/iam.workloadIdentityUser"
            assert grant["member"].startswith("principalSet://iam.googleapis.com/") and grant["member"] not in members
        else:  # the runtime accounts: deploys and releases act as them
            assert grant["role"] == "roles/iam.serviceAccountUser"


@pytest.mark.parametrize("environment", ALL)
def test_no_ci_identity_can_change_iam_on_the_trust_or_its_bindings(gcp_stacks, environment):
    from gcp_stacks.delivery import CUSTOM_ROLES, GRANTABLE_ROLES

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    members = set(_members(terraform, settings).values())
    for grant in resources(terraform, "google_project_iam_member"):
        assert grant["member"] in members
        assert grant["role"] not in BASIC_ROLES | TRUST_CHANGING_ROLES, grant["role"]
        if grant["role"] in VALUE_READING_ROLES:
            assert grant["condition"]["title"] == "alert-channel-tokens-only"
        if grant["role"] == "roles/resourcemanager.projectIamAdmin":
            # Only the runtime roles; none of them administers IAM, service accounts or the pool.
            assert "hasOnly" in grant["condition"]["expression"]
            assert not {role for role in GRANTABLE_ROLES if "iam." in role or "admin" in role.lower()}
    for kind, permissions in CUSTOM_ROLES.items():
        assert not [
            p
            for p in permissions
            if p.startswith("iam.serviceAccounts.") and p.endswith(("IamPolicy", "actAs", "getAccessToken", "signJwt"))
        ], kind
        assert not [p for p in permissions if p.startswith("iam.workloadIdentityPool") and not p.endswith(".get")], kind
        assert "secretmanager.versions.access" not in permissions and not any(
            p.startswith("iam.roles.") and p != "iam.roles.get" for p in permissions
        )


def _denials(terraform, settings) -> dict[str, list[dict]]:
    """Per CI identity, the deny rules that name it."""
    from gcp_stacks.delivery import deny_policy_parent

    (policy,) = resources(terraform, "google_iam_deny_policy")
    assert policy["parent"] == deny_policy_parent(settings)
    assert policy["parent"] == f"cloudresourcemanager.googleapis.com%2Fprojects%2F{settings.gcp.project_id}"
    denials: dict[str, list[dict]] = {kind: [] for kind in gcp_kinds(settings)}
    for kind in gcp_kinds(settings):
        email = reference(terraform, "google_service_account", "email", account_id=gcp_account_id(settings, kind))
        principal = f"principal://iam.googleapis.com/projects/-/serviceAccounts/{email}"
        denials[kind] = [
            rule["deny_rule"] for rule in policy["rules"] if principal in rule["deny_rule"]["denied_principals"]
        ]
    return denials


@pytest.mark.parametrize("environment", ALL)
def test_no_ci_identity_can_read_a_secret_value_even_through_iam_it_may_set(gcp_stacks, environment):
    """The deploy identity sets IAM on secrets (the data stack's readers), so it could grant itself
    secretAccessor: a deny policy, which outranks every allow, takes versions.access from every CI identity."""
    from gcp_stacks.delivery import ALERT_TOKEN_READERS, CUSTOM_ROLES, SECRET_VALUE_PERMISSION

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    assert "secretmanager.secrets.setIamPolicy" in CUSTOM_ROLES["deploy"]  # the path the deny policy closes
    denials = _denials(terraform, settings)
    (tag_value,) = resources(terraform, "google_tags_tag_value")
    key = reference(terraform, "google_tags_tag_key", "id")
    value = reference(terraform, "google_tags_tag_value", "id")
    for kind in gcp_kinds(settings):
        (rule,) = denials[kind]
        assert rule["denied_permissions"] == [SECRET_VALUE_PERMISSION]
        assert not rule.get("exception_principals") and not rule.get("exception_permissions")
        if kind in ALERT_TOKEN_READERS:  # every secret but those the operator tagged as alert channel tokens
            assert rule["denial_condition"]["expression"] == f"!resource.matchTagId('{key}', '{value}')"
        else:  # releases: every secret, unconditionally
            assert "denial_condition" not in rule
    assert tag_value["parent"] == key
    assert set(ALERT_TOKEN_READERS) < set(KINDS) and "release" not in ALERT_TOKEN_READERS


@pytest.mark.parametrize("environment", ALL)
def test_no_ci_identity_can_bind_the_tag_that_exempts_a_secret(gcp_stacks, environment):
    """The exemption rests on a tag: binding it needs resourcemanager.tagValueBindings.create (tagUser, tagAdmin)
    and the secret's createTagBinding, which no CI identity holds."""
    from gcp_stacks.delivery import CUSTOM_ROLES, JOB_ROLES

    terraform = _delivery(gcp_stacks, environment)
    roles = {role for roles in JOB_ROLES.values() for role in roles}
    roles |= {grant["role"] for grant in resources(terraform, "google_project_iam_member")}
    assert not [role for role in roles if role.startswith("roles/resourcemanager.tag")]
    for permissions in CUSTOM_ROLES.values():
        assert not [p for p in permissions if "tag" in p.lower()]
    for type_name in ("google_tags_tag_key_iam_member", "google_tags_tag_value_iam_member"):
        assert not resources(terraform, type_name)


@pytest.mark.parametrize("environment", ALL)
def test_actions_are_listed_without_wildcards(gcp_stacks, environment):
    from gcp_stacks.delivery import PLAN_ROLES

    for custom in resources(_delivery(gcp_stacks, environment), "google_project_iam_custom_role"):
        assert not [p for p in custom["permissions"] if "*" in p]
    assert not BASIC_ROLES & set(PLAN_ROLES)


@pytest.mark.parametrize("environment", ALL)
def test_the_drift_identity_reads_what_a_plan_reads_and_trusts_only_the_scheduled_workflow(gcp_stacks, environment):
    from gcp_stacks.delivery import CUSTOM_ROLES

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    members = _members(terraform, settings)

    def roles(kind: str) -> list[str]:
        """Predefined roles (with their condition's title), and `custom` for the kind's one custom role."""
        found = []
        for grant in resources(terraform, "google_project_iam_member"):
            if grant["member"] == members[kind]:
                role = "custom" if grant["role"].startswith("${google_project_iam_custom_role.") else grant["role"]
                found.append(role + (f" if {grant['condition']['title']}" if "condition" in grant else ""))
        return sorted(found)

    assert roles("drift") == roles("plan") and roles("drift").count("custom") == 1
    assert not {role for role in roles("drift") if role.split(" ")[0] in BASIC_ROLES | TRUST_CHANGING_ROLES}
    assert CUSTOM_ROLES["drift"] == CUSTOM_ROLES["plan"]
    assert subject(settings, "drift").endswith(
        f":ref:refs/heads/{settings.delivery.branch}:workflow_ref:{settings.github.full_name}"
        f"/.github/workflows/drift.yml@refs/heads/{settings.delivery.branch}"
    )
    (provider,) = resources(terraform, "google_iam_workload_identity_pool_provider")
    assert (
        f"assertion.sub == '{subject(settings, 'drift')}' ? 'drift'"
        in provider["attribute_mapping"]["attribute.delivery"]
    )


def test_the_readme_trust_matrix_matches_the_terraform(gcp_stacks):
    readme = (ROOT / "README.md").read_text()
    found = section(readme, "trust-matrix-gcp")
    assert found is not None, "README.md lacks the generated:trust-matrix-gcp markers"
    assert found == gcp_table(gcp_stacks), "README's GCP trust matrix drifted: run `make docs`"


@pytest.mark.parametrize("environment", ALL)
def test_the_drill_identity_exists_where_settings_drill_and_changes_only_its_two_instances(gcp_stacks, environment):
    """drill.yml's gcp job: describe any instance and read the replica lag; fail over only the primary; create,
    promote and delete only the rehearsal replica; nothing on IAM, service accounts or secrets."""
    from gcp_stacks.delivery import DRILL_FAILOVER, DRILL_REHEARSAL, SECRET_VALUE_PERMISSION, sql_instance_condition
    from gcp_stacks.names import drill_sql_instance_name, sql_instance_name, standby_sql_instance_name

    settings = load_settings(environment)
    terraform = _delivery(gcp_stacks, environment)
    members = _members(terraform, settings)
    assert ("drill" in members) == settings.recovery.drills
    if not settings.recovery.drills:
        return
    assert subject(settings, "drill").endswith(f"/.github/workflows/drill.yml@refs/heads/{settings.delivery.branch}")
    assert f":environment:{settings.github.environment}:" in subject(settings, "drill")
    (provider,) = resources(terraform, "google_iam_workload_identity_pool_provider")
    assert f"'{subject(settings, 'drill')}' ? 'drill'" in provider["attribute_mapping"]["attribute.delivery"]
    custom = {
        "${google_project_iam_custom_role." + logical + ".name}": body
        for logical, body in terraform["resource"]["google_project_iam_custom_role"].items()
    }
    grants = {}
    for grant in resources(terraform, "google_project_iam_member"):
        if grant["member"] == members["drill"]:
            assert grant["role"] in custom, f"the drill holds a predefined role: {grant['role']}"
            grants[tuple(sorted(custom[grant["role"]]["permissions"]))] = grant.get("condition", {}).get("expression")
    primary, rehearsal = sql_instance_name(settings), drill_sql_instance_name(settings)
    assert grants == {
        ("cloudsql.instances.get", "monitoring.timeSeries.list"): None,
        tuple(sorted(DRILL_FAILOVER)): sql_instance_condition(settings, primary),
        tuple(sorted(DRILL_REHEARSAL)): sql_instance_condition(settings, rehearsal),
    }
    # Neither condition reaches the standby replica a real failover promotes.
    standby = standby_sql_instance_name(settings)
    assert not [e for e in grants.values() if e and f"/instances/{standby}'" in e]
    assert "instances/" + rehearsal + "'" in sql_instance_condition(settings, rehearsal)
    # No impersonation grant names it, and the deny policy takes every secret value from it.
    for grant in resources(terraform, "google_service_account_iam_member"):
        assert grant["member"] != members["drill"]
    (rule,) = _denials(terraform, settings)["drill"]
    assert rule["denied_permissions"] == [SECRET_VALUE_PERMISSION] and "denial_condition" not in rule
