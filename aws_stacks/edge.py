"""Edge (us-east-1): static-assets bucket, CloudFront with the app domain's certificate, and the CLOUDFRONT WAF.

CloudFront certificates and CLOUDFRONT-scope web ACLs must live in us-east-1, so this stack stands apart from the
regional ones. Its one cross-stack value is the internal ALB's ARN (compute), which its CloudFront VPC origin
names: a weak reference (`Fn::GetStackOutput`), which CloudFormation resolves across regions of one account.
"""

from __future__ import annotations

from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from constructs import Construct

from aws_stacks.dns import hosted_zone
from aws_stacks.firewall import WebAcl
from aws_stacks.nag import acknowledge
from aws_stacks.outputs import edge_outputs
from aws_stacks.security import customer_managed_key, log_bucket, logs_key
from aws_stacks.storage import tiered_bucket
from shared import Settings
from shared.contract import STATIC_PATH_PATTERNS
from shared.recovery_names import STANDBY_ORIGIN_ID, aws_standby_names
from shared.stacks import AWS_EDGE_REGION

EDGE_REGION = AWS_EDGE_REGION
DYNAMIC_PATHS = ("/api/*",)
HSTS_MAX_AGE_DAYS = 730


class StaticAssets(Construct):
    """The static-assets bucket (KMS, versioning and lifecycle from settings) and the edge log bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        # CloudFront standard logs are delivered with ACLs, hence OBJECT_WRITER.
        self.log_bucket = log_bucket(
            self,
            "EdgeLogsBucket",
            settings=settings,
            name="edge-logs",
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
        )
        self.bucket = tiered_bucket(
            self,
            "StaticAssetsBucket",
            settings=settings,
            name="static-assets",
            key=key,
            access_logs=self.log_bucket,
            log_prefix="s3/static-assets/",
            why_not_replicated=(
                "Static assets are build output: every deploy re-publishes them from the frontend image built in CI, "
                "so a second copy in another region would add no recovery the pipeline does not already give."
            ),
            why_unversioned=(
                "the assets are rebuilt by every deploy, and staging and production version them (production "
                "enforced by settings)."
            ),
        )


# The origin group fails over when the primary cannot be reached or answers one of these (CloudFront Developer
# Guide, 'Optimize high availability with CloudFront origin failover'); only for GET, HEAD and OPTIONS requests.
FAILOVER_STATUS_CODES = (500, 502, 503, 504)


def load_balancer_origin(
    settings: Settings,
    load_balancer: elbv2.IApplicationLoadBalancer,
    *,
    name: str | None = None,
    origin_id: str | None = None,
) -> cloudfront.IOrigin:
    """The internal ALB as a CloudFront VPC origin: CloudFront's own network interfaces in the ALB's subnets carry
    the requests, so the ALB needs no public address and CloudFront no shared secret. HTTPS to the origin domain,
    which the ALB's certificate names (CloudFront checks it; the ALB's own DNS name is not on the certificate).
    CloudFront reaches the ALB by the VPC origin's ARN, never by resolving the domain: DNS failover records of the
    origin domain would move nothing."""
    return origins.VpcOrigin.with_application_load_balancer(
        load_balancer,
        domain_name=settings.domain.origin_domain,
        vpc_origin_name=name or settings.name("origin"),
        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        origin_id=origin_id,
    )


def dynamic_origin(
    settings: Settings,
    load_balancer: elbv2.IApplicationLoadBalancer,
    standby: elbv2.IApplicationLoadBalancer | None,
) -> cloudfront.IOrigin:
    """The primary ALB; with a standby, an origin group of the primary then the standby's ALB. The group moves
    reads at once when the primary fails; writes follow when the failover command points the behaviors at the
    standby origin (CloudFront fails over only GET, HEAD and OPTIONS)."""
    primary = load_balancer_origin(settings, load_balancer)
    if standby is None:
        return primary
    return origins.OriginGroup(
        primary_origin=primary,
        fallback_origin=load_balancer_origin(
            settings, standby, name=aws_standby_names(settings)["standby_origin"], origin_id=STANDBY_ORIGIN_ID
        ),
        fallback_status_codes=list(FAILOVER_STATUS_CODES),
    )


class Cdn(Construct):
    """CloudFront: static paths from S3 through OAC, everything else uncached to the internal ALB over HTTPS."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        assets: StaticAssets,
        zone: route53.IHostedZone,
        web_acl_arn: str,
        load_balancer: elbv2.IApplicationLoadBalancer,
        standby_load_balancer: elbv2.IApplicationLoadBalancer | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # The app domain lives in the parent zone, which this account cannot write: its validation record is the
        # one the parent's owner adds while the stack waits (docs/aws.md). The AWS name validates in our zone.
        aws_host = settings.dns.host("aws")
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=settings.domain.app_domain,
            subject_alternative_names=[aws_host],
            validation=acm.CertificateValidation.from_dns_multi_zone({aws_host: zone}),
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=settings.name("security-headers"),
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(HSTS_MAX_AGE_DAYS),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=True, mode_block=True, override=True),
            ),
        )
        static_cache = cloudfront.CachePolicy(
            self,
            "StaticCachePolicy",
            cache_policy_name=settings.name("static-assets"),
            default_ttl=Duration.seconds(settings.edge.cdn_default_ttl_seconds),
            max_ttl=Duration.seconds(settings.edge.cdn_max_ttl_seconds),
            min_ttl=Duration.seconds(0),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        dynamic = cloudfront.BehaviorOptions(
            origin=dynamic_origin(settings, load_balancer, standby_load_balancer),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )
        static = cloudfront.BehaviorOptions(
            origin=origins.S3BucketOrigin.with_origin_access_control(assets.bucket),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cache_policy=static_cache,
            compress=True,
            response_headers_policy=headers,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"BookedBarber {settings.environment}",
            domain_names=[settings.domain.app_domain, aws_host],
            certificate=self.certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            default_behavior=dynamic,
            additional_behaviors={
                **{path: dynamic for path in DYNAMIC_PATHS},
                **{path: static for path in STATIC_PATH_PATTERNS},
            },
            enable_logging=True,
            log_bucket=assets.log_bucket,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,
        )
        acknowledge(
            self.distribution,
            "CFR1",
            "BookedBarber serves barbershops and their customers without a country restriction; abuse is handled by "
            "the attached WAF (managed rule groups, IP reputation, per-IP rate limit) instead of geo blocking.",
        )
        # The parent zone's serving record points the app domain at this name when AWS serves (shared/dns.py).
        target = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution))
        for record_id, record in (("AppAlias", route53.ARecord), ("AppAliasIpv6", route53.AaaaRecord)):
            record(self, record_id, zone=zone, record_name=aws_host, target=target)


