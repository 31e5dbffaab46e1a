"""The GitHub Actions trust: each role answers one repository and one kind of job, and may do only its part."""

from __future__ import annotations

import json

import pytest

from aws_stacks.delivery import AWS_AUDIENCE
from aws_stacks.names import CDK_QUALIFIER
from shared.delivery import GITHUB_OIDC_HOST, GITHUB_OIDC_URL, subject
from shared.names import tag_parameter_name
from shared.stacks import aws_regions, aws_stack_regions
from tests.aws.helpers import only, resources, walk


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
    """What makes a role's trust wider than its one subject: exact, or StringLike only around a PR number."""
    found = []
    for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            found.append(f"action {statement['Action']}")
        conditions = statement.get("Condition", {})
        match = "StringLike" if "*" in expected_subject else "StringEquals"
        if set(conditions) - {"StringEquals", "StringLike"} or set(conditions.get("StringLike", {})) - {
            f"{GITHUB_OIDC_HOST}:sub"
        }:
            found.append(f"condition operators {sorted(conditions)}: only exact matches")
        if conditions.get(match, {}).get(f"{GITHUB_OIDC_HOST}:sub") != expected_subject:
            found.append(f"subject {conditions.get(match, {}).get(f'{GITHUB_OIDC_HOST}:sub')!r}")
        if conditions.get("StringEquals", {}).get(f"{GITHUB_OIDC_HOST}:aud") != AWS_AUDIENCE:
            found.append("audience not pinned")
    return found


def test_the_provider_is_github_actions_for_sts_only(aws, settings):
    provider = only(resources(aws, settings, "delivery", "AWS::IAM::OIDCProvider"))["Properties"]
    assert provider["Url"] == GITHUB_OIDC_URL
    assert provider["ClientIdList"] == [AWS_AUDIENCE]


@pytest.mark.parametrize("kind", ["diff", "deploy", "release"])
def test_each_role_trusts_only_its_own_subject(aws, settings, kind):
    assert trust_problems(_role(aws, settings, kind), subject(settings, kind)) == []


def test_subjects_pin_repository_id_workflow_and_branch(settings):
    github = settings.github
    for kind, workflow in (("deploy", "deploy.yml"), ("release", "release.yml")):
        sub = subject(settings, kind)
        assert sub.startswith(f"repository_id:{github.repository_id}:environment:")
        assert sub.endswith(f":workflow_ref:{github.full_name}/.github/workflows/{workflow}@refs/heads/main")
    assert subject(settings, "deploy") != subject(settings, "release")
    plan = subject(settings, "diff")
    if settings.delivery.pull_request_plans:
        assert plan.endswith("/pull-request.yml@refs/pull/*/merge") and ":pull_request:" in plan
    else:
        assert plan == (
            f"repository_id:{github.repository_id}:ref:refs/heads/main:workflow_ref:"
            f"{github.full_name}/.github/workflows/deploy.yml@refs/heads/main"
        )


def test_trust_check_rejects_wildcard_subjects_and_other_repositories():
    role = {
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AWS_AUDIENCE},
                            "StringLike": {f"{GITHUB_OIDC_HOST}:sub": "repository_id:*"},
                        },
                    }
                ]
            }
        }
    }
    found = trust_problems(role, "repository_id:1:environment:production:workflow_ref:o/r/.github/workflows/d.yml@x")
    assert any("subject None" in problem for problem in found)
    role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["ForAnyValue:StringLike"] = {}
    assert any("only exact matches" in problem for problem in trust_problems(role, "x"))


def test_the_diff_role_reads_the_environments_stack_templates_and_nothing_else(aws, settings):
    account = settings.aws.account_id
    (statement,) = _policy_statements(aws, settings, "diff")
    assert statement["Action"] == ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"]
    assert sorted(_arns(statement["Resource"])) == sorted(
        f"arn:aws:cloudformation:{region}:{account}:stack/{name}/*"
        for name, region in aws_stack_regions(settings).items()
        if name != settings.name("delivery")
    )


def _candidate_check(settings) -> dict[str, list[str]]:
    """ops/rollout.py's ECS calls, on the primary's cluster only (the standby's services do not pause)."""
    cluster = f"arn:aws:ecs:{settings.aws.region}:{settings.aws.account_id}:%s/{settings.name('cluster')}/*"
    return {
        "ecs:ListServiceDeployments": [cluster % "service"],
        "ecs:DescribeServiceDeployments": [cluster % "service-deployment"],
        "ecs:ContinueServiceDeployment": [cluster % "service-deployment"],
    }


