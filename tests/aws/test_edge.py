"""CloudFront, the static-assets bucket and the us-east-1 edge stack, per environment."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from aws_stacks.edge import DYNAMIC_PATHS
from shared.contract import STATIC_PATH_PATTERNS
from tests.aws.helpers import only, resources, template

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _load_balancer_id(aws, settings) -> str:
    (logical_id,) = resources(aws, settings, "compute", "AWS::ElasticLoadBalancingV2::LoadBalancer")
    return logical_id


def _distribution(aws, settings) -> dict:
    return only(resources(aws, settings, "edge", "AWS::CloudFront::Distribution"))["Properties"]["DistributionConfig"]


def _stack_outputs_read(node) -> list[dict]:
    if isinstance(node, dict):
        if "Fn::GetStackOutput" in node:
            return [node["Fn::GetStackOutput"]]
        return [found for value in node.values() for found in _stack_outputs_read(value)]
    if isinstance(node, list):
        return [found for value in node for found in _stack_outputs_read(value)]
    return []


def test_edge_stack_lives_in_us_east_1_and_reads_only_the_load_balancers_arn(aws, settings):
    edge = aws.templates[settings.name("edge")]
    assert "Fn::ImportValue" not in json.dumps(edge)
    # One weak reference (CloudFormation resolves it across regions), read once: the VPC origin's ALB ARN.
    (read,) = _stack_outputs_read(edge)
    assert read["StackName"] == settings.name("compute")
    compute_outputs = aws.templates[settings.name("compute")]["Outputs"]
    assert compute_outputs[read["OutputName"]]["Value"] == {"Ref": _load_balancer_id(aws, settings)}
    manifest = json.loads((aws.directory / "manifest.json").read_text())
    environments = {name: artifact.get("environment") for name, artifact in manifest["artifacts"].items()}
    assert environments[settings.name("edge")] == f"aws://{settings.aws.account_id}/us-east-1"
    for component in ("network", "data", "compute"):
        assert environments[settings.name(component)] == f"aws://{settings.aws.account_id}/{settings.aws.region}"


def test_distribution_serves_the_app_domain_over_modern_tls(aws, settings):
    distribution = _distribution(aws, settings)
    assert distribution["Aliases"] == [settings.domain.app_domain, settings.dns.host("aws")]
    certificate = distribution["ViewerCertificate"]
    assert certificate["MinimumProtocolVersion"] in {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
    assert certificate["SslSupportMethod"] == "sni-only"
    assert "WebACLId" in distribution
    assert distribution["Logging"]["Prefix"]


def test_edge_writes_only_into_the_environments_own_zone(aws, settings):
    """The parent zone holds the serving record; this account writes its AWS name and validations in its zone."""
    (certificate,) = resources(aws, settings, "edge", "AWS::CertificateManager::Certificate").values()
    properties = certificate["Properties"]
    assert properties["DomainName"] == settings.domain.app_domain
    assert properties["SubjectAlternativeNames"] == [settings.dns.host("aws")]
    assert properties["ValidationMethod"] == "DNS"
    # Only the AWS name validates automatically; the app domain's record is the parent owner's step (docs/aws.md).
    assert properties["DomainValidationOptions"] == [
        {"DomainName": settings.dns.host("aws"), "HostedZoneId": settings.aws.hosted_zone_id}
    ]
    records = resources(aws, settings, "edge", "AWS::Route53::RecordSet").values()
    assert {(r["Properties"]["Name"], r["Properties"]["Type"]) for r in records} == {
        (settings.dns.host("aws") + ".", "A"),
        (settings.dns.host("aws") + ".", "AAAA"),
    }
    assert {r["Properties"]["HostedZoneId"] for r in records} == {settings.aws.hosted_zone_id}
    compute_records = resources(aws, settings, "compute", "AWS::Route53::RecordSet").values()
    assert {r["Properties"]["HostedZoneId"] for r in compute_records} == {settings.aws.hosted_zone_id}
    assert settings.domain.origin_domain.endswith("." + settings.dns.aws_zone_name)


def test_dynamic_paths_go_uncached_to_the_origin_over_https(aws, settings):
    distribution = _distribution(aws, settings)
    origins = {origin["Id"]: origin for origin in distribution["Origins"]}
    behaviors = {b["PathPattern"]: b for b in distribution["CacheBehaviors"]}
    for behavior in [distribution["DefaultCacheBehavior"], *(behaviors[path] for path in DYNAMIC_PATHS)]:
        origin = origins[behavior["TargetOriginId"]]
        assert origin["DomainName"] == settings.domain.origin_domain
        assert "VpcOriginConfig" in origin  # HTTPS only: the VPC origin's setting (tests/aws/test_hardening.py)
        assert behavior["CachePolicyId"] == CACHING_DISABLED
        assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"


def test_static_paths_come_from_s3_through_origin_access_control(aws, settings):
    distribution = _distribution(aws, settings)
    origins = {origin["Id"]: origin for origin in distribution["Origins"]}
    behaviors = {b["PathPattern"]: b for b in distribution["CacheBehaviors"]}
    for path in STATIC_PATH_PATTERNS:
        origin = origins[behaviors[path]["TargetOriginId"]]
        assert "OriginAccessControlId" in origin
        assert behaviors[path]["AllowedMethods"] == ["GET", "HEAD"]
    template(aws, settings, "edge").has_resource_properties(
        "AWS::CloudFront::CachePolicy",
        {
            "CachePolicyConfig": Match.object_like(
                {
                    "DefaultTTL": settings.edge.cdn_default_ttl_seconds,
                    "MaxTTL": settings.edge.cdn_max_ttl_seconds,
                }
            )
        },
    )


def test_security_headers(aws, settings):
    policy = only(resources(aws, settings, "edge", "AWS::CloudFront::ResponseHeadersPolicy"))["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert headers["XSSProtection"]["Protection"] is True


def test_static_assets_bucket_follows_storage_settings(aws, settings):
    storage = settings.storage
    buckets = {
        b["Properties"]["BucketName"]: b["Properties"]
        for b in resources(aws, settings, "edge", "AWS::S3::Bucket").values()
    }
    bucket = buckets[f"{settings.name('static-assets')}-{settings.aws.account_id}"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] == "aws:kms"
    assert ("VersioningConfiguration" in bucket) == storage.versioning
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert {(t["StorageClass"], t["TransitionInDays"]) for t in rule["Transitions"]} == {
        ("STANDARD_IA", storage.infrequent_access_after_days),
        ("GLACIER_IR", storage.archive_after_days),
    }
    if storage.versioning:
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": storage.noncurrent_version_expiry_days}
    assert "LoggingConfiguration" in bucket
    logs = buckets[f"{settings.name('edge-logs')}-{settings.aws.account_id}"]
    assert logs["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "ObjectWriter"}]
