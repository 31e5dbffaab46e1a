"""Network, the foundation stack: project APIs, VPC, app subnet, Cloud NAT, private services access, firewall."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.compute_firewall import (
    ComputeFirewall,
    ComputeFirewallAllow,
    ComputeFirewallDeny,
    ComputeFirewallLogConfig,
)
from cdktn_provider_google.compute_global_address import ComputeGlobalAddress
from cdktn_provider_google.compute_network import ComputeNetwork
from cdktn_provider_google.compute_router import ComputeRouter
from cdktn_provider_google.compute_router_nat import ComputeRouterNat, ComputeRouterNatLogConfig
from cdktn_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktn_provider_google.network_connectivity_service_connection_policy import (
    NetworkConnectivityServiceConnectionPolicy,
    NetworkConnectivityServiceConnectionPolicyPscConfig,
)
from cdktn_provider_google.service_networking_connection import ServiceNetworkingConnection
from constructs import Construct

from gcp_stacks.base import GcpStack
from gcp_stacks.project import PROJECT_APIS, enable_services
from shared import Settings
from shared.contract import DATABASE_PORT, SERVICES, VALKEY_PORT

# Google's front ends and health checkers; the only sources allowed in from outside the VPC.
GOOGLE_LB_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
# The Cloud SQL connectors (Auth Proxy, language connectors) reach the instance's private IP on this port.
CLOUD_SQL_CONNECTOR_PORT = 3307
# RFC 1918 space: Direct VPC egress in PRIVATE_RANGES_ONLY mode sends exactly this into the VPC.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Lowest priority a rule can have: the explicit deny-all sits under every allow.
LOWEST_PRIORITY = 65534


@dataclass(frozen=True)
class NetworkRefs:
    """Ids of the network stack's resources, derived from settings so other stacks need no remote state."""

    network_id: str
    subnet_id: str
    standby_subnet_id: str  # the standby region's egress subnet (`recovery`); exists only when it has a standby
    private_services_range: str
    data_client_tag: str  # network tag of the workloads allowed to reach Cloud SQL and Memorystore
    database_bootstrap_tag: str  # network tag of the one-off bootstrap job: PostgreSQL only

    @classmethod
    def of(cls, settings: Settings) -> NetworkRefs:
        project, region = settings.gcp.project_id, settings.gcp.region
        return cls(
            network_id=f"projects/{project}/global/networks/{settings.name('vpc')}",
            subnet_id=f"projects/{project}/regions/{region}/subnetworks/{settings.name('app')}",
            standby_subnet_id=(
                f"projects/{project}/regions/{settings.recovery.gcp_standby_region}/subnetworks/"
                f"{settings.name('app-standby')}"
            ),
            private_services_range=settings.name("private-services"),
            data_client_tag=settings.name("data-client"),
            database_bootstrap_tag=settings.name("database-bootstrap-client"),
        )


