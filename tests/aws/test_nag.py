"""cdk-nag: no unacknowledged finding anywhere, and acknowledgements provably silence only their rule."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from aws_stacks.delivery import release_parameter_prefix
from aws_stacks.nag import PACK, acknowledge, register_checks, rule_id
from shared import ENVIRONMENTS, load_settings
from tests.synth import REPORT_INSTEAD_OF_FAILING, cdk_json_context


def _violations(report: dict) -> list[tuple[str, str]]:
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def _suppressed(report: dict, plugin_name: str) -> list[tuple[str, str]]:
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == plugin_name
        for violation in plugin["suppressedViolations"]
        for construct in violation["violatingConstructs"]
    ]


def test_every_environment_has_zero_unacknowledged_findings(aws):
    assert aws.validation_report is not None, "the validation report is missing: did the nag pack run?"
    assert _violations(aws.validation_report) == []


def test_the_aws_solutions_pack_ran_on_every_stack(aws):
    plugins = {plugin["pluginName"]: plugin for plugin in aws.validation_report["pluginReports"]}
    assert plugins[PACK]["conclusion"] == "success"
    stacks_with_acknowledgements = {path.split("/")[0] for _, path in _suppressed(aws.validation_report, PACK)}
    # Every data and compute stack carries acknowledged findings, so the pack looked at them.
    assert {name for name in aws.templates if name.endswith(("-data", "-compute"))} <= stacks_with_acknowledgements


def test_acknowledgements_sit_on_resources_not_stacks(aws):
    for rule, path in _suppressed(aws.validation_report, PACK):
        assert path.count("/") >= 2, f"{rule} acknowledged too broadly at {path}"


# Every acknowledged finding, as (rule, component/construct): adding one must be a visible change here.
ACKNOWLEDGED_EVERYWHERE = {
    ("AEC5", "data/SessionCache/ReplicationGroup"),
    ("CFR1", "edge/Cdn/Distribution"),
    ("ECS2", "compute/ApiService/TaskDefinition"),
    ("ECS2", "compute/WebService/TaskDefinition"),
    (
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
        "data/Database/MonitoringRole",
    ),
    ("IAM5[Resource::*]", "compute/ApiService/TaskDefinition/ExecutionRole"),
    ("IAM5[Resource::*]", "compute/ApiService/TaskDefinition/TaskRole"),
    ("IAM5[Resource::*]", "compute/WebService/TaskDefinition/ExecutionRole"),
    ("IAM5[Resource::*]", "compute/WebService/TaskDefinition/TaskRole"),
    ("RDS11", "data/Database/Primary"),
    ("S1", "compute/LoadBalancer/AccessLogsBucket"),
    ("SMG4", "data/ApplicationSecrets/AppSecretKey"),
    ("SMG4", "data/ApplicationSecrets/CacheAuthToken"),
    ("VPC3", "network/Network/DatabaseNetworkAcl"),
}


def _expected_acknowledgements(settings) -> set[tuple[str, str]]:
    """What settings turn off is acknowledged where it is off, and nowhere else."""
    expected = set(ACKNOWLEDGED_EVERYWHERE)
    if not settings.aws.cloudfront_prefix_list_id:
        expected.add(("EC23", "network/SecurityGroups/LoadBalancerSecurityGroup"))
    if not settings.resilience.deletion_protection:
        expected.add(("RDS10", "data/Database/Primary"))
    if not settings.database.multi_az:
        expected.add(("RDS3", "data/Database/Primary"))
    if not settings.cache.high_availability:
        expected.add(("AEC4", "data/SessionCache/ReplicationGroup"))
    release_policy = "delivery/GithubTrust/ReleasePermissions/Policy"
    account = settings.aws.account_id
    expected |= {
        ("IAM5[Resource::*]", release_policy),
        (
            f"IAM5[Resource::arn:<AWS::Partition>:ssm:{settings.aws.region}:{account}:parameter"
            f"{release_parameter_prefix(settings)}/*]",
            release_policy,
        ),
        (f"IAM5[Resource::arn:<AWS::Partition>:iam::{account}:role/{settings.name('compute')}-*]", release_policy),
    }
    for number in range(1, settings.database.read_replicas + 1):
        expected |= {("RDS11", f"data/Database/ReadReplica{number}"), ("RDS3", f"data/Database/ReadReplica{number}")}
    return expected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_acknowledgements_are_exactly_the_reviewed_ones(aws, environment):
    settings = load_settings(environment)
    found = set()
    for plugin in aws.validation_report["pluginReports"]:
        if plugin["pluginName"] != PACK:
            continue
        for violation in plugin["suppressedViolations"]:
            stack, _, construct = violation["acknowledgedAt"].partition("/")
            if stack.startswith(settings.prefix + "-"):
                component = stack.removeprefix(settings.prefix + "-")
                found.add((violation["ruleName"].removeprefix(f"{PACK}-"), f"{component}/{construct}"))
    assert found == _expected_acknowledgements(settings)


def _tiny_app_report(tmp_path, *, acknowledged: bool) -> dict:
    """One security group open to the internet on SSH: AwsSolutions-EC23."""
    app = cdk.App(context={**cdk_json_context(), **REPORT_INSTEAD_OF_FAILING}, outdir=str(tmp_path))
    register_checks(app)
    stack = cdk.Stack(app, "NagProbe", env=cdk.Environment(account="123456789012", region="us-east-1"))
    group = ec2.CfnSecurityGroup(
        stack,
        "OpenGroup",
        group_description="probe",
        vpc_id="vpc-12345678",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0")
        ],
    )
    if acknowledged:
        acknowledge(group, "EC23", "probe: this group exists only to prove that an acknowledgement works")
    app.synth()
    return json.loads((tmp_path / "validation-report.json").read_text())


@pytest.mark.parametrize("acknowledged", [False, True], ids=["without-acknowledgement", "with-acknowledgement"])
def test_acknowledgement_removes_exactly_its_finding(tmp_path, acknowledged):
    report = _tiny_app_report(tmp_path, acknowledged=acknowledged)
    finding = (rule_id("EC23").split("::")[1], "NagProbe/OpenGroup")
    if acknowledged:
        assert finding not in _violations(report)
        assert finding in _suppressed(report, PACK)
    else:
        assert finding in _violations(report)


def test_acknowledgement_needs_a_specific_reason():
    app = cdk.App()
    stack = cdk.Stack(app, "ReasonProbe")
    with pytest.raises(ValueError, match="specific reason"):
        acknowledge(stack, "EC23", "not needed")