def test_the_deploy_role_may_only_assume_the_cdk_bootstrap_roles(aws, settings):
    """And decide the blue/green deployments its stack updates start (issue 20): the candidate check's ECS calls,
    nothing else outside the bootstrap roles."""
    account = settings.aws.account_id
    statements = _policy_statements(aws, settings, "deploy")
    (statement,) = [s for s in statements if "sts:AssumeRole" in _actions(s)]
    ecs = {action: _arns(s["Resource"]) for s in statements if s is not statement for action in _actions(s)}
    assert ecs == _candidate_check(settings)
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    for arn in _arns(statement["Resource"]):
        assert arn.startswith(f"arn:aws:iam::{account}:role/cdk-{CDK_QUALIFIER}-")
        assert arn.endswith(tuple(f"-{account}-{region}" for region in aws_regions(settings)))
    if settings.resilience.copy_backups_to_recovery_region:  # the recovery stack deploys there too
        assert any(arn.endswith(f"-{settings.aws.recovery_region}") for arn in _arns(statement["Resource"]))


def test_the_release_role_pushes_records_tags_and_updates_compute_through_its_execution_role_only(aws, settings):
    statements = _policy_statements(aws, settings, "release")
    actions = {action for statement in statements for action in _actions(statement)}
    assert not any(action.endswith("*") for action in actions)
    by_action = {action: statement for statement in statements for action in _actions(statement)}
    account, region = settings.aws.account_id, settings.aws.region
    assert sorted(_arns(by_action["ecr:PutImage"]["Resource"])) == sorted(
        f"arn:aws:ecr:{region}:{account}:repository/{settings.name(image)}" for image in ("api", "web")
    )
    # No CDK bootstrap role: nothing it does reaches another stack or IAM.
    assert "sts:AssumeRole" not in actions
    assert {action for action in actions if action.startswith("iam:")} == {"iam:PassRole"}
    # ECS only to find, continue or roll back the environment's paused blue/green deployments.
    assert {action: _arns(by_action[action]["Resource"]) for action in actions if action.startswith("ecs:")} == (
        _candidate_check(settings)
    )
    # The standby (issue 19): its tag parameters and its stack, in its region; its images only looked at.
    regions = [region, *([settings.aws.recovery_region] if settings.recovery.has_standby else [])]
    assert sorted(_arns(by_action["ssm:PutParameter"]["Resource"])) == sorted(
        f"arn:aws:ssm:{where}:{account}:parameter{tag_parameter_name(settings, image)}"
        for where in regions
        for image in ("api", "web")
    )
    replicas = [s for s in statements if _actions(s) == ["ecr:DescribeImages"]]
    assert sorted(arn for s in replicas for arn in _arns(s["Resource"])) == sorted(
        f"arn:aws:ecr:{where}:{account}:repository/{settings.name(image)}"
        for where in regions[1:]
        for image in ("api", "web")
    )
    update = by_action["cloudformation:UpdateStack"]
    assert _arns(update["Resource"]) == [
        f"arn:aws:cloudformation:{region}:{account}:stack/{settings.name('compute')}/*",
        *(f"arn:aws:cloudformation:{where}:{account}:stack/{settings.name('standby')}/*" for where in regions[1:]),
    ]
    execution_role = update["Condition"]["StringEquals"]["cloudformation:RoleArn"]
    assert by_action["iam:PassRole"]["Resource"] == execution_role
    assert by_action["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }


def test_the_release_execution_role_only_rolls_the_compute_services(aws, settings):
    roles = resources(aws, settings, "delivery", "AWS::IAM::Role")
    (role,) = [r for r in roles.values() if r["Properties"]["RoleName"] == settings.name("release-execution")]
    (principal,) = [s["Principal"] for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]]
    assert principal == {"Service": "cloudformation.amazonaws.com"}
    policies = resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy")
    (policy,) = [
        p for p in policies.values() if p["Properties"]["ManagedPolicyName"] == settings.name("release-execution")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {action for statement in statements for action in _actions(statement)}
    assert actions == {
        "ecs:DeregisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
        "ecs:DescribeServices",
        "ecs:UpdateService",
        "ssm:GetParameters",
        "cloudformation:DescribeStacks",
        "iam:PassRole",
    }
    (describe,) = [s for s in statements if "cloudformation:DescribeStacks" in _actions(s)]
    assert _actions(describe) == ["cloudformation:DescribeStacks"] and "Condition" not in describe
    passes = {
        s["Condition"]["StringEquals"]["iam:PassedToService"]: _arns(s["Resource"])
        for s in statements
        if "iam:PassRole" in _actions(s)
    }
    account = settings.aws.account_id
    standby = settings.recovery.has_standby
    recovery = [settings.aws.recovery_region] if standby else []
    assert passes == {
        "ecs-tasks.amazonaws.com": [
            f"arn:aws:iam::{account}:role/{settings.name(stack)}-*"
            for stack in ("compute", *(["standby"] if standby else []))
        ],
        # The service's blue/green configuration names the role ECS shifts listener rules with: only those.
        "ecs.amazonaws.com": [
            f"arn:aws:iam::{account}:role/{settings.name('ecs-load-balancers')}{suffix}"
            for suffix in ("", *(f"-{where}" for where in recovery))
        ],
    }
    (services,) = [s for s in statements if "ecs:UpdateService" in _actions(s)]
    assert _arns(services["Resource"]) == [
        f"arn:aws:ecs:{where}:{account}:service/{settings.name('cluster')}/*"
        for where in (settings.aws.region, *recovery)
    ]


def test_releases_may_resolve_the_weak_references_of_the_stacks_they_update(aws, settings):
    """A release updates compute (and the standby) with the release execution role, and CloudFormation resolves each
    `Fn::GetStackOutput` of those templates at that update with the stack's execution role (CloudFormation Template
    Reference, Fn::GetStackOutput, RoleArn): the role must describe every stack they read, and no other."""
    released = [settings.name("compute"), *([settings.name("standby")] if settings.recovery.has_standby else [])]
    read = {
        (node["StackName"], node["Region"])
        for name in released
        for path, node in walk(aws.templates[name])
        if path and path[-1] == "Fn::GetStackOutput"
    }
    assert read, "the released stacks read no other stack's outputs: this test would prove nothing"
    policies = resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy")
    (policy,) = [
        p for p in policies.values() if p["Properties"]["ManagedPolicyName"] == settings.name("release-execution")
    ]
    (describe,) = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "cloudformation:DescribeStacks" in _actions(s)
    ]
    assert sorted(_arns(describe["Resource"])) == sorted(
        f"arn:aws:cloudformation:{region}:{settings.aws.account_id}:stack/{name}/*" for name, region in read
    )


