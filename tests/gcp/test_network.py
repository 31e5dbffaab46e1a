"""Network: VPC, subnet, NAT, private services access and a deny-by-default firewall."""

from __future__ import annotations

import pytest

from shared import load_settings
from shared.contract import SERVICES
from tests.gcp.tf import ALL, by_name, one, reference, resources, stack


@pytest.mark.parametrize("environment", ALL)
def test_custom_mode_vpc_and_subnet_from_settings(gcp_stacks, environment):
    settings = load_settings(environment)
    network = stack(gcp_stacks, environment, "network")
    vpc = one(network, "google_compute_network")
    assert vpc["auto_create_subnetworks"] is False
    subnet = one(network, "google_compute_subnetwork", name=settings.name("app"))
    assert subnet["ip_cidr_range"] == settings.network.gcp_app_subnet_cidr
    assert subnet["private_ip_google_access"] is True
    assert subnet["log_config"]["metadata"] == "INCLUDE_ALL_METADATA"
    assert subnet["region"] == settings.gcp.region


@pytest.mark.parametrize("environment", ALL)
def test_cloud_nat_logs_errors(gcp_stacks, environment):
    network = stack(gcp_stacks, environment, "network")
    nat = one(network, "google_compute_router_nat")
    assert nat["log_config"] == {"enable": True, "filter": "ERRORS_ONLY"}
    assert nat["router"] == reference(network, "google_compute_router", "name")


@pytest.mark.parametrize("environment", ALL)
def test_private_services_access_uses_the_reserved_range(gcp_stacks, environment):
    settings = load_settings(environment)
    network = stack(gcp_stacks, environment, "network")
    address, prefix = settings.network.gcp_private_services_cidr.split("/")
    psa = one(network, "google_compute_global_address", purpose="VPC_PEERING")
    assert (psa["address"], psa["prefix_length"], psa["address_type"]) == (address, int(prefix), "INTERNAL")
    connection = one(network, "google_service_networking_connection")
    assert connection["service"] == "servicenetworking.googleapis.com"
    assert connection["reserved_peering_ranges"] == [reference(network, "google_compute_global_address", "name")]


@pytest.mark.parametrize("environment", ALL)
def test_firewall_denies_by_default_and_allows_only_what_is_needed(gcp_stacks, environment):
    from gcp_stacks.network import GOOGLE_LB_RANGES, LOWEST_PRIORITY

    settings = load_settings(environment)
    rules = by_name(stack(gcp_stacks, environment, "network"), "google_compute_firewall")
    deny_in = rules[settings.name("deny-all-ingress")]
    assert deny_in["direction"] == "INGRESS"
    assert deny_in["priority"] == LOWEST_PRIORITY
    assert deny_in["source_ranges"] == ["0.0.0.0/0"]
    assert deny_in["deny"] == [{"protocol": "all"}]
    assert "log_config" in deny_in

    lb = rules[settings.name("allow-lb-health-checks")]
    assert sorted(lb["source_ranges"]) == sorted(GOOGLE_LB_RANGES) == ["130.211.0.0/22", "35.191.0.0/16"]
    ports = {str(service.port) for service in SERVICES.values()}
    assert lb["allow"] == [{"protocol": "tcp", "ports": sorted(ports)}]

    data = rules[settings.name("allow-api-to-data")]
    assert data["direction"] == "EGRESS"
    assert data["destination_ranges"] == [settings.network.gcp_private_services_cidr]
    # Exactly the ports Cloud SQL and its connectors listen on, nothing else.
    assert data["allow"] == [{"protocol": "tcp", "ports": sorted(["5432", "3307"])}]
    assert data["target_tags"] == [settings.name("data-client")]

    # The cache's PSC endpoints sit in the app subnets: only the data clients reach them, only on Valkey's port.
    cache = rules[settings.name("allow-api-to-cache")]
    subnets = [settings.network.gcp_app_subnet_cidr]
    if settings.recovery.has_standby:
        subnets.append(settings.network.gcp_standby_subnet_cidr)
    assert cache["direction"] == "EGRESS" and cache["destination_ranges"] == sorted(subnets)
    assert cache["allow"] == [{"protocol": "tcp", "ports": ["6379"]}]
    assert cache["target_tags"] == [settings.name("data-client")]

    deny_out = rules[settings.name("deny-private-egress")]
    assert deny_out["direction"] == "EGRESS" and deny_out["priority"] == LOWEST_PRIORITY
    assert deny_out["deny"] == [{"protocol": "all"}]
    # Every allow rule sits above the deny-all it narrows.
    for rule in rules.values():
        if "allow" in rule:
            assert rule["priority"] < LOWEST_PRIORITY
            assert "0.0.0.0/0" not in rule.get("source_ranges", [])


@pytest.mark.parametrize("environment", ALL)
def test_the_foundation_enables_every_api_and_never_disables_one(gcp_stacks, environment):
    from gcp_stacks.project import PROJECT_APIS

    services = resources(stack(gcp_stacks, environment, "network"), "google_project_service")
    assert {s["service"] for s in services} == set(PROJECT_APIS)
    # The APIs behind the app domain's records, log retention, audit sink and budget, and the rotation topic.
    assert {
        "dns.googleapis.com",
        "logging.googleapis.com",
        "billingbudgets.googleapis.com",
        "pubsub.googleapis.com",
    } <= {s["service"] for s in services}
    assert all(s["disable_on_destroy"] is False for s in services)
    for component in ("data", "compliance", "app"):
        assert not resources(stack(gcp_stacks, environment, component), "google_project_service")
