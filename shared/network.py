"""The address plan (VPC, subnets, private services range) and the edge in front of it (WAF and CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.checks import Problems, check, parse_cidr, range_problem
from shared.provider_facts import RATE_LIMIT_WINDOWS_SECONDS


@dataclass(frozen=True)
class NetworkSettings:
    """Address plan. AWS subnet tuples hold one CIDR per availability zone, in AZ order."""

    aws_vpc_cidr: str  # the AWS VPC
    aws_public_subnet_cidrs: tuple[str, ...]  # load balancer and NAT gateways
    aws_app_subnet_cidrs: tuple[str, ...]  # private subnets of the Fargate tasks
    aws_database_subnet_cidrs: tuple[str, ...]  # isolated subnets of RDS and ElastiCache
    aws_nat_gateways: int  # 1 for cost, one per AZ for availability
    aws_interface_endpoints: bool  # PrivateLink endpoints for ECR, Logs, Secrets Manager (cost vs. NAT traffic)
    gcp_app_subnet_cidr: str  # Cloud Run direct VPC egress subnet
    gcp_private_services_cidr: str  # reserved range peered to Cloud SQL and Memorystore
    gcp_standby_subnet_cidr: str | None = None  # Cloud Run egress subnet in `recovery.gcp_standby_region`

    def problems(self) -> Problems:
        vpc, problem = parse_cidr(self.aws_vpc_cidr)
        yield from check("aws_vpc_cidr", problem)
        ranges: list[tuple[str, object]] = []
        for name in ("aws_public_subnet_cidrs", "aws_app_subnet_cidrs", "aws_database_subnet_cidrs"):
            for value in getattr(self, name):
                subnet, problem = parse_cidr(value)
                yield from check(name, problem)
                if subnet is None:
                    continue
                if vpc is not None and not subnet.subnet_of(vpc):
                    yield name, f"subnet {value} is outside the VPC {self.aws_vpc_cidr}"
                ranges.append((name, subnet))
        for name in ("gcp_app_subnet_cidr", "gcp_private_services_cidr", "gcp_standby_subnet_cidr"):
            if getattr(self, name) is None:
                continue
            network, problem = parse_cidr(getattr(self, name))
            yield from check(name, problem)
            if network is None:
                continue
            if vpc is not None and network.overlaps(vpc):
                yield name, f"{network} overlaps the AWS VPC {self.aws_vpc_cidr}"
            ranges.append((name, network))
        for index, (name, network) in enumerate(ranges):
            for other_name, other in ranges[index + 1 :]:
                if network.overlaps(other):
                    yield other_name, f"{other} overlaps {network} ({name})"
        _, psa_prefix = self.gcp_private_services_cidr.partition("/")[::2]
        if psa_prefix.isdigit() and int(psa_prefix) > 24:
            yield "gcp_private_services_cidr", "private services access needs a /24 or larger range"
        if self.aws_nat_gateways < 1:
            yield "aws_nat_gateways", f"{self.aws_nat_gateways} must be at least 1 (private subnets need egress)"


@dataclass(frozen=True)
class EdgeSettings:
    """Web application firewall and CDN."""

    rate_limit_requests: int  # per client IP per `rate_limit_window_seconds`
    rate_limit_window_seconds: int  # 300 matches AWS WAF's default window
    cdn_default_ttl_seconds: int  # static assets without Cache-Control
    cdn_max_ttl_seconds: int

    def problems(self) -> Problems:
        if self.rate_limit_requests < 10:
            yield "rate_limit_requests", f"{self.rate_limit_requests} is below AWS WAF's minimum of 10"
        if self.rate_limit_window_seconds not in RATE_LIMIT_WINDOWS_SECONDS:
            yield (
                "rate_limit_window_seconds",
                f"{self.rate_limit_window_seconds} is not a window both AWS WAF and Cloud Armor support "
                f"{sorted(RATE_LIMIT_WINDOWS_SECONDS)}",
            )
        yield from check(
            "cdn_default_ttl_seconds", range_problem(self.cdn_default_ttl_seconds, self.cdn_max_ttl_seconds)
        )