def test_deploys_may_read_the_released_tags_they_resolve(aws, settings):
    """CloudFormation resolves the compute stack's SSM-typed parameters with the deploying role's permissions;
    the grant lives in the operator's delivery stack, since CI deploys cannot change the bootstrap roles."""
    # No data-stack policy attaches to a role by name (a role of another stack, such as a bootstrap role).
    assert not [
        role
        for p in resources(aws, settings, "data", "AWS::IAM::ManagedPolicy").values()
        for role in p["Properties"].get("Roles", [])
        if isinstance(role, str)
    ]
    (policy,) = [
        resource["Properties"]
        for resource in resources(aws, settings, "delivery", "AWS::IAM::ManagedPolicy").values()
        if resource["Properties"].get("ManagedPolicyName") == settings.name("cdk-released-tags-read")
    ]
    account = settings.aws.account_id
    # The standby stack resolves its own region's tag parameters, deployed by that region's bootstrap deploy role.
    regions = [settings.aws.region, *([settings.aws.recovery_region] if settings.recovery.has_standby else [])]
    assert policy["Roles"] == [f"cdk-{CDK_QUALIFIER}-deploy-role-{account}-{region}" for region in regions]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ssm:GetParameters"
    assert sorted(_arns(statement["Resource"])) == sorted(
        f"arn:aws:ssm:{region}:{account}:parameter{tag_parameter_name(settings, image)}"
        for region in regions
        for image in ("api", "web")
    )


def test_no_delivery_policy_is_inline(aws, settings):
    assert resources(aws, settings, "delivery", "AWS::IAM::Policy") == {}
    for role in resources(aws, settings, "delivery", "AWS::IAM::Role").values():
        assert "Policies" not in role["Properties"]


def test_the_delivery_stack_needs_no_bootstrap(aws, settings):
    """Deployed with the operator's credentials before `cdk bootstrap` names its policies: no bootstrap version
    check, no assets, and a template the CLI passes inline (at most 50 KiB)."""
    template = aws.templates[settings.name("delivery")]
    assert "BootstrapVersion" not in template.get("Parameters", {})
    assert len(json.dumps(template)) < 50 * 1024


def test_the_drill_identity_exists_where_settings_drill_and_only_starts_their_drills(aws, settings):
    from shared.names import aws_role_name

    roles = {
        r["Properties"]["RoleName"]: r
        for r in aws.templates[settings.name("delivery")]["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and isinstance(r["Properties"].get("RoleName"), str)
    }
    name = aws_role_name(settings, "drill")
    assert (name in roles) == settings.recovery.drills
    if not settings.recovery.drills:
        return
    assert subject(settings, "drill") in json.dumps(roles[name]["Properties"]["AssumeRolePolicyDocument"])
    assert subject(settings, "drill").endswith("/.github/workflows/drill.yml@refs/heads/main")
    assert len({subject(settings, kind) for kind in ("diff", "deploy", "release", "drill")}) == 4
    statements = _policy_statements(aws, settings, "drill")
    start = next(s for s in statements if ":experiment-template/*" in json.dumps(s["Resource"]))
    assert start["Condition"] == {"StringLike": {"aws:ResourceTag/Name": f"{settings.prefix}-drill-*"}}
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions <= {
        "fis:StartExperiment", "fis:GetExperiment", "fis:TagResource", "fis:ListExperimentTemplates",
        "cloudwatch:GetMetricStatistics",
    }  # fmt: skip
