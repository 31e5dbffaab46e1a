"""Edge: the global external HTTPS load balancer, Cloud CDN for static assets, and Cloud Armor."""

from __future__ import annotations

from collections.abc import Mapping

from cdktn_provider_google.cloud_run_v2_service import CloudRunV2Service
from cdktn_provider_google.compute_backend_bucket import (
    ComputeBackendBucket,
    ComputeBackendBucketCdnPolicy,
    ComputeBackendBucketCdnPolicyNegativeCachingPolicy,
)
from cdktn_provider_google.compute_global_address import ComputeGlobalAddress
from cdktn_provider_google.compute_global_forwarding_rule import ComputeGlobalForwardingRule
from cdktn_provider_google.compute_managed_ssl_certificate import (
    ComputeManagedSslCertificate,
    ComputeManagedSslCertificateManaged,
)
from cdktn_provider_google.compute_security_policy import (
    ComputeSecurityPolicy,
    ComputeSecurityPolicyAdaptiveProtectionConfig,
    ComputeSecurityPolicyAdaptiveProtectionConfigLayer7DdosDefenseConfig,
    ComputeSecurityPolicyRule,
    ComputeSecurityPolicyRuleMatch,
    ComputeSecurityPolicyRuleMatchConfig,
    ComputeSecurityPolicyRuleMatchExpr,
    ComputeSecurityPolicyRuleRateLimitOptions,
    ComputeSecurityPolicyRuleRateLimitOptionsRateLimitThreshold,
)
from cdktn_provider_google.compute_ssl_policy import ComputeSslPolicy
from cdktn_provider_google.compute_target_http_proxy import ComputeTargetHttpProxy
from cdktn_provider_google.compute_target_https_proxy import ComputeTargetHttpsProxy
from cdktn_provider_google.compute_url_map import (
    ComputeUrlMap,
    ComputeUrlMapDefaultUrlRedirect,
    ComputeUrlMapHostRule,
    ComputeUrlMapPathMatcher,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from gcp_stacks.dns import AppDomainRecords
from gcp_stacks.names import bucket_name
from gcp_stacks.project import LOAD_BALANCER_AGENT, project_number
from gcp_stacks.routing import route_rules, serverless_backend
from shared import Settings
from shared.contract import CANDIDATE_TAG

# Cloud Armor's preconfigured OWASP Top 10 rule sets (ModSecurity CRS 3.3), each denied with a 403.
WAF_RULE_SETS = (
    "sqli-v33-stable",
    "xss-v33-stable",
    "lfi-v33-stable",
    "rfi-v33-stable",
    "rce-v33-stable",
    "methodenforcement-v33-stable",
    "scannerdetection-v33-stable",
    "protocolattack-v33-stable",
    "php-v33-stable",
    "sessionfixation-v33-stable",
)
# First match wins, and a throttle rule's conform action (allow) ends evaluation: the OWASP denies must
# come before the rate limit, or traffic under the limit would skip them.
WAF_FIRST_PRIORITY = 1000
RATE_LIMIT_PRIORITY = 2000
DEFAULT_RULE_PRIORITY = 2147483647
# Missing static files are cached briefly, so a deploy that adds them is visible within a minute.
NEGATIVE_CACHE_TTL_SECONDS = 60


def waf_expression(rule_set: str) -> str:
    return f"evaluatePreconfiguredWaf('{rule_set}', {{'sensitivity': 1}})"


class ArmorPolicy(Construct):
    """OWASP rules, a per-IP rate limit from settings, and an explicit allow-all default."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        edge = settings.edge
        rules = [
            ComputeSecurityPolicyRule(
                priority=RATE_LIMIT_PRIORITY,
                action="throttle",
                description="Per-client-IP request rate limit",
                match=ComputeSecurityPolicyRuleMatch(
                    versioned_expr="SRC_IPS_V1", config=ComputeSecurityPolicyRuleMatchConfig(src_ip_ranges=["*"])
                ),
                rate_limit_options=ComputeSecurityPolicyRuleRateLimitOptions(
                    conform_action="allow",
                    exceed_action="deny(429)",
                    enforce_on_key="IP",
                    rate_limit_threshold=ComputeSecurityPolicyRuleRateLimitOptionsRateLimitThreshold(
                        count=edge.rate_limit_requests, interval_sec=edge.rate_limit_window_seconds
                    ),
                ),
            )
        ]
        rules += [
            ComputeSecurityPolicyRule(
                priority=WAF_FIRST_PRIORITY + index,
                action="deny(403)",
                description=f"OWASP: {rule_set}",
                match=ComputeSecurityPolicyRuleMatch(
                    expr=ComputeSecurityPolicyRuleMatchExpr(expression=waf_expression(rule_set))
                ),
            )
            for index, rule_set in enumerate(WAF_RULE_SETS)
        ]
        rules.append(
            ComputeSecurityPolicyRule(
                priority=DEFAULT_RULE_PRIORITY,
                action="allow",
                description="Default: allow what no rule above denied",
                match=ComputeSecurityPolicyRuleMatch(
                    versioned_expr="SRC_IPS_V1", config=ComputeSecurityPolicyRuleMatchConfig(src_ip_ranges=["*"])
                ),
            )
        )
        self.policy = ComputeSecurityPolicy(
            self,
            "Policy",
            name=settings.name("armor"),
            type="CLOUD_ARMOR",
            rule=rules,
            adaptive_protection_config=ComputeSecurityPolicyAdaptiveProtectionConfig(
                layer7_ddos_defense_config=ComputeSecurityPolicyAdaptiveProtectionConfigLayer7DdosDefenseConfig(
                    enable=True
                )
            ),
        )


class LoadBalancer(Construct):
    """HTTPS on the app domain: /api to the backend, static paths to the CDN bucket, the rest to the frontend.

    Requests with the candidate header go to the revisions tagged for release checks instead (gcp_stacks/routing.py).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        api: CloudRunV2Service,
        web: CloudRunV2Service,
        standby: Mapping[str, CloudRunV2Service] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        armor = ArmorPolicy(self, "Armor", settings=settings).policy
        standby = standby or {}
        backends = {
            (workload, tag): serverless_backend(
                self, settings=settings, title=workload.capitalize(), workload=workload, service=service,
                armor=armor, tag=tag, standby=None if tag else standby.get(workload),
            )
            for workload, service in (("api", api), ("web", web))
            for tag in (None, CANDIDATE_TAG)
        }  # fmt: skip
        self.api_backend, self.web_backend = backends["api", None], backends["web", None]
        self.static_backend = ComputeBackendBucket(
            self,
            "StaticAssetsBackend",
            name=settings.name("static-assets"),
            bucket_name=bucket_name(settings, "static-assets"),
            enable_cdn=True,
            compression_mode="AUTOMATIC",
            cdn_policy=ComputeBackendBucketCdnPolicy(
                # A private bucket answers `Cache-Control: private`, which CACHE_ALL_STATIC would never cache: the
                # documented mode for private bucket access caches every success for the default TTL. The API
                # refuses a max TTL in this mode (origin headers are ignored, so there is nothing to cap).
                cache_mode="FORCE_CACHE_ALL",
                default_ttl=settings.edge.cdn_default_ttl_seconds,
                client_ttl=settings.edge.cdn_default_ttl_seconds,
                negative_caching=True,
                negative_caching_policy=[
                    ComputeBackendBucketCdnPolicyNegativeCachingPolicy(code=code, ttl=NEGATIVE_CACHE_TTL_SECONDS)
                    for code in (404, 410)
                ],
                request_coalescing=True,
            ),
        )
        # Cloud CDN private bucket access: the bucket stays private (public access prevention enforced, no allUsers)
        # and the load balancer reads it as its service agent, which exists once the project has a backend bucket.
        # (Cloud CDN's fill account, granted before, serves signed URLs only.)
        StorageBucketIamMember(
            self,
            "StaticAssetsLoadBalancerReader",
            bucket=self.static_backend.bucket_name,
            role="roles/storage.objectViewer",
            member=LOAD_BALANCER_AGENT.member(project_number(self, settings)),
            depends_on=[self.static_backend],
        )
        self.url_map = ComputeUrlMap(
            self,
            "UrlMap",
            name=settings.name("https"),
            default_service=self.web_backend.id,
            host_rule=[ComputeUrlMapHostRule(hosts=[settings.domain.app_domain], path_matcher="app")],
            path_matcher=[
                ComputeUrlMapPathMatcher(
                    name="app",
                    default_service=self.web_backend.id,
                    route_rules=route_rules(
                        api=self.api_backend.id,
                        static=self.static_backend.id,
                        candidate_api=backends["api", CANDIDATE_TAG].id,
                        candidate_web=backends["web", CANDIDATE_TAG].id,
                    ),
                )
            ],
        )
        certificate = ComputeManagedSslCertificate(
            self,
            "Certificate",
            name=settings.name("app-cert"),
            managed=ComputeManagedSslCertificateManaged(domains=[settings.domain.app_domain]),
        )
        ssl_policy = ComputeSslPolicy(
            self, "SslPolicy", name=settings.name("tls"), profile="MODERN", min_tls_version="TLS_1_2"
        )
        https_proxy = ComputeTargetHttpsProxy(
            self,
            "HttpsProxy",
            name=settings.name("https"),
            url_map=self.url_map.id,
            ssl_certificates=[certificate.id],
            ssl_policy=ssl_policy.id,
        )
        redirect = ComputeUrlMap(
            self,
            "HttpRedirectUrlMap",
            name=settings.name("http-redirect"),
            default_url_redirect=ComputeUrlMapDefaultUrlRedirect(
                https_redirect=True, redirect_response_code="MOVED_PERMANENTLY_DEFAULT", strip_query=False
            ),
        )
        http_proxy = ComputeTargetHttpProxy(self, "HttpProxy", name=settings.name("http"), url_map=redirect.id)
        # One address per IP version, each serving HTTPS and the HTTP redirect, as CloudFront answers on both.
        self.addresses: dict[str, ComputeGlobalAddress] = {}
        for version, suffix in (("IPV4", ""), ("IPV6", "Ipv6")):
            name_suffix = f"-{suffix.lower()}" if suffix else ""
            address = ComputeGlobalAddress(
                self,
                f"Address{suffix}",
                name=settings.name(f"lb{name_suffix}"),
                address_type="EXTERNAL",
                ip_version=version,
            )
            for protocol, port, proxy in (("https", "443", https_proxy), ("http", "80", http_proxy)):
                ComputeGlobalForwardingRule(
                    self,
                    f"{protocol.capitalize()}ForwardingRule{suffix}",
                    name=settings.name(f"{protocol}{name_suffix}"),
                    load_balancing_scheme="EXTERNAL_MANAGED",
                    ip_protocol="TCP",
                    ip_address=address.id,
                    port_range=port,
                    target=proxy.id,
                )
            self.addresses[version] = address
        AppDomainRecords(
            self,
            "Dns",
            settings=settings,
            ipv4=self.addresses["IPV4"].address,
            ipv6=self.addresses["IPV6"].address,
        )
