"""Edge: the global external HTTPS load balancer, Cloud CDN for static assets, and Cloud Armor."""

from __future__ import annotations

from cdktn_provider_google.cloud_run_v2_service import CloudRunV2Service
from cdktn_provider_google.compute_backend_bucket import (
    ComputeBackendBucket,
    ComputeBackendBucketCdnPolicy,
    ComputeBackendBucketCdnPolicyNegativeCachingPolicy,
)
from cdktn_provider_google.compute_backend_service import (
    ComputeBackendService,
    ComputeBackendServiceBackend,
    ComputeBackendServiceLogConfig,
)
from cdktn_provider_google.compute_global_address import ComputeGlobalAddress
from cdktn_provider_google.compute_global_forwarding_rule import ComputeGlobalForwardingRule
from cdktn_provider_google.compute_managed_ssl_certificate import (
    ComputeManagedSslCertificate,
    ComputeManagedSslCertificateManaged,
)
from cdktn_provider_google.compute_region_network_endpoint_group import (
    ComputeRegionNetworkEndpointGroup,
    ComputeRegionNetworkEndpointGroupCloudRun,
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
    ComputeUrlMapPathMatcherPathRule,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from gcp_stacks.data import bucket_name
from gcp_stacks.project import ServiceAgents
from shared import Settings
from shared.contract import API_PATH_PATTERNS, STATIC_PATH_PATTERNS

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
    """HTTPS on the app domain: /api to the backend, static paths to the CDN bucket, the rest to the frontend."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        api: CloudRunV2Service,
        web: CloudRunV2Service,
    ) -> None:
        super().__init__(scope, construct_id)
        armor = ArmorPolicy(self, "Armor", settings=settings).policy
        self.api_backend = self._serverless_backend(settings, "Api", "api", api, armor)
        self.web_backend = self._serverless_backend(settings, "Web", "web", web, armor)
        self.static_backend = ComputeBackendBucket(
            self,
            "StaticAssetsBackend",
            name=settings.name("static-assets"),
            bucket_name=bucket_name(settings, "static-assets"),
            enable_cdn=True,
            compression_mode="AUTOMATIC",
            cdn_policy=ComputeBackendBucketCdnPolicy(
                cache_mode="CACHE_ALL_STATIC",
                default_ttl=settings.edge.cdn_default_ttl_seconds,
                client_ttl=settings.edge.cdn_default_ttl_seconds,
                max_ttl=settings.edge.cdn_max_ttl_seconds,
                negative_caching=True,
                negative_caching_policy=[
                    ComputeBackendBucketCdnPolicyNegativeCachingPolicy(code=code, ttl=NEGATIVE_CACHE_TTL_SECONDS)
                    for code in (404, 410)
                ],
                request_coalescing=True,
            ),
        )
        # The bucket stays private (public access prevention enforced, no allUsers): the load balancer and
        # Cloud CDN fetch objects as Cloud CDN's Google-owned fill account, the only reader granted here.
        StorageBucketIamMember(
            self,
            "StaticAssetsCdnReader",
            bucket=self.static_backend.bucket_name,
            role="roles/storage.objectViewer",
            member=ServiceAgents(self, "ServiceAgents", settings=settings).cdn_fill,
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
                    path_rule=[
                        ComputeUrlMapPathMatcherPathRule(paths=list(API_PATH_PATTERNS), service=self.api_backend.id),
                        ComputeUrlMapPathMatcherPathRule(
                            paths=list(STATIC_PATH_PATTERNS), service=self.static_backend.id
                        ),
                    ],
                )
            ],
        )
        self.address = ComputeGlobalAddress(
            self, "Address", name=settings.name("lb"), address_type="EXTERNAL", ip_version="IPV4"
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
        ComputeGlobalForwardingRule(
            self,
            "HttpsForwardingRule",
            name=settings.name("https"),
            load_balancing_scheme="EXTERNAL_MANAGED",
            ip_protocol="TCP",
            ip_address=self.address.id,
            port_range="443",
            target=https_proxy.id,
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
        ComputeGlobalForwardingRule(
            self,
            "HttpForwardingRule",
            name=settings.name("http"),
            load_balancing_scheme="EXTERNAL_MANAGED",
            ip_protocol="TCP",
            ip_address=self.address.id,
            port_range="80",
            target=http_proxy.id,
        )

    def _serverless_backend(
        self, settings: Settings, title: str, workload: str, service: CloudRunV2Service, armor: ComputeSecurityPolicy
    ) -> ComputeBackendService:
        neg = ComputeRegionNetworkEndpointGroup(
            self,
            f"{title}Neg",
            name=settings.name(f"{workload}-neg"),
            region=settings.gcp.region,
            network_endpoint_type="SERVERLESS",
            cloud_run=ComputeRegionNetworkEndpointGroupCloudRun(service=service.name),
        )
        return ComputeBackendService(
            self,
            f"{title}Backend",
            name=settings.name(workload),
            load_balancing_scheme="EXTERNAL_MANAGED",
            protocol="HTTPS",
            backend=[ComputeBackendServiceBackend(group=neg.id)],
            security_policy=armor.id,
            enable_cdn=False,
            log_config=ComputeBackendServiceLogConfig(enable=True, sample_rate=1),
        )
