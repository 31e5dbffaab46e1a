"""The AWS trust matrix, read as an attacker would: who can become each CI identity, and what it can reach."""

from __future__ import annotations

import fnmatch
import re

import pytest

from aws_stacks.deploy_policy import IAM_READ_ACTIONS, PLATFORM_SERVICES, service_actions
from aws_stacks.drift import DATA_READ_ACTIONS, DRIFT_ACTIONS, read_actions
from reports.readme_sections import section
from reports.trust_matrix import aws_table
from shared import ENVIRONMENTS, load_settings
from shared.delivery import GITHUB_OIDC_HOST, subject
from shared.names import aws_release_execution_role_name
from tests.aws.helpers import resources
from tests.synth import ROOT

GITHUB_KINDS = ("diff", "deploy", "release", "drift")


def _statements(document: dict) -> list[dict]:
    return document["Statement"]


def _actions(statement: dict) -> list[str]:
    action = statement.get("Action", [])
    return action if isinstance(action, list) else [action]


def _flat(resource) -> list[str]:
    items = resource if isinstance(resource, list) else [resource]
    return [
        "".join("aws" if isinstance(p, dict) else p for p in item["Fn::Join"][1]) if isinstance(item, dict) else item
        for item in items
    ]


def _roles(aws, settings) -> dict[str, dict]:
    return {r["Properties"]["RoleName"]: r for r in resources(aws, settings, "delivery", "AWS::IAM::Role").values()}


def _policies(aws, settings) -> dict[str, dict]:
    found = resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy").values()
    return {p["Properties"]["ManagedPolicyName"]: p["Properties"] for p in found}


def _role_statements(aws, settings, role_name: str) -> list[dict]:
    roles = resources(aws, settings, "delivery", "AWS::IAM::Role")
    (logical,) = [key for key, role in roles.items() if role["Properties"]["RoleName"] == role_name]
    return [
        statement
        for policy in _policies(aws, settings).values()
        if {"Ref": logical} in policy.get("Roles", [])
        for statement in _statements(policy["PolicyDocument"])
    ]


