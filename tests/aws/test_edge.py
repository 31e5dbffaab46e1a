"""CloudFront, the static-assets bucket and the us-east-1 edge stack, per environment."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from aws_stacks.edge import DYNAMIC_PATHS
from shared.contract import STATIC_PATH_PATTERNS
from tests.aws.helpers import only, resources, template

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


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
    # Weak references (CloudFormation resolves them across regions), each read once: the VPC origins' ALB ARNs,
    # the primary's and, with a standby, the standby's.
    reads = {read["StackName"]: read for read in _stack_outputs_read(edge)}
    standby = [settings.name("standby")] if settings.recovery.has_standby else []
    assert sorted(reads) == sorted([settings.name("compute"), *standby])
    assert len(_stack_outputs_read(edge)) == len(reads)
    for stack in reads:
        outputs = aws.templates[stack]["Outputs"]
        balancer = next(
            logical_id
            for logical_id, resource in aws.templates[stack]["Resources"].items()
            if resource["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer"
        )
        assert outputs[reads[stack]["OutputName"]]["Value"] == {"Ref": balancer}
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


def _dynamic_origins(distribution: dict, origin_id: str) -> list[dict]:
    """The origin a behavior targets, or the members of its origin group (primary first)."""
    origins = {origin["Id"]: origin for origin in distribution["Origins"]}
    groups = {group["Id"]: group for group in distribution.get("OriginGroups", {}).get("Items", [])}
    if origin_id in groups:
        return [origins[member["OriginId"]] for member in groups[origin_id]["Members"]["Items"]]
    return [origins[origin_id]]


def test_dynamic_paths_go_uncached_to_the_origin_over_https(aws, settings):
    distribution = _distribution(aws, settings)
    behaviors = {b["PathPattern"]: b for b in distribution["CacheBehaviors"]}
    for behavior in [distribution["DefaultCacheBehavior"], *(behaviors[path] for path in DYNAMIC_PATHS)]:
        members = _dynamic_origins(distribution, behavior["TargetOriginId"])
        assert len(members) == (2 if settings.recovery.has_standby else 1)
        for origin in members:
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


def test_a_standby_adds_its_vpc_origin_behind_the_primary_in_an_origin_group(aws, settings):
    """Reads fail over at once (the group); the failover command moves writes to the `standby` origin id."""
    from aws_stacks.edge import FAILOVER_STATUS_CODES
    from shared.recovery_names import STANDBY_ORIGIN_ID, aws_standby_names

    distribution = _distribution(aws, settings)
    vpc_origins = resources(aws, settings, "edge", "AWS::CloudFront::VpcOrigin").values()
    names = {origin["Properties"]["VpcOriginEndpointConfig"]["Name"] for origin in vpc_origins}
    if not settings.recovery.has_standby:
        assert "OriginGroups" not in distribution
        assert names == {settings.name("origin")}
        return
    assert names == {settings.name("origin"), aws_standby_names(settings)["standby_origin"]}
    (group,) = distribution["OriginGroups"]["Items"]
    members = [member["OriginId"] for member in group["Members"]["Items"]]
    assert members[1] == STANDBY_ORIGIN_ID and members[0] != STANDBY_ORIGIN_ID
    assert sorted(group["FailoverCriteria"]["StatusCodes"]["Items"]) == sorted(FAILOVER_STATUS_CODES)
    assert distribution["DefaultCacheBehavior"]["TargetOriginId"] == group["Id"]