class NetworkStack(GcpStack):
    """The project's APIs, the VPC with its subnet, NAT and firewall rules, and private services access."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="network")
        services = enable_services(self, settings, PROJECT_APIS)
        self.network = ComputeNetwork(
            self,
            "Vpc",
            name=settings.name("vpc"),
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            delete_default_routes_on_create=False,
            depends_on=services,
        )
        self.app_subnet = self._app_subnet("AppSubnet", settings.name("app"), settings.gcp.region,
                                           settings.network.gcp_app_subnet_cidr)  # fmt: skip
        self.cache_subnets = {settings.gcp.region: (self.app_subnet, settings.network.gcp_app_subnet_cidr)}
        if settings.recovery.has_standby:
            # Cloud Run's Direct VPC egress in the standby region. No router or NAT: PRIVATE_RANGES_ONLY egress
            # reaches public addresses without the VPC. Firewall rules are network-wide, so they cover it too.
            standby_subnet = self._app_subnet(
                "StandbyAppSubnet",
                settings.name("app-standby"),
                settings.recovery.gcp_standby_region,
                settings.network.gcp_standby_subnet_cidr,
            )
            self.cache_subnets[settings.recovery.gcp_standby_region] = (
                standby_subnet,
                settings.network.gcp_standby_subnet_cidr,
            )
        router = ComputeRouter(
            self, "Router", name=settings.name("router"), network=self.network.id, region=settings.gcp.region
        )
        ComputeRouterNat(
            self,
            "Nat",
            name=settings.name("nat"),
            router=router.name,
            region=settings.gcp.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=ComputeRouterNatLogConfig(enable=True, filter="ERRORS_ONLY"),
        )
        self._private_services_access(settings)
        self._cache_connection_policies(settings)
        self._firewall(settings)

    def _cache_connection_policies(self, settings: Settings) -> None:
        """Memorystore for Valkey is reached through Private Service Connect: in each region with a cache, this
        policy lets Memorystore create the instance's endpoints in the app subnet, where Cloud Run egresses."""
        for region, (subnet, _) in self.cache_subnets.items():
            NetworkConnectivityServiceConnectionPolicy(
                self,
                "CachePolicy" if region == settings.gcp.region else "StandbyCachePolicy",
                name=settings.name("memorystore" if region == settings.gcp.region else "memorystore-standby"),
                location=region,
                network=self.network.id,
                service_class="gcp-memorystore",
                description="Private Service Connect endpoints of the session cache (Memorystore for Valkey)",
                psc_config=NetworkConnectivityServiceConnectionPolicyPscConfig(subnetworks=[subnet.id]),
            )

    def _private_services_access(self, settings: Settings) -> None:
        """Cloud SQL and Memorystore get addresses from this range only, so neither has a public IP."""
        address, _, prefix = settings.network.gcp_private_services_cidr.partition("/")
        psa_range = ComputeGlobalAddress(
            self,
            "PrivateServicesRange",
            name=NetworkRefs.of(settings).private_services_range,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=address,
            prefix_length=int(prefix),
            network=self.network.id,
        )
        ServiceNetworkingConnection(
            self,
            "PrivateServicesConnection",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[psa_range.name],
        )

    def _firewall(self, settings: Settings) -> None:
        logged = ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA")
        service_ports = sorted({str(service.port) for service in SERVICES.values()})
        # Serverless NEGs need no health checks today; this names the only sources a VM or GKE backend may accept.
        ComputeFirewall(
            self,
            "AllowLoadBalancerIngress",
            name=settings.name("allow-lb-health-checks"),
            network=self.network.id,
            direction="INGRESS",
            priority=1000,
            source_ranges=list(GOOGLE_LB_RANGES),
            allow=[ComputeFirewallAllow(protocol="tcp", ports=service_ports)],
            log_config=logged,
        )
        ComputeFirewall(
            self,
            "DenyAllIngress",
            name=settings.name("deny-all-ingress"),
            network=self.network.id,
            direction="INGRESS",
            priority=LOWEST_PRIORITY,
            source_ranges=["0.0.0.0/0"],
            deny=[ComputeFirewallDeny(protocol="all")],
            log_config=logged,
        )
        data_ports = {DATABASE_PORT, CLOUD_SQL_CONNECTOR_PORT}
        ComputeFirewall(
            self,
            "AllowApiToDataEgress",
            name=settings.name("allow-api-to-data"),
            network=self.network.id,
            direction="EGRESS",
            priority=1000,
            target_tags=[NetworkRefs.of(settings).data_client_tag],
            destination_ranges=[settings.network.gcp_private_services_cidr],
            allow=[ComputeFirewallAllow(protocol="tcp", ports=[str(port) for port in sorted(data_ports)])],
            log_config=logged,
        )
        # The cache's PSC endpoints take addresses in the app subnets: only the api reaches them, on Valkey's port.
        ComputeFirewall(
            self,
            "AllowApiToCacheEgress",
            name=settings.name("allow-api-to-cache"),
            network=self.network.id,
            direction="EGRESS",
            priority=1000,
            target_tags=[NetworkRefs.of(settings).data_client_tag],
            destination_ranges=sorted(cidr for _, cidr in self.cache_subnets.values()),
            allow=[ComputeFirewallAllow(protocol="tcp", ports=[str(VALKEY_PORT)])],
            log_config=logged,
        )
        ComputeFirewall(
            self,
            "AllowDatabaseBootstrapEgress",
            name=settings.name("allow-database-bootstrap"),
            network=self.network.id,
            direction="EGRESS",
            priority=1000,
            target_tags=[NetworkRefs.of(settings).database_bootstrap_tag],
            destination_ranges=[settings.network.gcp_private_services_cidr],
            allow=[ComputeFirewallAllow(protocol="tcp", ports=[str(DATABASE_PORT)])],
            log_config=logged,
        )
        # Public egress (Cloud NAT) stays open; inside private address space only the rule above is allowed.
        ComputeFirewall(
            self,
            "DenyPrivateEgress",
            name=settings.name("deny-private-egress"),
            network=self.network.id,
            direction="EGRESS",
            priority=LOWEST_PRIORITY,
            destination_ranges=list(PRIVATE_RANGES),
            deny=[ComputeFirewallDeny(protocol="all")],
            log_config=logged,
        )

    def _app_subnet(self, construct_id: str, name: str, region: str, cidr: str) -> ComputeSubnetwork:
        """A subnet for Cloud Run's Direct VPC egress (and the cache's connection policy), with flow logs."""
        return ComputeSubnetwork(
            self,
            construct_id,
            name=name,
            network=self.network.id,
            region=region,
            ip_cidr_range=cidr,
            private_ip_google_access=True,
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval="INTERVAL_5_SEC", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
        )
