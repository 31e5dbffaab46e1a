"""Hardening: the ALB forwards only CloudFront's requests, logs keep a trace, every log group expires on
schedule, and production's stacks refuse deletion."""

from __future__ import annotations

import fnmatch
import functools
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from aws_stacks.compute import accepted_origin_values
from aws_stacks.edge import EDGE_REGION
from aws_stacks.platform import stack_names
from aws_stacks.secrets import ORIGIN_VERIFY_HEADER, ORIGIN_VERIFY_SECRET, ApplicationSecrets, origin_verify_value
from shared import SettingsError, load_settings
from shared.overrides import replace_field, replace_fields
from tests.aws.helpers import only, resources, walk
from tests.synth import cdk_json_context

DYNAMIC_REFERENCE = "{{resolve:secretsmanager:"


@functools.cache
def _resolver() -> cdk.Stack:
    """Made on first use, not at import: collection on the GCP worker starts no jsii app."""
    return cdk.Stack(cdk.App(), "Resolver")


def _text(token: str) -> str:
    """A token as it appears in a template."""
    return _resolver().resolve(token)


def _resolve(value: str, secrets: dict[str, str]) -> str:
    """What CloudFormation does at deploy time: replace a dynamic reference with the secret's value."""
    return secrets.get(value, value)


def _listener_decision(aws, settings, *, path: str, headers: dict[str, str], secrets: dict[str, str]) -> str:
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
            return sent is not None and sent in {_resolve(value, secrets) for value in config["Values"]}
        if condition["Field"] == "path-pattern":
            return any(fnmatch.fnmatchcase(path, pattern) for pattern in condition["PathPatternConfig"]["Values"])
        raise AssertionError(f"unexpected condition {condition['Field']}")

    for rule in rules:
        if all(matches(condition) for condition in rule["Conditions"]):
            return rule["Actions"][0]["TargetGroupArn"]["Ref"]
    default = listener["DefaultActions"][0]
    return default["FixedResponseConfig"]["StatusCode"] if default["Type"] == "fixed-response" else "forward"


def _cloudfront_headers(aws, settings) -> dict[str, str]:
    distribution = only(resources(aws, settings, "edge", "AWS::CloudFront::Distribution"))["Properties"]
    (origin,) = [o for o in distribution["DistributionConfig"]["Origins"] if "CustomOriginConfig" in o]
    return {header["HeaderName"]: header["HeaderValue"] for header in origin["OriginCustomHeaders"]}


@pytest.mark.parametrize("sender", ["cloudfront", "no-header", "wrong-value"])
@pytest.mark.parametrize("path", ["/", "/api/bookings"])
def test_the_alb_forwards_only_what_cloudfront_sends(aws, settings, sender, path):
    # Both templates reference the same secret; give it a value as CloudFormation would at deploy time.
    sent = _cloudfront_headers(aws, settings)
    secrets = {sent[ORIGIN_VERIFY_HEADER]: "s3cr3t-from-secrets-manager"}
    headers = {
        "cloudfront": {ORIGIN_VERIFY_HEADER: secrets[sent[ORIGIN_VERIFY_HEADER]]},
        "no-header": {},
        "wrong-value": {ORIGIN_VERIFY_HEADER: "guessed"},
    }[sender]
    decision = _listener_decision(aws, settings, path=path, headers=headers, secrets=secrets)
    if sender == "cloudfront":
        assert decision.startswith("ApiService" if path.startswith("/api") else "WebService")
    else:
        assert decision == "403"


def test_the_origin_header_is_a_dynamic_reference_in_both_templates(aws, settings):
    sent = _cloudfront_headers(aws, settings)[ORIGIN_VERIFY_HEADER]
    assert sent.startswith(DYNAMIC_REFERENCE + settings.path(ORIGIN_VERIFY_SECRET) + ":")
    assert sent == _text(origin_verify_value(settings))
    required = {
        value
        for rule in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::ListenerRule").values()
        for condition in rule["Properties"]["Conditions"]
        if condition["Field"] == "http-header"
        and condition["HttpHeaderConfig"]["HttpHeaderName"] == ORIGIN_VERIFY_HEADER
        for value in condition["HttpHeaderConfig"]["Values"]
    }
    assert required == {sent}
    # Every rule requires it, the candidate (blue/green test) rules included.
    for rule in resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::ListenerRule").values():
        conditions = rule["Properties"]["Conditions"]
        names = [c["HttpHeaderConfig"]["HttpHeaderName"] for c in conditions if "HttpHeaderConfig" in c]
        assert ORIGIN_VERIFY_HEADER in names


@pytest.mark.parametrize(
    ("pinned", "accept_previous"),
    [(None, False), ("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", True), ("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", False)],
    ids=["current", "rotating", "rotated"],
)
def test_during_a_rotation_and_only_then_the_alb_also_accepts_the_previous_value(pinned, accept_previous):
    settings = replace_fields(
        load_settings("production"),
        {"aws.origin_verify_version_id": pinned, "aws.origin_verify_accept_previous": accept_previous},
    )
    accepted = [_text(value) for value in accepted_origin_values(settings)]
    sent = _text(origin_verify_value(settings))
    assert sent.endswith(f":SecretString:value::{pinned or ''}}}}}")
    previous = sent.rsplit(":", 2)[0] + ":AWSPREVIOUS:}}"
    assert accepted == ([sent, previous] if accept_previous else [sent])


def test_accepting_the_previous_value_needs_a_pinned_version():
    with pytest.raises(SettingsError, match="origin_verify_accept_previous"):
        replace_field(load_settings("staging"), "aws.origin_verify_accept_previous", True)


def test_a_bad_flag_override_names_its_key():
    with pytest.raises(SettingsError, match="aws_origin_verify_accept_previous"):
        load_settings("dev", overrides={"aws_origin_verify_accept_previous": "yes"}, environ={})


@pytest.mark.parametrize("region", [EDGE_REGION, "eu-west-1"])
def test_the_origin_secret_is_replicated_to_the_edge_region_only_when_elsewhere(region):
    """A small variant synth: the session's environments all live in us-east-1, so only a probe shows both cases."""
    settings = load_settings("staging")
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account=settings.aws.account_id, region=region))
    ApplicationSecrets(stack, "Secrets", settings=settings, key=kms.Key(stack, "Key"), edge_region=EDGE_REGION)
    secrets = Template.from_stack(stack).find_resources(
        "AWS::SecretsManager::Secret", {"Properties": {"Name": settings.path(ORIGIN_VERIFY_SECRET)}}
    )
    replicas = only(secrets)["Properties"].get("ReplicaRegions")
    assert replicas == (None if region == EDGE_REGION else [{"Region": EDGE_REGION}])


def test_no_template_holds_a_secret_value(aws):
    for name, stack in aws.templates.items():
        for path, value in walk(stack):
            if isinstance(value, str) and "origin-verify" in value and path[-1] != "Name":
                assert value.startswith(DYNAMIC_REFERENCE), f"{name} {path}"


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