def _subjects(role: dict) -> list[str]:
    return [
        value
        for statement in _statements(role["Properties"]["AssumeRolePolicyDocument"])
        for conditions in statement.get("Condition", {}).values()
        for key, value in conditions.items()
        if key == f"{GITHUB_OIDC_HOST}:sub"
    ]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_pull_request_subject_reaches_production(aws, environment):
    settings = load_settings(environment)
    for kind in GITHUB_KINDS:
        for sub in _subjects(_roles(aws, settings)[settings.name(f"github-{kind}")]):
            from_pull_requests = ":pull_request:" in sub
            assert not (from_pull_requests and (kind != "diff" or not settings.delivery.pull_request_plans)), sub
    if environment == "production":
        assert not settings.delivery.pull_request_plans


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_identity_can_become_another(aws, environment):
    """Each role trusts only GitHub's OIDC provider with its own subject; no CI role may assume another CI role."""
    settings = load_settings(environment)
    roles = _roles(aws, settings)
    subjects = [subject(settings, kind) for kind in GITHUB_KINDS]
    assert len(set(subjects)) == len(subjects)
    for kind in GITHUB_KINDS:
        role = roles[settings.name(f"github-{kind}")]
        for statement in _statements(role["Properties"]["AssumeRolePolicyDocument"]):
            assert set(statement["Principal"]) == {"Federated"}
        assert _subjects(role) == [subject(settings, kind)]
        for statement in _role_statements(aws, settings, settings.name(f"github-{kind}")):
            if "sts:AssumeRole" in _actions(statement):
                assert all(":role/cdk-" in arn for arn in _flat(statement["Resource"])), kind
            # A wildcard in another role's subject would be the way in: there is none outside a PR number.
    for sub in subjects:
        assert sub.count("*") <= 1 and ("*" not in sub or sub.endswith("@refs/pull/*/merge"))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_ci_identity_can_change_iam_on_the_trust_or_the_bootstrap(aws, environment):
    settings = load_settings(environment)
    account, prefix = settings.aws.account_id, settings.prefix
    for kind in GITHUB_KINDS:
        for statement in _role_statements(aws, settings, settings.name(f"github-{kind}")):
            iam = [action for action in _actions(statement) if action.startswith("iam:")]
            if kind == "drift" and statement["Effect"] == "Allow":  # reads the platform's roles to compare them
                assert set(iam) <= {"iam:Describe*", "iam:Get*", "iam:List*"}, iam
                continue
            assert iam in ([], ["iam:PassRole"]) or statement["Effect"] == "Deny", kind
            if iam:
                assert statement["Resource"] == {"Fn::GetAtt": [statement["Resource"]["Fn::GetAtt"][0], "Arn"]}
    # Deploys act through CloudFormation's execution role: its policy and boundary deny every non-read action
    # on the trust and the bootstrap roles, and refuse roles without the boundary.
    protected = {
        f"arn:aws:iam::{account}:role/{prefix}-github-*",
        f"arn:aws:iam::{account}:role/{prefix}-release-execution",
        f"arn:aws:iam::{account}:policy/{prefix}-cdk-*",
        f"arn:aws:iam::{account}:role/cdk-*",
    }
    policies = _policies(aws, settings)
    for name in (settings.name("cdk-execution"), settings.name("cdk-boundary")):
        statements = _statements(policies[name]["PolicyDocument"])
        (deny,) = [s for s in statements if s.get("Sid") == "DeliveryTrustIsReadOnly"]
        assert deny["Effect"] == "Deny" and deny["NotAction"] == list(IAM_READ_ACTIONS)
        assert protected <= set(_flat(deny["Resource"])), name
        (bounded,) = [s for s in statements if s.get("Sid") == "NewRolesCarryTheBoundary"]
        assert _flat(bounded["Condition"]["StringNotEquals"]["iam:PermissionsBoundary"]) == [
            f"arn:aws:iam::{account}:policy/{settings.name('cdk-boundary')}"
        ]
    # Every role the platform's stacks create carries the boundary.
    for component in ("network", "data", "compute", "edge", "compliance", "observability", "edge-observability"):
        for logical, role in resources(aws, settings, component, "AWS::IAM::Role").items():
            assert "PermissionsBoundary" in role["Properties"], f"{component}/{logical}"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_actions_are_listed_without_unjustified_wildcards(aws, environment):
    """CI roles list every action. The execution policy's wildcards are one per service the platform's stacks
    create resources in (and IAM reads); a stack using a new service fails here until PLATFORM_SERVICES has it."""
    settings = load_settings(environment)
    for kind in GITHUB_KINDS:
        for statement in _role_statements(aws, settings, settings.name(f"github-{kind}")):
            wildcards = {a for a in _actions(statement) if "*" in a}
            if kind == "drift":
                # Drift detection reads every resource of the stacks: one read wildcard per verb per service.
                assert wildcards <= set(read_actions()), wildcards - set(read_actions())
                continue
            assert not wildcards, kind
    execution = _statements(_policies(aws, settings)[settings.name("cdk-execution")]["PolicyDocument"])
    allowed = {a for s in execution if s["Effect"] == "Allow" for a in _actions(s) if "*" in a}
    assert allowed == {*service_actions(), *IAM_READ_ACTIONS}
    assert not {"*", "iam:*", "sts:*", "organizations:*"} & allowed
    namespaces = {
        resource["Type"].split("::")[1]
        for name, template in aws.templates.items()
        if name.startswith(settings.prefix + "-") and not name.endswith("-delivery")
        for resource in template["Resources"].values()
        if resource["Type"].startswith("AWS::")
    }
    assert namespaces - {"IAM"} <= set(PLATFORM_SERVICES), namespaces - set(PLATFORM_SERVICES)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_ci_role_reads_a_secret_value_or_needs_one_to_reach_the_origin(aws, environment):
    """No GitHub role and no release execution role can read a secret value or decrypt: an allowed action that
    covers one (the drift role's `secretsmanager:Get*`) must meet an explicit deny of it on every resource; and
    since CloudFront reaches the internal ALB through a VPC origin, no secret exists whose value opens the origin
    (tests/aws/test_hardening.py proves no template holds one)."""
    settings = load_settings(environment)
    roles = [settings.name(f"github-{kind}") for kind in GITHUB_KINDS] + [aws_release_execution_role_name(settings)]
    for role_name in roles:
        statements = _role_statements(aws, settings, role_name)
        allowed = {a for s in statements if s.get("Effect", "Allow") == "Allow" for a in _actions(s)}
        denied = {a for s in statements if s.get("Effect") == "Deny" and s.get("Resource") == "*" for a in _actions(s)}
        for value_read in VALUE_READS:
            if any(fnmatch.fnmatchcase(value_read, pattern) for pattern in allowed):
                assert value_read in denied, f"{role_name} may {value_read}"
    for template in aws.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::SecretsManager::Secret":
                assert "origin" not in resource["Properties"].get("Name", ""), resource["Properties"]["Name"]