class EdgeStack(Stack):
    """CloudFront with its certificate, the static assets bucket and the CloudFront web ACL (us-east-1)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        load_balancer: elbv2.IApplicationLoadBalancer,
        standby_load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        assets_key = customer_managed_key(self, "StaticAssetsKey", settings=settings, purpose="static-assets")
        edge_logs_key = logs_key(self, "EdgeLogsKey", settings=settings, purpose="edge-logs")
        assets = StaticAssets(self, "StaticAssets", settings=settings, key=assets_key)
        firewall = WebAcl(
            self,
            "Firewall",
            settings=settings,
            scope_name="CLOUDFRONT",
            name=settings.name("cdn-waf"),
            logs_key=edge_logs_key,
        )
        zone = hosted_zone(self, "Zone", settings=settings)
        self.cdn = Cdn(
            self,
            "Cdn",
            settings=settings,
            assets=assets,
            zone=zone,
            web_acl_arn=firewall.web_acl.attr_arn,
            load_balancer=load_balancer,
            standby_load_balancer=standby_load_balancer,
        )
        edge_outputs(self, settings=settings, distribution=self.cdn.distribution)
        # CDK files this warning on the stack itself, so the stack is the narrowest place to acknowledge it.
        Annotations.of(self).acknowledge_warning(
            "@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
            "The static-assets key only serves this bucket; its policy admits CloudFront solely for distributions "
            "of this account (AWS:SourceArn distribution/*), since the distribution id does not exist before the "
            "first deploy. Narrow it to the id once deployed.",
        )
