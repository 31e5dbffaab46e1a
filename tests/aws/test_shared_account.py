"""Two environments in one AWS account: every account-level singleton exists exactly once, and pages once.

Settings that pass the cross-environment check (shared/accounts.py): staging owns every account-level service, dev
owns none. Staging keeps its own settings, so its templates are the session's; dev is synthesized again in staging's
account.
"""

from __future__ import annotations

import json

import pytest

from aws_stacks.platform import add_environment, new_app, pin_availability_zones
from aws_stacks.selection import APP_CONTEXT
from shared import load_settings, replace_fields
from shared.accounts import ACCOUNT_SERVICES, account_service_problems
from tests.synth import cdk_json_context

# Resource types of which an account (and region) holds one, or which would page twice for one finding.
SINGLETONS = {
    "AWS::GuardDuty::Detector": "guardduty",
    "AWS::SecurityHub::Hub": "security_hub",
    "AWS::Config::ConfigurationRecorder": "config",
    "AWS::Config::DeliveryChannel": "config",
    "AWS::CloudTrail::Trail": "trail",
    "AWS::IAM::OIDCProvider": "github_oidc",
    "Custom::LogRetention": "rds_os_metrics",
}
FINDING_RULES = ("guardduty-findings", "securityhub-findings")


def _shared_account_settings():
    staging = load_settings("staging")
    dev = replace_fields(load_settings("dev"), {"aws.account_id": staging.aws.account_id, "account_services.owned": ()})
    return {"dev": dev, "staging": staging}


@pytest.fixture(scope="module")
def shared_account(aws, tmp_path_factory) -> dict[str, dict[str, dict]]:
    """Environment -> stack name -> template, for dev and staging in staging's account."""
    chosen = _shared_account_settings()
    assert chosen["staging"] == load_settings("staging")  # so the session's staging templates are staging's here
    # Without the cdk-nag packs (the main synth runs them on the same constructs): this checks counts only.
    app = new_app(context={**cdk_json_context(), **APP_CONTEXT}, outdir=str(tmp_path_factory.mktemp("shared")))
    pin_availability_zones(app, chosen["dev"])
    stacks = add_environment(app, chosen["dev"])
    assembly = app.synth()
    staging = chosen["staging"].prefix + "-"
    return {
        "dev": {stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks},
        "staging": {name: template for name, template in aws.templates.items() if name.startswith(staging)},
    }


def test_the_shared_account_settings_pass_the_cross_environment_check():
    assert list(account_service_problems(_shared_account_settings())) == []


def _count(templates: dict[str, dict], resource_type: str) -> int:
    return sum(
        1
        for template in templates.values()
        for resource in template["Resources"].values()
        if resource["Type"] == resource_type
    )


def test_each_singleton_exists_once_and_in_its_owner(shared_account):
    for resource_type in SINGLETONS:
        assert _count(shared_account["staging"], resource_type) == 1, resource_type
        assert _count(shared_account["dev"], resource_type) == 0, resource_type
    assert set(SINGLETONS.values()) == set(ACCOUNT_SERVICES)


def test_findings_page_once_per_account(shared_account):
    for environment, expected in (("staging", 1), ("dev", 0)):
        for rule in FINDING_RULES:
            names = [
                resource["Properties"]["Name"]
                for template in shared_account[environment].values()
                for resource in template["Resources"].values()
                if resource["Type"] == "AWS::Events::Rule" and resource["Properties"]["Name"].endswith(rule)
            ]
            assert len(names) == expected, (environment, rule)


def test_the_other_environment_trusts_the_owners_oidc_provider_by_arn(shared_account):
    settings = load_settings("staging")
    delivery = shared_account["dev"][f"{load_settings('dev').name('delivery')}"]
    provider = f":iam::{settings.aws.account_id}:oidc-provider/token.actions.githubusercontent.com"
    roles = [
        r
        for r in delivery["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and "AssumeRoleWithWebIdentity" in json.dumps(r["Properties"])
    ]
    # diff, deploy, release and drift: every GitHub role of the other environment.
    assert len(roles) == 4 and all(
        provider in json.dumps(role["Properties"]["AssumeRolePolicyDocument"]) for role in roles
    )


def test_both_environments_keep_what_is_their_own(shared_account):
    """Budgets, alarms and the data stack's resources are per environment: both have them."""
    for environment in ("dev", "staging"):
        assert _count(shared_account[environment], "AWS::Budgets::Budget") == 1
        assert _count(shared_account[environment], "AWS::RDS::DBInstance") >= 1
        assert _count(shared_account[environment], "AWS::Events::ApiDestination") == 2  # main region and edge
