"""The GitHub Actions trust: each role answers one repository and one kind of job, and may do only its part."""

from __future__ import annotations

import pytest

from aws_stacks.bootstrap import CDK_QUALIFIER
from aws_stacks.delivery import AWS_AUDIENCE
from shared.delivery import GITHUB_OIDC_HOST, GITHUB_OIDC_URL
from shared.release import release_path, tag_parameter_name
from shared.stacks import aws_regions
from tests.aws.helpers import only, resources


def _role(aws, settings, kind: str) -> dict:
    roles = resources(aws, settings, "delivery", "AWS::IAM::Role")
    return only(
        {key: role for key, role in roles.items() if role["Properties"]["RoleName"] == settings.name(f"github-{kind}")}
    )


def _policy_statements(aws, settings, kind: str) -> list[dict]:
    policies = resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy")
    policy = only(
        {
            key: p
            for key, p in policies.items()
            if p["Properties"]["ManagedPolicyName"] == settings.name(f"github-{kind}")
        }
    )
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _arns(resource) -> list[str]:
    """Resource ARNs with CDK's `arn:${AWS::Partition}:` join flattened to `arn:aws:`."""
    items = resource if isinstance(resource, list) else [resource]
    flat = []
    for item in items:
        if isinstance(item, dict):
            parts = item["Fn::Join"][1]
            flat.append("".join("aws" if isinstance(part, dict) else part for part in parts))
        else:
            flat.append(item)
    return flat


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def trust_problems(role: dict, expected_subject: str) -> list[str]:
    """What makes a role's trust wider than one repository's one kind of job."""
    found = []
    for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            found.append(f"action {statement['Action']}")
        conditions = statement.get("Condition", {})
        if set(conditions) != {"StringEquals"}:
            found.append(f"condition operators {sorted(conditions)}: only exact matches")
        exact = conditions.get("StringEquals", {})
        if exact.get(f"{GITHUB_OIDC_HOST}:sub") != expected_subject:
            found.append(f"subject {exact.get(f'{GITHUB_OIDC_HOST}:sub')!r}")
        if exact.get(f"{GITHUB_OIDC_HOST}:aud") != AWS_AUDIENCE:
            found.append("audience not pinned")
    return found


def test_the_provider_is_github_actions_for_sts_only(aws, settings):
    provider = only(resources(aws, settings, "delivery", "AWS::IAM::OIDCProvider"))["Properties"]
    assert provider["Url"] == GITHUB_OIDC_URL
    assert provider["ClientIdList"] == [AWS_AUDIENCE]


@pytest.mark.parametrize(
    ("kind", "job"), [("diff", "pull_request"), ("deploy", "environment"), ("release", "environment")]
)
def test_each_role_trusts_only_its_repository_and_job(aws, settings, kind, job):
    github = settings.github
    expected = (
        f"repo:{github.owner}/{github.repository}:environment:{github.environment}"
        if job == "environment"
        else f"repo:{github.owner}/{github.repository}:pull_request"
    )
    assert trust_problems(_role(aws, settings, kind), expected) == []


def test_trust_check_rejects_wildcard_subjects_and_other_repositories():
    role = {
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AWS_AUDIENCE},
                            "StringLike": {f"{GITHUB_OIDC_HOST}:sub": "repo:bookedbarber/*"},
                        },
                    }
                ]
            }
        }
    }
    found = trust_problems(role, "repo:bookedbarber/bookedbarber-infra:pull_request")
    assert any("only exact matches" in problem for problem in found)
    assert any("subject None" in problem for problem in found)


def test_the_diff_role_may_only_assume_the_read_only_lookup_roles(aws, settings):
    account = settings.aws.account_id
    (statement,) = _policy_statements(aws, settings, "diff")
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert sorted(_arns(statement["Resource"])) == sorted(
        f"arn:aws:iam::{account}:role/cdk-{CDK_QUALIFIER}-lookup-role-{account}-{region}"
        for region in aws_regions(settings)
    )


def test_the_deploy_role_may_only_assume_the_cdk_bootstrap_roles(aws, settings):
    account = settings.aws.account_id
    (statement,) = _policy_statements(aws, settings, "deploy")
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    for arn in _arns(statement["Resource"]):
        assert arn.startswith(f"arn:aws:iam::{account}:role/cdk-{CDK_QUALIFIER}-")
        assert arn.endswith(tuple(f"-{account}-{region}" for region in aws_regions(settings)))
    if settings.resilience.copy_backups_to_recovery_region:  # the recovery stack deploys there too
        assert any(arn.endswith(f"-{settings.aws.recovery_region}") for arn in _arns(statement["Resource"]))


def test_the_release_role_pushes_to_this_environments_repositories_and_parameters_only(aws, settings):
    statements = _policy_statements(aws, settings, "release")
    actions = {action for statement in statements for action in _actions(statement)}
    assert not any(action.endswith("*") for action in actions)
    assert not {"ecr:DeleteRepository", "ssm:DeleteParameter", "iam:CreateRole"} & actions
    by_action = {action: statement for statement in statements for action in _actions(statement)}
    assert sorted(_arns(by_action["ecr:PutImage"]["Resource"])) == sorted(
        f"arn:aws:ecr:{settings.aws.region}:{settings.aws.account_id}:repository/{settings.name(image)}"
        for image in ("api", "web")
    )
    assert _arns(by_action["ssm:PutParameter"]["Resource"]) == [
        f"arn:aws:ssm:{settings.aws.region}:{settings.aws.account_id}:parameter{release_path(settings)}/*"
    ]
    # A release redeploys the compute stack through the main region's CDK bootstrap roles; CloudFormation's
    # execution role rolls the services, so the release role itself touches no ECS service or IAM role.
    assert not {action for action in actions if action.startswith(("ecs:", "iam:"))}
    account, region = settings.aws.account_id, settings.aws.region
    assert sorted(_arns(by_action["sts:AssumeRole"]["Resource"])) == sorted(
        f"arn:aws:iam::{account}:role/cdk-{CDK_QUALIFIER}-{kind}-role-{account}-{region}"
        for kind in ("deploy", "file-publishing", "lookup")
    )


def test_deploys_may_read_the_released_tags_they_resolve(aws, settings):
    """CloudFormation resolves the compute stack's SSM-typed parameters with the deploying role's permissions."""
    (policy,) = [
        resource["Properties"]
        for resource in resources(aws, settings, "data", "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"].get("ManagedPolicyName") == settings.name("released-tags-read")
    ]
    region, account = settings.aws.region, settings.aws.account_id
    assert policy["Roles"] == [f"cdk-{CDK_QUALIFIER}-deploy-role-{account}-{region}"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ssm:GetParameters"
    assert sorted(_arns(statement["Resource"])) == sorted(
        f"arn:aws:ssm:{region}:{account}:parameter{tag_parameter_name(settings, image)}" for image in ("api", "web")
    )


def test_no_delivery_policy_is_inline(aws, settings):
    assert resources(aws, settings, "delivery", "AWS::IAM::Policy") == {}
    for role in resources(aws, settings, "delivery", "AWS::IAM::Role").values():
        assert "Policies" not in role["Properties"]
