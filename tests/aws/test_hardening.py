"""Hardening: only CloudFront reaches the ALB (internal, behind a VPC origin, no shared secret), logs keep a trace,
every log group expires on schedule, and production's stacks refuse deletion."""

from __future__ import annotations

import fnmatch
import json

import pytest

from aws_stacks.platform import stack_names
from shared import SettingsError, load_settings
from shared.contract import CANDIDATE_HEADER
from shared.overrides import replace_field
from tests.aws.helpers import only, resources


def _listener_decision(aws, settings, *, path: str, headers: dict[str, str]) -> str:
    """The ALB's answer to a request, read from the compute template: a target group's id, or the status code."""
    listener = only(resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::Listener"))["Properties"]
    rules = sorted(
        (
            rule["Properties"]
            for rule in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::ListenerRule").values()
        ),
        key=lambda rule: rule["Priority"],
    )
    lowered = {name.lower(): value for name, value in headers.items()}

    def matches(condition: dict) -> bool:
        if condition["Field"] == "http-header":
            config = condition["HttpHeaderConfig"]
            sent = lowered.get(config["HttpHeaderName"].lower())
            return sent is not None and sent in config["Values"]
        if condition["Field"] == "path-pattern":
            return any(fnmatch.fnmatchcase(path, pattern) for pattern in condition["PathPatternConfig"]["Values"])
        raise AssertionError(f"unexpected condition {condition['Field']}")

    for rule in rules:
        if all(matches(condition) for condition in rule["Conditions"]):
            return rule["Actions"][0]["TargetGroupArn"]["Ref"]
    default = listener["DefaultActions"][0]
    return default["FixedResponseConfig"]["StatusCode"] if default["Type"] == "fixed-response" else "forward"


@pytest.mark.parametrize("path", ["/", "/bookings/42", "/api/bookings"])
def test_the_alb_routes_by_path_alone_with_no_shared_header(aws, settings, path):
    decision = _listener_decision(aws, settings, path=path, headers={})
    assert decision.startswith("ApiService" if path.startswith("/api") else "WebService")


def test_the_load_balancer_is_internal_in_the_app_subnets(aws, settings):
    (alb,) = resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    properties = alb["Properties"]
    assert properties["Scheme"] == "internal"
    subnets = json.dumps(properties["Subnets"])
    assert "AppSubnet" in subnets and "PublicSubnet" not in subnets
    # No load balancer of the platform faces the internet.
    for name, template in aws.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer":
                assert resource["Properties"].get("Scheme") == "internal", name


def test_cloudfront_reaches_the_alb_through_a_vpc_origin_over_https(aws, settings):
    """Each VPC origin: the primary's ALB, and with a standby the standby's (its own name, its own stack)."""
    from shared.recovery_names import aws_standby_names

    expected = {settings.name("origin"): settings.name("compute")}
    if settings.recovery.has_standby:
        expected[aws_standby_names(settings)["standby_origin"]] = settings.name("standby")
    vpc_origins = resources(aws, settings, "edge", "AWS::CloudFront::VpcOrigin")
    distribution = only(resources(aws, settings, "edge", "AWS::CloudFront::Distribution"))["Properties"]
    origins = {
        o["VpcOriginConfig"]["VpcOriginId"]["Fn::GetAtt"][0]: o
        for o in distribution["DistributionConfig"]["Origins"]
        if "VpcOriginConfig" in o
    }
    assert len(vpc_origins) == len(expected) == len(origins)
    for vpc_origin_id, resource in vpc_origins.items():
        vpc_origin = resource["Properties"]["VpcOriginEndpointConfig"]
        assert vpc_origin["OriginProtocolPolicy"] == "https-only"
        assert vpc_origin["OriginSSLProtocols"] == ["TLSv1.2"]
        # The ALB's ARN from its stack, across regions: a weak reference, never a value typed into settings.
        arn = vpc_origin["Arn"]
        assert list(arn) == ["Fn::GetStackOutput"], arn
        assert arn["Fn::GetStackOutput"]["StackName"] == expected[vpc_origin["Name"]]
        origin = origins[vpc_origin_id]
        assert origin["VpcOriginConfig"]["VpcOriginId"] == {"Fn::GetAtt": [vpc_origin_id, "Id"]}
        # The certificate's name (the ALB's DNS name is not on it), so CloudFront's TLS check passes.
        assert origin["DomainName"] == settings.domain.origin_domain
        assert "OriginCustomHeaders" not in origin and "CustomOriginConfig" not in origin


def test_no_template_holds_an_origin_lock_value(aws):
    """The origin lock is the network (VPC origin), not a value: no header, no secret, no header condition but the
    blue/green test rules' candidate header, which routes to the new task set and locks nothing."""
    for name, template in aws.templates.items():
        text = json.dumps(template).lower()
        assert "origin-verify" not in text, name
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule":
                conditions = resource["Properties"]["Conditions"]
                headers = {c["HttpHeaderConfig"]["HttpHeaderName"] for c in conditions if c["Field"] == "http-header"}
                assert headers <= {CANDIDATE_HEADER}, name
                assert {c["Field"] for c in conditions} <= {"path-pattern", "http-header"}, name
            if resource["Type"] == "AWS::CloudFront::Distribution":
                for origin in resource["Properties"]["DistributionConfig"]["Origins"]:
                    assert "OriginCustomHeaders" not in origin, name


def test_the_vpc_keeps_an_internet_gateway_which_vpc_origins_require(aws, settings):
    """CloudFront creates a VPC origin only in a VPC with an internet gateway attached (its traffic does not use
    it); the public tier keeps it for the NAT gateways too."""
    assert resources(aws, settings, "network", "AWS::EC2::InternetGateway")
    assert resources(aws, settings, "network", "AWS::EC2::VPCGatewayAttachment")


def test_a_bad_vpc_origin_group_id_names_its_field():
    with pytest.raises(SettingsError, match="cloudfront_vpc_origin_security_group_id"):
        replace_field(load_settings("staging"), "aws.cloudfront_vpc_origin_security_group_id", "CloudFront-SG")


def _buckets(aws, settings) -> dict[str, dict]:
    return {
        logical_id: bucket
        for component in ("compute", "edge", "compliance")
        for logical_id, bucket in resources(aws, settings, component, "AWS::S3::Bucket").items()
    }


def test_log_buckets_keep_deleted_logs_as_noncurrent_versions(aws, settings):
    log_buckets = {k: b for k, b in _buckets(aws, settings).items() if "Logs" in k or "AuditTrail" in k}
    assert len(log_buckets) == 4  # ALB, edge (CloudFront + S3 access), audit trail, audit access logs
    for logical_id, bucket in log_buckets.items():
        properties = bucket["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}, logical_id
        expiries = [rule.get("NoncurrentVersionExpiration") for rule in properties["LifecycleConfiguration"]["Rules"]]
        assert {"NoncurrentDays": settings.storage.noncurrent_version_expiry_days} in expiries, logical_id


def test_every_log_group_keeps_logs_for_the_settings_retention(aws, settings):
    groups = {
        (name, logical_id): group
        for name in stack_names(settings.environment)
        for logical_id, group in aws.templates[name]["Resources"].items()
        if group["Type"] == "AWS::Logs::LogGroup"
    }
    assert groups
    for key, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == settings.resilience.log_retention_days, key
        assert "KmsKeyId" in group["Properties"], key


def test_every_function_cdk_adds_logs_to_a_group_we_own(aws, settings):
    for name in stack_names(settings.environment):
        stack = aws.templates[name]["Resources"]
        for logical_id, resource in stack.items():
            if resource["Type"] == "AWS::Lambda::Function":
                group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
                assert group in resource["DependsOn"], logical_id


NESTED_STACK_TYPES = {"AWS::Serverless::Application", "AWS::CloudFormation::Stack"}


def test_no_platform_template_holds_a_nested_stack_or_sar_application(aws, settings):
    """A nested stack creates its roles where CDK cannot reach them, so without the platform's permissions boundary,
    which the CI execution policy refuses (aws_stacks/deploy_policy.py): the first deploy would fail."""
    for name in stack_names(settings.environment):
        stack = aws.templates[name]
        assert not NESTED_STACK_TYPES & {r["Type"] for r in stack["Resources"].values()}, name
        assert "Transform" not in stack, name


def test_enhanced_monitoring_retention_is_set_without_owning_the_group(aws, settings):
    """RDS creates RDSOSMetrics once per account and region: a stack that created it would fail wherever
    Enhanced Monitoring ever ran, and on every rebuild. Only its retention is ours."""
    groups = resources(aws, settings, "data", "AWS::Logs::LogGroup").values()
    assert "RDSOSMetrics" not in {group["Properties"]["LogGroupName"] for group in groups}
    (retention,) = resources(aws, settings, "data", "Custom::LogRetention").values()
    assert retention["Properties"]["LogGroupName"] == "RDSOSMetrics"
    assert retention["Properties"]["RetentionInDays"] == settings.resilience.log_retention_days
    # Deleting the stack leaves the group (LogRetention deletes it only for RemovalPolicy.DESTROY).
    assert retention["Properties"].get("RemovalPolicy", "retain") == "retain"


def test_the_retention_function_may_touch_only_its_groups(aws, settings):
    """CDK's default role could shorten the retention of any group, the audit trail's included."""
    (policy,) = [
        policy
        for policy in resources(aws, settings, "data", "AWS::IAM::ManagedPolicy").values()
        if policy["Properties"]["ManagedPolicyName"] == settings.name("log-retention")
    ]
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        for resource in statement["Resource"]:
            arn = resource if isinstance(resource, str) else resource["Fn::Join"][1][-1]
            group = arn.split(":log-group:")[-1].removesuffix(":*")
            assert group in {
                "RDSOSMetrics",
                f"/aws/lambda/{settings.name('log-retention')}",
                f"/{settings.prefix}/lambda/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a",
            }, resource
    roles = resources(aws, settings, "data", "AWS::IAM::Role")
    (role,) = [r for r in roles.values() if r["Properties"].get("RoleName") == settings.name("log-retention")]
    assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"]
    inline = resources(aws, settings, "data", "AWS::IAM::Policy").values()
    assert not [p for p in inline if "PutRetentionPolicy" in json.dumps(p)]


def test_stacks_refuse_deletion_where_settings_protect_them(aws, settings):
    manifest = json.loads((aws.directory / "manifest.json").read_text())["artifacts"]
    for name in stack_names(settings.environment):
        protected = manifest[name]["properties"].get("terminationProtection", False)
        assert protected == settings.resilience.deletion_protection, name
