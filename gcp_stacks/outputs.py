"""Terraform outputs for people: where the app, its entry points, images and data endpoints are.

`npx cdktf output <stack>` (or `terraform output` in cdktf.out/stacks/<stack>) prints them after a deploy.
Never a secret: endpoints and names only (tests/gcp/test_outputs.py checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktn import TerraformOutput, TerraformStack

from gcp_stacks.data import cache_endpoint
from shared import Settings
from shared.release import gcp_registry

if TYPE_CHECKING:
    from gcp_stacks.compute import Services
    from gcp_stacks.data import Database, SessionCache
    from gcp_stacks.edge import LoadBalancer


def _output(stack: TerraformStack, output_id: str, value: str, description: str) -> None:
    TerraformOutput(stack, output_id, value=value, description=description, sensitive=False)


def data_outputs(stack: TerraformStack, *, settings: Settings, database: Database, cache: SessionCache) -> None:
    _output(stack, "database_connection_name", database.primary.connection_name, "Cloud SQL connection name")
    _output(stack, "database_private_ip", database.primary.private_ip_address, "Cloud SQL private IP (VPC only)")
    _output(
        stack,
        "cache_endpoint",
        cache_endpoint(cache.instance.fqn, "ip_address") + ":" + cache_endpoint(cache.instance.fqn, "port"),
        "Memorystore for Valkey primary endpoint ip:port (TLS, IAM sign-in: no AUTH string exists)",
    )
    _output(
        stack,
        "image_repository",
        gcp_registry(settings),
        "Artifact Registry repository of the backend and frontend images",
    )


def app_outputs(stack: TerraformStack, *, settings: Settings, services: Services, load_balancer: LoadBalancer) -> None:
    _output(stack, "app_url", f"https://{settings.domain.app_domain}", "The app, as users reach it")
    _output(stack, "load_balancer_ip", load_balancer.addresses["IPV4"].address, "Global IPv4 of the load balancer")
    _output(stack, "load_balancer_ipv6", load_balancer.addresses["IPV6"].address, "Global IPv6 of the load balancer")
    _output(stack, "api_service_url", services.api.service.uri, "Cloud Run backend URL (admits only the load balancer)")
    _output(
        stack, "web_service_url", services.web.service.uri, "Cloud Run frontend URL (admits only the load balancer)"
    )