VALUE_READS = ("secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "kms:Decrypt")
READ = re.compile(r"^[a-z0-9-]+:(Describe|Get|List)[A-Za-z*]*$")


def writes(actions: list[str]) -> list[str]:
    """Actions that are neither configuration reads nor drift detection (which only compares)."""
    return [a for a in actions if not READ.match(a) and a not in DRIFT_ACTIONS and a != "budgets:ViewBudget"]


def test_the_write_check_catches_writes():
    assert writes(["s3:PutObject", "iam:CreateRole", "cloudformation:UpdateStack", "sns:Publish"]) == [
        "s3:PutObject",
        "iam:CreateRole",
        "cloudformation:UpdateStack",
        "sns:Publish",
    ]
    assert writes(["ec2:Describe*", "cloudformation:DetectStackDrift", "s3:GetBucketPolicy"]) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_drift_role_only_reads_and_trusts_only_the_scheduled_workflow_on_main(aws, environment):
    settings = load_settings(environment)
    role = _roles(aws, settings)[settings.name("github-drift")]
    (sub,) = _subjects(role)
    assert sub == subject(settings, "drift")
    assert sub.endswith(f":ref:refs/heads/{settings.delivery.branch}:workflow_ref:{settings.github.full_name}"
                        f"/.github/workflows/drift.yml@refs/heads/{settings.delivery.branch}")  # fmt: skip
    assert sub.startswith(f"repository_id:{settings.github.repository_id}:")
    statements = _role_statements(aws, settings, settings.name("github-drift"))
    allowed = [a for s in statements if s["Effect"] == "Allow" for a in _actions(s)]
    assert allowed and writes(allowed) == []
    assert "sts:AssumeRole" not in allowed
    # Reading data is refused even where a Get* would allow it.
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert set(_actions(deny)) == set(DATA_READ_ACTIONS) and deny["Resource"] == "*"
    assert {"s3:GetObject", "secretsmanager:GetSecretValue", "logs:GetLogEvents", "kms:Decrypt"} <= set(
        DATA_READ_ACTIONS
    )


def test_the_readme_trust_matrix_matches_the_templates(aws):
    readme = (ROOT / "README.md").read_text()
    found = section(readme, "trust-matrix-aws")
    assert found is not None, "README.md lacks the generated:trust-matrix-aws markers"
    assert found == aws_table(aws.templates), "README's AWS trust matrix drifted: run `make docs`"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_deploy_identity_decides_only_what_its_deploys_could_already_do(aws, environment):
    """Issue 20: the deploy identity continues or rolls back the blue/green deployments its stack updates start.
    It gains no power: through the bootstrap roles, CloudFormation's execution policy already lets every deploy
    update these services (UpdateService can start, replace or stop any deployment); continuing or rolling back one
    that waits is less, and the release identity holds the very same statements."""
    settings = load_settings(environment)
    deploy = _role_statements(aws, settings, settings.name("github-deploy"))
    direct = [(a, tuple(_flat(s["Resource"]))) for s in deploy for a in _actions(s) if not a.startswith("sts:")]
    assert {action for action, _ in direct} == {
        "ecs:ListServiceDeployments",
        "ecs:DescribeServiceDeployments",
        "ecs:ContinueServiceDeployment",
    }
    release = _role_statements(aws, settings, settings.name("github-release"))
    released = {(a, tuple(_flat(s["Resource"]))) for s in release for a in _actions(s) if a.startswith("ecs:")}
    assert set(direct) <= released
    # Only the environment's own cluster, in its primary region.
    cluster = f"arn:aws:ecs:{settings.aws.region}:{settings.aws.account_id}:"
    assert all(arn.startswith(cluster) and f"/{settings.name('cluster')}/" in arn for _, arns in direct for arn in arns)
    execution = _statements(_policies(aws, settings)[settings.name("cdk-execution")]["PolicyDocument"])
    allowed = [a for s in execution if s["Effect"] == "Allow" for a in _actions(s)]
    assert any(fnmatch.fnmatch("ecs:UpdateService", pattern) for pattern in allowed)
