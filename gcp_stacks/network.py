"""Network: custom-mode VPC and the app subnet from settings."""

from __future__ import annotations

from cdktf_cdktf_provider_google.compute_network import ComputeNetwork
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork
from constructs import Construct

from gcp_stacks.base import GcpStack
from shared import Settings


class NetworkStack(GcpStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="network")
        self.network = ComputeNetwork(
            self, "Vpc", name=settings.name("vpc"), auto_create_subnetworks=False, routing_mode="REGIONAL"
        )
        self.app_subnet = ComputeSubnetwork(
            self,
            "AppSubnet",
            name=settings.name("app"),
            network=self.network.id,
            region=settings.gcp.region,
            ip_cidr_range=settings.network.gcp_app_subnet_cidr,
            private_ip_google_access=True,
        )
