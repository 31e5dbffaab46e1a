"""The load balancer's backends for Cloud Run and its routing table, with a candidate route for releases.

A request carrying the contract's candidate header goes to the revision tagged `CANDIDATE_TAG` (the release under
test); every other request goes where it always went. Route rules, not path rules: only route rules match headers,
and one path matcher cannot hold both.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdktn import TerraformResourceLifecycle
from cdktn_provider_google.cloud_run_v2_service import CloudRunV2Service
from cdktn_provider_google.compute_backend_service import (
    ComputeBackendService,
    ComputeBackendServiceBackend,
    ComputeBackendServiceLogConfig,
)
from cdktn_provider_google.compute_region_network_endpoint_group import (
    ComputeRegionNetworkEndpointGroup,
    ComputeRegionNetworkEndpointGroupCloudRun,
)
from cdktn_provider_google.compute_security_policy import ComputeSecurityPolicy
from cdktn_provider_google.compute_url_map import (
    ComputeUrlMapPathMatcherRouteRules,
    ComputeUrlMapPathMatcherRouteRulesMatchRules,
    ComputeUrlMapPathMatcherRouteRulesMatchRulesHeaderMatches,
)
from constructs import Construct

from gcp_stacks.names import neg_name
from shared import Settings
from shared.contract import (
    API_PATH_PATTERNS,
    CANDIDATE_HEADER,
    CANDIDATE_HEADER_VALUE,
    STATIC_PATH_PATTERNS,
)

# Lower wins. The candidate rules come first so the header overrides the static-path route too: the release
# under test serves its own build output rather than the bucket's, which may still hold the previous release's.
CANDIDATE_API_PRIORITY = 10
CANDIDATE_WEB_PRIORITY = 20
API_PRIORITY = 100
STATIC_PRIORITY = 200


def serverless_backend(
    scope: Construct,
    *,
    settings: Settings,
    title: str,
    workload: str,
    service: CloudRunV2Service,
    armor: ComputeSecurityPolicy,
    tag: str | None = None,
    standby: CloudRunV2Service | None = None,
) -> ComputeBackendService:
    """A backend service over a serverless NEG for `service`, or for its revision tagged `tag`.

    With a `standby` service, its region gets a serverless NEG too, outside the backend service: the standby talks to
    a read-only replica until the failover promotes it, and the load balancer sends each request to the nearest
    healthy region, so a standby NEG in the backend service would take writes it cannot serve. `make failover
    CLOUD=gcp` adds it to this backend service and removes the primary's (`FAILOVER_OWNED`).
    """
    suffix, id_suffix = (f"-{tag}", tag.capitalize()) if tag else ("", "")
    neg = ComputeRegionNetworkEndpointGroup(
        scope,
        f"{title}{id_suffix}Neg",
        name=settings.name(f"{workload}{suffix}-neg"),
        region=settings.gcp.region,
        network_endpoint_type="SERVERLESS",
        cloud_run=ComputeRegionNetworkEndpointGroupCloudRun(service=service.name, tag=tag),
    )
    if standby is not None:
        ComputeRegionNetworkEndpointGroup(
            scope,
            f"{title}StandbyNeg",
            name=neg_name(settings, workload, standby=True),
            region=settings.recovery.gcp_standby_region,
            network_endpoint_type="SERVERLESS",
            cloud_run=ComputeRegionNetworkEndpointGroupCloudRun(service=standby.name),
        )
    return ComputeBackendService(
        scope,
        f"{title}{id_suffix}Backend",
        name=settings.name(f"{workload}{suffix}"),
        load_balancing_scheme="EXTERNAL_MANAGED",
        protocol="HTTPS",
        backend=[ComputeBackendServiceBackend(group=neg.id)],
        security_policy=armor.id,
        enable_cdn=False,
        log_config=ComputeBackendServiceLogConfig(enable=True, sample_rate=1),
        lifecycle=TerraformResourceLifecycle(ignore_changes=list(FAILOVER_OWNED)) if standby is not None else None,
    )


# What a failover (and its failback) changes outside Terraform, so that no apply moves traffic back to a lost region
# or onto a replica: which region's NEG the backend service holds. Terraform sets the primary's at creation only.
FAILOVER_OWNED = ("backend",)


def path_match(pattern: str) -> dict[str, str]:
    """A path rule's pattern as a route rule's match: `/api/*` matches by prefix `/api/`, `/api` exactly."""
    if pattern.endswith("/*"):
        return {"prefix_match": pattern[:-1]}
    return {"full_path_match": pattern}


def _rule(
    priority: int, service: str, patterns: Iterable[str], *, candidate: bool
) -> ComputeUrlMapPathMatcherRouteRules:
    headers = (
        [
            ComputeUrlMapPathMatcherRouteRulesMatchRulesHeaderMatches(
                header_name=CANDIDATE_HEADER, exact_match=CANDIDATE_HEADER_VALUE
            )
        ]
        if candidate
        else None
    )
    return ComputeUrlMapPathMatcherRouteRules(
        priority=priority,
        service=service,
        # Match rules within one route rule are alternatives (any one matches).
        match_rules=[
            ComputeUrlMapPathMatcherRouteRulesMatchRules(**path_match(pattern), header_matches=headers)
            for pattern in patterns
        ],
    )


def route_rules(
    *, api: str, static: str, candidate_api: str, candidate_web: str
) -> list[ComputeUrlMapPathMatcherRouteRules]:
    """The app's routes by backend id; what no rule matches goes to the path matcher's default (web)."""
    return [
        _rule(CANDIDATE_API_PRIORITY, candidate_api, API_PATH_PATTERNS, candidate=True),
        _rule(CANDIDATE_WEB_PRIORITY, candidate_web, ("/*",), candidate=True),
        _rule(API_PRIORITY, api, API_PATH_PATTERNS, candidate=False),
        _rule(STATIC_PRIORITY, static, STATIC_PATH_PATTERNS, candidate=False),
    ]
