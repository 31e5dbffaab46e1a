"""Typed, immutable settings: one `Settings` per environment, one dataclass per concern.

Units are part of every numeric field's name (`_gib`, `_percent`, `_seconds`) so a
value means the same thing to CloudWatch and to Cloud Monitoring. Each section
yields its own problems; `Settings.__post_init__` collects them, adds the checks
that span sections, and raises one `SettingsError` naming the environment.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType

from shared.accounts import AccountServices
from shared.checks import (
    did_you_mean,
    domain_problem,
    email_problem,
    parse_cidr,
    percent_problem,
    positive_problem,
    range_problem,
)
from shared.cost_review import CostReviewSettings
from shared.dns import DnsSettings
from shared.errors import SettingsError
from shared.places import AWS_REGIONS, GCP_REGIONS, aws_availability_zones
from shared.recovery import RecoverySettings
from shared.rollout import RolloutSettings
from shared.security_monitoring import SecurityMonitoringSettings
from shared.slos import SloSettings
from shared.trust import DeliverySettings
from shared.valkey import VALKEY_MAX_NODE_GIB

Problems = Iterator[tuple[str, str]]

ENVIRONMENTS = ("dev", "staging", "production")

# CloudWatch Logs accepts only these retention periods (days).
CLOUDWATCH_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

# Valid Fargate task sizes: cpu units -> allowed memory (MiB).
FARGATE_MEMORY_MIB = {
    256: frozenset({512, 1024, 2048}),
    512: frozenset(range(1024, 4097, 1024)),
    1024: frozenset(range(2048, 8193, 1024)),
    2048: frozenset(range(4096, 16385, 1024)),
    4096: frozenset(range(8192, 30721, 1024)),
    8192: frozenset(range(16384, 61441, 4096)),
    16384: frozenset(range(32768, 122881, 8192)),
}

# Memory (GiB) of the RDS instance classes the settings may name, for the database memory alert (FreeableMemory
# against the class's memory). Source: "Hardware specifications for DB instance classes", Amazon RDS User Guide
# (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html).
RDS_CLASS_MEMORY_GIB = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.t4g.2xlarge": 32,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6g.4xlarge": 64,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6g.2xlarge": 64,
    "db.r6g.4xlarge": 128,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
    "db.r7g.2xlarge": 64,
}

# Secrets Manager rotates at most every 1000 days (AutomaticallyAfterDays / ScheduleExpression).
SECRET_ROTATION_MAX_DAYS = 1000

CLOUD_RUN_CPUS = frozenset({1, 2, 4, 6, 8})
CLOUD_ARMOR_INTERVALS_SECONDS = frozenset({10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600})
AWS_WAF_WINDOWS_SECONDS = frozenset({60, 120, 300, 600})
RATE_LIMIT_WINDOWS_SECONDS = CLOUD_ARMOR_INTERVALS_SECONDS & AWS_WAF_WINDOWS_SECONDS
# Latency percentiles Cloud Monitoring can align on (ALIGN_PERCENTILE_nn); CloudWatch takes any pNN.
CLOUD_MONITORING_PERCENTILES = frozenset({50.0, 95.0, 99.0})

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_PREFIX_LIST_ID = re.compile(r"^pl-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_GCP_LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_RDS_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
_CLOUD_SQL_TIER = re.compile(r"^db-(custom-\d+-\d+|f1-micro|g1-small|perf-optimized-N-\d+)$")
_RUNBOOK_URL = re.compile(r"^https://[^\s#]+$")
_SLACK_CHANNEL = re.compile(r"^#[a-z0-9_-]{1,79}$")
_SLACK_ID = re.compile(r"^T[A-Z0-9]{8,12}$")
_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,12}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,255}$")
_POSTGRES_VERSION = re.compile(r"^1[4-8]\.\d+$")
_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_BILLING_ACCOUNT = re.compile(r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")
_DNS_MANAGED_ZONE = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")

# Redis major versions both ElastiCache (Redis OSS) and Memorystore for Redis still create, with Memorystore's
# newest minor of each (gcp_stacks/data.py writes these values; aws_stacks/data.py maps the same majors).
MEMORYSTORE_REDIS_VERSIONS = {6: "REDIS_6_X", 7: "REDIS_7_2"}
REDIS_MAJOR_VERSIONS = frozenset(MEMORYSTORE_REDIS_VERSIONS)
# Memorystore RDB snapshot periods the API accepts, by hours.
MEMORYSTORE_SNAPSHOT_PERIODS = {1: "ONE_HOUR", 6: "SIX_HOURS", 12: "TWELVE_HOURS", 24: "TWENTY_FOUR_HOURS"}
MEMORYSTORE_SNAPSHOT_HOURS = frozenset(MEMORYSTORE_SNAPSHOT_PERIODS)
# Cloud SQL Enterprise edition keeps at most 7 days of write-ahead logs for point-in-time recovery.
CLOUD_SQL_MAX_LOG_RETENTION_DAYS = 7
# Cloud Run's autoscaler keeps each instance's concurrency near this share of its maximum.
CLOUD_RUN_TARGET_CONCURRENCY_SHARE = 0.6
CLOUD_RUN_MAX_CONCURRENCY = 1000

# AWS Budgets: notifications per budget, and email subscribers per notification.
MAX_BUDGET_NOTIFICATIONS = 10
MAX_BUDGET_EMAILS = 10

# RDS uploads transaction logs every 5 minutes: point-in-time recovery cannot promise a smaller RPO.
MIN_RPO_MINUTES = 5
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# Environment names go into the OIDC subject claim `repo:<owner>/<name>:environment:<env>`: no ':' or spaces.
_GITHUB_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")


def _prefixed(prefix: str, problems: Problems) -> Problems:
    for name, problem in problems:
        yield f"{prefix}.{name}", problem


def _check(name: str, problem: str | None) -> Problems:
    if problem:
        yield name, problem


_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text", type(None): "none"}


@functools.cache
def _hints(cls: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def _type_matches(value: object, hint: typing.Any) -> bool:
    """Whether `value` fits the annotation `hint` (the subset of typing the settings use)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_type_matches(value, option) for option in args)
    if origin is tuple:
        return isinstance(value, tuple) and all(_type_matches(item, args[0]) for item in value)
    if origin is Mapping:
        return isinstance(value, Mapping) and all(
            _type_matches(key, args[0]) and _type_matches(item, args[1]) for key, item in value.items()
        )
    if origin is not None:  # another generic (list[...], Literal[...]): its container type at least
        return isinstance(value, origin) if isinstance(origin, type) else True
    if hint is float:  # an int is a fine number; a bool is not
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is type(None):
        return value is None
    return isinstance(value, hint) if isinstance(hint, type) else True


def _type_name(hint: typing.Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_type_name(option) for option in args)
    if origin is tuple:
        return f"a list of {_type_name(args[0])}"
    if origin is Mapping:
        return f"a mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    return _TYPE_NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def type_problems(obj: object, prefix: str = "") -> Problems:
    """Every field whose value does not match its annotation, checked from the dataclasses themselves."""
    hints = _hints(type(obj))

    def must_be_positive(name: str) -> bool:
        # Asks the section's own checks whether zero is refused, so the message says "positive" only where it is.
        from dataclasses import replace  # local: the module's imports belong to the settings split (issue 15)

        if not hasattr(obj, "problems"):
            return False
        try:
            return any(field == name for field, _ in replace(obj, **{name: 0}).problems())
        except (TypeError, ValueError, ArithmeticError):
            return False

    for item in fields(obj):
        hint, value, name = hints[item.name], getattr(obj, item.name), prefix + item.name
        if is_dataclass(hint):
            if isinstance(value, hint):
                yield from type_problems(value, f"{name}.")
            else:
                yield name, f"expected {hint.__name__} settings, got {type(value).__name__}"
        elif not _type_matches(value, hint):
            expected = _type_name(hint)
            if hint in (int, float) and must_be_positive(item.name):
                expected = expected.replace("a ", "a positive ", 1)
            yield name, f"expected {expected}, got {value!r}"


@dataclass(frozen=True)
class TagSettings:
    """Cost-allocation tags (AWS) and labels (GCP); the environment tag is added from the name."""

    project: str  # short project slug, also the prefix of every resource name
    owner: str  # team accountable for the resources
    cost_centre: str  # finance code the spend is booked to

    def problems(self) -> Problems:
        for name in ("project", "owner", "cost_centre"):
            value = getattr(self, name)
            if not _GCP_LABEL.match(value):
                yield name, f"'{value}' must be a lower-case label: a letter, then letters, digits, '-' or '_'"


@dataclass(frozen=True)
class DomainSettings:
    """Public names. The app is served on `app_domain`; the load balancer answers on `origin_domain`."""

    zone_name: str  # the parent zone: holds `app_domain` and delegates each cloud's zone (`dns`)
    app_domain: str  # what users type; CloudFront / the global load balancer serve it
    origin_domain: str  # the regional load balancer behind the CDN, inside `dns.aws_zone_name`

    def problems(self) -> Problems:
        for name in ("zone_name", "app_domain", "origin_domain"):
            yield from _check(name, domain_problem(getattr(self, name)))
        for name in ("app_domain", "origin_domain"):
            value = getattr(self, name)
            if value != self.zone_name and not value.endswith("." + self.zone_name):
                yield name, f"'{value}' is not inside the zone '{self.zone_name}'"


@dataclass(frozen=True)
class AwsSettings:
    """Where the AWS stacks deploy. Explicit AZs keep synth free of context lookups."""

    account_id: str  # 12-digit AWS account id
    region: str  # primary region for everything but the CloudFront-scoped edge
    availability_zones: tuple[str, ...]  # AZs to spread subnets over, in order
    hosted_zone_id: str  # Route 53 public hosted zone of `dns.aws_zone_name`, in this environment's account
    # AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` of `region` (its id differs per
    # region): when set (and no VPC-origin group is), the internal load balancer admits only it, not the VPC range.
    cloudfront_prefix_list_id: str | None = None
    # `CloudFront-VPCOrigins-Service-SG`, which CloudFront creates in the VPC with the first VPC origin: when set,
    # the load balancer admits only CloudFront's VPC origin interfaces (docs/aws.md).
    cloudfront_vpc_origin_security_group_id: str | None = None
    # Region that holds the cross-region copies of backups (and the rebuilt environment after a regional loss).
    recovery_region: str = "us-west-2"

    def problems(self) -> Problems:
        if not _ACCOUNT_ID.match(self.account_id):
            yield "account_id", f"'{self.account_id}' is not a 12-digit AWS account id"
        if self.region not in AWS_REGIONS:
            yield "region", f"'{self.region}' is not an AWS region{did_you_mean(self.region, AWS_REGIONS)}"
        if self.recovery_region not in AWS_REGIONS:
            yield (
                "recovery_region",
                f"'{self.recovery_region}' is not an AWS region{did_you_mean(self.recovery_region, AWS_REGIONS)}",
            )
        elif self.recovery_region == self.region:
            yield "recovery_region", f"'{self.recovery_region}' must differ from the primary region"
        if len(set(self.availability_zones)) != len(self.availability_zones):
            yield "availability_zones", f"{list(self.availability_zones)} repeats an availability zone"
        zones = aws_availability_zones(self.region)
        for zone in self.availability_zones:
            if self.region in AWS_REGIONS and zone not in zones:
                yield (
                    "availability_zones",
                    f"'{zone}' is not an availability zone of region '{self.region}' ({', '.join(zones)})",
                )
        if not _HOSTED_ZONE_ID.match(self.hosted_zone_id):
            yield "hosted_zone_id", f"'{self.hosted_zone_id}' is not a Route 53 hosted zone id"
        if self.cloudfront_prefix_list_id is not None and not _PREFIX_LIST_ID.match(self.cloudfront_prefix_list_id):
            yield "cloudfront_prefix_list_id", f"'{self.cloudfront_prefix_list_id}' is not a prefix list id (pl-...)"
        group = self.cloudfront_vpc_origin_security_group_id
        if group is not None and not _SECURITY_GROUP_ID.match(group):
            yield "cloudfront_vpc_origin_security_group_id", f"'{group}' is not a security group id (sg-...)"


@dataclass(frozen=True)
class GcpSettings:
    """Where the GCP stacks deploy and where their Terraform state lives."""

    project_id: str  # GCP project id
    region: str  # region of every regional resource
    billing_account_id: str  # Cloud Billing account (XXXXXX-XXXXXX-XXXXXX) that pays for the project; holds the budget
    dns_managed_zone: str  # Cloud DNS managed zone (its resource name, not the DNS name) of `dns.gcp_zone_name`
    dns_project_id: str | None = None  # project holding that zone; None means `project_id`
    dns_record_ttl_seconds: int = 300  # TTL of the app domain's A/AAAA records
    state_bucket: str | None = None  # GCS bucket for Terraform state; None keeps the local backend
    # The project's number (workload identity provider names use it); only the workflows need it.
    project_number: str | None = None

    @property
    def dns_project(self) -> str:
        return self.dns_project_id or self.project_id

    def problems(self) -> Problems:
        for name in ("project_id", "dns_project_id"):
            value = getattr(self, name)
            if value is not None and not _GCP_PROJECT.match(value):
                yield name, f"'{value}' is not a GCP project id (6-30 lower-case letters, digits, '-')"
        if not _BILLING_ACCOUNT.match(self.billing_account_id):
            yield "billing_account_id", f"'{self.billing_account_id}' is not a billing account id XXXXXX-XXXXXX-XXXXXX"
        if not _DNS_MANAGED_ZONE.match(self.dns_managed_zone):
            yield "dns_managed_zone", f"'{self.dns_managed_zone}' is not a Cloud DNS managed zone name"
        yield from _check("dns_record_ttl_seconds", positive_problem(self.dns_record_ttl_seconds))
        if self.region not in GCP_REGIONS:
            yield "region", f"'{self.region}' is not a GCP region{did_you_mean(self.region, GCP_REGIONS)}"
        if self.state_bucket is not None and not _GCS_BUCKET.match(self.state_bucket):
            yield "state_bucket", f"'{self.state_bucket}' is not a valid GCS bucket name"
        if self.project_number is not None and not (self.project_number.isdigit() and len(self.project_number) <= 20):
            yield "project_number", f"'{self.project_number}' is not a GCP project number (digits only)"


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
        yield from _check("aws_vpc_cidr", problem)
        ranges: list[tuple[str, object]] = []
        for name in ("aws_public_subnet_cidrs", "aws_app_subnet_cidrs", "aws_database_subnet_cidrs"):
            for value in getattr(self, name):
                subnet, problem = parse_cidr(value)
                yield from _check(name, problem)
                if subnet is None:
                    continue
                if vpc is not None and not subnet.subnet_of(vpc):
                    yield name, f"subnet {value} is outside the VPC {self.aws_vpc_cidr}"
                ranges.append((name, subnet))
        for name in ("gcp_app_subnet_cidr", "gcp_private_services_cidr", "gcp_standby_subnet_cidr"):
            if getattr(self, name) is None:
                continue
            network, problem = parse_cidr(getattr(self, name))
            yield from _check(name, problem)
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
class ServiceSizing:
    """One service on both clouds: Fargate task size and count, Cloud Run size and instances."""

    fargate_cpu_units: int  # 1024 units = 1 vCPU
    fargate_memory_mib: int
    fargate_min_tasks: int
    fargate_max_tasks: int
    cloud_run_cpus: int
    cloud_run_memory_mib: int
    cloud_run_min_instances: int  # 0 lets the service scale to zero
    cloud_run_max_instances: int

    def problems(self) -> Problems:
        allowed = FARGATE_MEMORY_MIB.get(self.fargate_cpu_units)
        if allowed is None:
            yield (
                "fargate_cpu_units",
                f"{self.fargate_cpu_units} is not a Fargate cpu size {sorted(FARGATE_MEMORY_MIB)}",
            )
        elif self.fargate_memory_mib not in allowed:
            yield (
                "fargate_memory_mib",
                f"{self.fargate_memory_mib} MiB is not valid with {self.fargate_cpu_units} cpu units "
                f"({min(allowed)}-{max(allowed)})",
            )
        yield from _check("fargate_min_tasks", range_problem(self.fargate_min_tasks, self.fargate_max_tasks))
        yield from _check("fargate_max_tasks", positive_problem(self.fargate_max_tasks))
        if self.cloud_run_cpus not in CLOUD_RUN_CPUS:
            yield "cloud_run_cpus", f"{self.cloud_run_cpus} is not a Cloud Run cpu count {sorted(CLOUD_RUN_CPUS)}"
        if not 512 <= self.cloud_run_memory_mib <= 4096 * self.cloud_run_cpus:
            yield "cloud_run_memory_mib", f"{self.cloud_run_memory_mib} MiB is outside 512-{4096 * self.cloud_run_cpus}"
        yield from _check(
            "cloud_run_min_instances", range_problem(self.cloud_run_min_instances, self.cloud_run_max_instances)
        )
        if not 1 <= self.cloud_run_max_instances <= 100:
            yield "cloud_run_max_instances", f"{self.cloud_run_max_instances} is outside the platform's 1-100"


@dataclass(frozen=True)
class ComputeSettings:
    api: ServiceSizing  # FastAPI (shared.contract.API)
    web: ServiceSizing  # Next.js (shared.contract.WEB)
    scale_out_requests_per_target: int  # ALB requests per task per minute before adding tasks (Cloud Run: see below)
    scale_out_cpu_percent: float  # Fargate target tracking; below the CPU alert so scaling acts first
    scale_out_memory_percent: float  # Fargate target tracking; below the memory alert
    untagged_image_expiry_days: int = 7  # ECR / Artifact Registry delete untagged images this old
    kept_images: int = 100  # ECR / Artifact Registry keep this many newest images per repository for rollbacks

    def problems(self) -> Problems:
        yield from _prefixed("api", self.api.problems())
        yield from _prefixed("web", self.web.problems())
        for name in ("scale_out_cpu_percent", "scale_out_memory_percent"):
            yield from _check(name, percent_problem(getattr(self, name)))
        yield from _check("scale_out_requests_per_target", positive_problem(self.scale_out_requests_per_target))
        for name in ("untagged_image_expiry_days", "kept_images"):
            yield from _check(name, positive_problem(getattr(self, name)))


@dataclass(frozen=True)
class DatabaseSettings:
    """PostgreSQL on RDS and Cloud SQL. Storage numbers are shared by both clouds."""

    aws_instance_class: str  # e.g. db.r6g.xlarge
    gcp_tier: str  # e.g. db-custom-4-16384
    multi_az: bool  # RDS Multi-AZ / Cloud SQL REGIONAL
    read_replicas: int
    allocated_storage_gib: int  # initial gp3 / PD-SSD size
    max_allocated_storage_gib: int  # storage auto-scaling ceiling
    performance_insights_retention_days: int  # 7 is free; 31-731 are paid months
    postgres_version: str = "17.6"  # RDS engine version; Cloud SQL runs the same major and manages minors

    @property
    def postgres_major_version(self) -> str:
        return self.postgres_version.partition(".")[0]

    def problems(self) -> Problems:
        if not _RDS_CLASS.match(self.aws_instance_class):
            yield "aws_instance_class", f"'{self.aws_instance_class}' is not an RDS instance class"
        elif self.aws_instance_class not in RDS_CLASS_MEMORY_GIB:
            yield (
                "aws_instance_class",
                f"'{self.aws_instance_class}' has no memory size in RDS_CLASS_MEMORY_GIB (the memory alert needs it)",
            )
        if not _CLOUD_SQL_TIER.match(self.gcp_tier):
            yield "gcp_tier", f"'{self.gcp_tier}' is not a Cloud SQL tier"
        if self.read_replicas < 0:
            yield "read_replicas", f"{self.read_replicas} must not be negative"
        if self.allocated_storage_gib < 20:
            yield "allocated_storage_gib", f"{self.allocated_storage_gib} GiB is below the 20 GiB gp3 minimum"
        if self.max_allocated_storage_gib < self.allocated_storage_gib:
            yield (
                "max_allocated_storage_gib",
                f"{self.max_allocated_storage_gib} GiB is below allocated_storage_gib "
                f"{self.allocated_storage_gib} GiB (min above max)",
            )
        elif self.allocated_storage_gib < self.max_allocated_storage_gib < self.allocated_storage_gib * 1.1:
            # RDS User Guide, "Managing capacity automatically with Amazon RDS storage autoscaling".
            yield (
                "max_allocated_storage_gib",
                f"{self.max_allocated_storage_gib} GiB is less than 10 % above allocated_storage_gib "
                f"{self.allocated_storage_gib} GiB, which RDS refuses for storage autoscaling",
            )
        if self.max_allocated_storage_gib > 65536:
            yield "max_allocated_storage_gib", f"{self.max_allocated_storage_gib} GiB exceeds the 64 TiB limit"
        if not _POSTGRES_VERSION.match(self.postgres_version):
            yield "postgres_version", f"'{self.postgres_version}' is not a PostgreSQL 14-18 'major.minor' version"
        retention = self.performance_insights_retention_days
        if retention != 7 and not ((31 <= retention <= 731 and retention % 31 == 0) or retention == 731):
            yield "performance_insights_retention_days", f"{retention} must be 7, a multiple of 31, or 731"


@dataclass(frozen=True)
class CacheSettings:
    """Redis on ElastiCache and Memorystore."""

    aws_node_type: str  # e.g. cache.r6g.large
    aws_nodes: int  # primary plus replicas
    gcp_memory_size_gib: int
    high_availability: bool  # ElastiCache failover + Multi-AZ / Memorystore STANDARD_HA
    snapshot_retention_days: int  # ElastiCache daily snapshots kept; Memorystore keeps only its latest RDB snapshot
    redis_major_version: int = 7  # each cloud runs its newest minor of this major (ElastiCache 7.1, Memorystore 7.2)
    gcp_snapshot_period_hours: int = 24  # Memorystore RDB snapshot interval; ElastiCache snapshots daily

    def problems(self) -> Problems:
        if not _CACHE_NODE.match(self.aws_node_type):
            yield "aws_node_type", f"'{self.aws_node_type}' is not an ElastiCache node type"
        if not 1 <= self.aws_nodes <= 6:
            yield "aws_nodes", f"{self.aws_nodes} is outside 1-6 (a primary and up to 5 replicas)"
        if self.high_availability and self.aws_nodes < 2:
            yield "aws_nodes", "high availability needs at least 2 nodes for automatic failover"
        if not self.high_availability and self.aws_nodes > 1:
            # CloudFormation's own check (E3026, run by CDK at synth) refuses replicas without automatic failover.
            yield "aws_nodes", f"{self.aws_nodes} nodes need high_availability (automatic failover); without it, 1"
        if not 1 <= self.gcp_memory_size_gib <= VALKEY_MAX_NODE_GIB:
            yield (
                "gcp_memory_size_gib",
                f"{self.gcp_memory_size_gib} GiB is outside one Valkey node's writable 1-{VALKEY_MAX_NODE_GIB} GiB",
            )
        if not 1 <= self.snapshot_retention_days <= 35:
            yield "snapshot_retention_days", f"{self.snapshot_retention_days} is outside ElastiCache's 1-35"
        if self.redis_major_version not in REDIS_MAJOR_VERSIONS:
            yield (
                "redis_major_version",
                f"{self.redis_major_version} is not a Redis major both clouds offer {sorted(REDIS_MAJOR_VERSIONS)}",
            )
        if self.gcp_snapshot_period_hours not in MEMORYSTORE_SNAPSHOT_HOURS:
            yield (
                "gcp_snapshot_period_hours",
                f"{self.gcp_snapshot_period_hours} is not a Memorystore period {sorted(MEMORYSTORE_SNAPSHOT_HOURS)}",
            )


@dataclass(frozen=True)
class AlertThresholds:
    """When an alert fires. Critical pages, warning emails, info goes to Slack."""

    service_down_minutes: int  # critical: no healthy targets / failing uptime check this long
    error_rate_percent: float  # critical: 5xx share of requests
    database_connection_failures: int  # critical: failed connection attempts per 5 minutes
    certificate_expiry_days: int  # critical: days before a certificate expires
    cpu_percent: float  # warning
    memory_percent: float  # warning
    response_time_seconds: float  # warning: latency at `response_time_percentile`
    free_disk_percent: float  # warning: database free storage below this share
    response_time_percentile: float = 95.0  # which latency percentile `response_time_seconds` bounds
    critical_window_minutes: int = 5  # critical rates (5xx share, connection failures) are measured over this
    warning_window_minutes: int = 10  # a warning condition must hold this long before anyone is told
    cache_memory_percent: float = 80.0  # warning: Redis memory in use
    cache_evictions: int = 100  # warning: keys evicted per `warning_window_minutes` (sessions being lost)
    application_errors: int = 10  # warning: ERROR log entries of one service per `warning_window_minutes`

    def problems(self) -> Problems:
        for name in (
            "error_rate_percent",
            "cpu_percent",
            "memory_percent",
            "free_disk_percent",
            "cache_memory_percent",
        ):
            yield from _check(name, percent_problem(getattr(self, name)))
        for name in (
            "service_down_minutes",
            "database_connection_failures",
            "certificate_expiry_days",
            "response_time_seconds",
            "critical_window_minutes",
            "warning_window_minutes",
            "cache_evictions",
            "application_errors",
        ):
            yield from _check(name, positive_problem(getattr(self, name)))
        if not 50 <= self.response_time_percentile < 100:
            yield "response_time_percentile", f"{self.response_time_percentile} is outside 50-99.9"
        elif self.response_time_percentile not in CLOUD_MONITORING_PERCENTILES:
            yield (
                "response_time_percentile",
                f"{self.response_time_percentile} is not a percentile Cloud Monitoring alerts on "
                f"{sorted(CLOUD_MONITORING_PERCENTILES)}",
            )
        # CloudWatch alarm periods and Cloud Monitoring durations are whole minutes; 1 day keeps both in range.
        for name in ("service_down_minutes", "critical_window_minutes", "warning_window_minutes"):
            if not 1 <= getattr(self, name) <= 1440:
                yield name, f"{getattr(self, name)} is outside 1-1440 minutes"


@dataclass(frozen=True)
class AlertRoutes:
    """Where alerts go. Integration keys and webhooks live in secrets named here, never in code."""

    pagerduty_secret_name: str  # critical: secret holding the PagerDuty Events API integration key
    warning_emails: tuple[str, ...]  # warning
    slack_channel: str  # info: channel name, e.g. #bookedbarber-alerts
    slack_webhook_secret_name: str  # info: secret holding the Slack incoming-webhook URL
    # info on AWS goes through AWS Chatbot: the Slack workspace (T...) and channel (C...) ids an operator
    # authorized once in the Chatbot console. None keeps the info topic without a Slack subscription.
    slack_workspace_id: str | None = None
    slack_channel_id: str | None = None
    notify_on_recovery: bool = False  # alarms also notify their route when they return to OK
    # info on GCP: log-match alert policies need a rate limit; at most one message per event kind this often.
    info_notification_interval_minutes: int = 60
    # Where docs/runbooks.md is read (each alarm and policy links <base>#<alert key>); None: the repository's
    # file on GitHub's main branch (github.owner / github.repository), see shared/runbooks.py.
    runbook_base_url: str | None = None

    def problems(self) -> Problems:
        if not self.warning_emails:
            yield "warning_emails", "at least one address is needed for warning alerts"
        if len(self.warning_emails) > MAX_BUDGET_EMAILS:
            yield "warning_emails", f"AWS Budgets notifies at most {MAX_BUDGET_EMAILS} addresses; use a list address"
        for address in self.warning_emails:
            yield from _check("warning_emails", email_problem(address))
        if not _SLACK_CHANNEL.match(self.slack_channel):
            yield "slack_channel", f"'{self.slack_channel}' is not a Slack channel name like #alerts"
        if (self.slack_workspace_id is None) != (self.slack_channel_id is None):
            yield "slack_channel_id", "set slack_workspace_id and slack_channel_id together, or neither"
        if self.slack_workspace_id is not None and not _SLACK_ID.match(self.slack_workspace_id):
            yield "slack_workspace_id", f"'{self.slack_workspace_id}' is not a Slack workspace id (T...)"
        if self.slack_channel_id is not None and not _SLACK_CHANNEL_ID.match(self.slack_channel_id):
            yield "slack_channel_id", f"'{self.slack_channel_id}' is not a Slack channel id (C...)"
        for name in ("pagerduty_secret_name", "slack_webhook_secret_name"):
            if not _SECRET_NAME.match(getattr(self, name)):
                yield name, f"'{getattr(self, name)}' is not a valid secret name"
        if self.runbook_base_url is not None and not _RUNBOOK_URL.match(self.runbook_base_url):
            yield "runbook_base_url", f"'{self.runbook_base_url}' is not an https:// URL without a #fragment"
        # Cloud Monitoring closes log-match incidents after at least 30 minutes; a day keeps info timely.
        if not 30 <= self.info_notification_interval_minutes <= 1440:
            yield "info_notification_interval_minutes", f"{self.info_notification_interval_minutes} is outside 30-1440"


@dataclass(frozen=True)
class ResilienceSettings:
    """Backups, recovery targets, protection of stateful resources, and log retention."""

    backup_retention_days: int  # automated database backups (on RDS also the point-in-time recovery window)
    rpo_minutes: int  # recovery point objective: point-in-time recovery covers this gap
    rto_minutes: int  # recovery time objective
    log_retention_days: int  # application, flow and audit logs
    deletion_protection: bool  # databases and load balancers refuse deletion
    retain_stateful_resources: bool  # databases, caches, buckets, keys and secrets survive stack deletion
    key_rotation_days: int = 90  # automatic rotation of customer-managed encryption keys
    secret_rotation_days: int = 30  # rotation period of credentials (RDS rotation, Secret Manager notifications)
    point_in_time_recovery_days: int = 7  # how far back the database restores to any second (Cloud SQL log retention)
    lock_log_retention: bool = False  # lock audit and access-log bucket retention: it can never be shortened again
    copy_backups_to_recovery_region: bool = False  # daily backups also copied to `aws.recovery_region`
    backup_vault_lock: bool = False  # compliance-mode vault lock: no one can delete recovery points early

    def problems(self) -> Problems:
        if not 1 <= self.backup_retention_days <= 35:
            yield "backup_retention_days", f"{self.backup_retention_days} is outside RDS's 1-35 days"
        if not 90 <= self.key_rotation_days <= 2560:
            yield "key_rotation_days", f"{self.key_rotation_days} is outside the 90-2560 days both KMS services accept"
        if self.secret_rotation_days < 1:
            yield "secret_rotation_days", f"{self.secret_rotation_days} must be at least 1 day"
        if self.secret_rotation_days > SECRET_ROTATION_MAX_DAYS:
            yield (
                "secret_rotation_days",
                f"{self.secret_rotation_days} is above Secrets Manager's maximum of {SECRET_ROTATION_MAX_DAYS} days",
            )
        for name in ("rpo_minutes", "rto_minutes"):
            yield from _check(name, positive_problem(getattr(self, name)))
        if self.rpo_minutes < MIN_RPO_MINUTES:
            yield (
                "rpo_minutes",
                f"{self.rpo_minutes} is below the {MIN_RPO_MINUTES} minutes point-in-time recovery can promise "
                "(RDS archives transaction logs every 5 minutes)",
            )
        pitr = self.point_in_time_recovery_days
        if not 1 <= pitr <= CLOUD_SQL_MAX_LOG_RETENTION_DAYS:
            yield "point_in_time_recovery_days", f"{pitr} is outside Cloud SQL Enterprise's 1-7 days of logs"
        elif pitr > self.backup_retention_days:
            yield (
                "point_in_time_recovery_days",
                f"{pitr} is longer than backup_retention_days {self.backup_retention_days}, RDS's recovery window",
            )
        if self.log_retention_days not in CLOUDWATCH_RETENTION_DAYS:
            yield (
                "log_retention_days",
                f"{self.log_retention_days} is not a CloudWatch retention period {sorted(CLOUDWATCH_RETENTION_DAYS)}",
            )


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
        yield from _check(
            "cdn_default_ttl_seconds", range_problem(self.cdn_default_ttl_seconds, self.cdn_max_ttl_seconds)
        )


@dataclass(frozen=True)
class StorageSettings:
    """Object storage for static assets and uploads."""

    versioning: bool
    infrequent_access_after_days: int  # S3 Standard-IA / GCS Nearline
    archive_after_days: int  # S3 Glacier / GCS Archive
    noncurrent_version_expiry_days: int

    def problems(self) -> Problems:
        if self.infrequent_access_after_days < 30:
            yield "infrequent_access_after_days", f"{self.infrequent_access_after_days} is below S3's 30-day minimum"
        if self.archive_after_days <= self.infrequent_access_after_days:
            yield (
                "archive_after_days",
                f"{self.archive_after_days} must come after infrequent_access_after_days "
                f"{self.infrequent_access_after_days}",
            )
        yield from _check("noncurrent_version_expiry_days", positive_problem(self.noncurrent_version_expiry_days))


@dataclass(frozen=True)
class BudgetSettings:
    monthly_limit_usd: int
    alert_at_percent: tuple[float, ...]  # shares of the limit that notify, on actual and on forecast spend

    def problems(self) -> Problems:
        yield from _check("monthly_limit_usd", positive_problem(self.monthly_limit_usd))
        for value in self.alert_at_percent:
            yield from _check("alert_at_percent", percent_problem(value))
        if len(self.alert_at_percent) * 2 > MAX_BUDGET_NOTIFICATIONS:
            yield (
                "alert_at_percent",
                f"{len(self.alert_at_percent)} shares need {len(self.alert_at_percent) * 2} notifications (actual and "
                f"forecast); AWS Budgets allows {MAX_BUDGET_NOTIFICATIONS} per budget",
            )


@dataclass(frozen=True)
class GithubSettings:
    """The repository whose workflows may deploy this environment, through OIDC federation (no stored keys)."""

    owner: str  # organisation or user that owns the repository
    repository: str  # repository name, without the owner
    # GitHub's numeric repository id: unlike the name, it survives renames and is never reused, so the GCP
    # workload identity provider trusts it (`assertion.repository_id`), not a name someone could re-register.
    repository_id: int
    environment: str  # GitHub environment (with required reviewers) whose jobs may deploy and release
    # The local counterpart of required reviewers: `make deploy` asks for the environment's name to be typed
    # (or CONFIRM=<environment> in automation) before changing anything.
    deploy_confirmation: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repository}"

    def problems(self) -> Problems:
        if not _GITHUB_OWNER.match(self.owner):
            yield "owner", f"'{self.owner}' is not a GitHub user or organisation name"
        if not _GITHUB_REPOSITORY.match(self.repository) or self.repository in {".", ".."}:
            yield "repository", f"'{self.repository}' is not a GitHub repository name"
        if isinstance(self.repository_id, bool) or not isinstance(self.repository_id, int) or self.repository_id < 1:
            yield "repository_id", f"'{self.repository_id}' is not GitHub's numeric repository id (a positive integer)"
        if not _GITHUB_ENVIRONMENT.match(self.environment):
            yield "environment", f"'{self.environment}' must be letters, digits, '.', '_' or '-' (no ':' or spaces)"


@dataclass(frozen=True)
class Settings:
    """Everything both clouds need for one environment."""

    environment: str
    tags: TagSettings
    domain: DomainSettings
    aws: AwsSettings
    gcp: GcpSettings
    network: NetworkSettings
    compute: ComputeSettings
    database: DatabaseSettings
    cache: CacheSettings
    thresholds: AlertThresholds
    routes: AlertRoutes
    resilience: ResilienceSettings
    edge: EdgeSettings
    storage: StorageSettings
    budget: BudgetSettings
    github: GithubSettings
    delivery: DeliverySettings
    dns: DnsSettings
    # Non-secret runtime switches published to Parameter Store / the services' environment.
    feature_flags: Mapping[str, bool] = field(default_factory=dict)
    account_services: AccountServices = field(default_factory=AccountServices)  # account-level services it owns
    slos: SloSettings = field(default_factory=SloSettings)  # service-level objectives (shared/slos.py)
    recovery: RecoverySettings = field(default_factory=RecoverySettings)  # regional disaster recovery (both clouds)
    rollout: RolloutSettings = field(default_factory=RolloutSettings)  # AWS blue/green releases (shared/rollout.py)
    cost_review: CostReviewSettings = field(default_factory=CostReviewSettings)  # tooling only: the PR cost gate
    # GCP: SCC notifications, Cloud Asset feed, registry scanning routes (shared/security_monitoring.py)
    security_monitoring: SecurityMonitoringSettings = field(default_factory=SecurityMonitoringSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_flags", MappingProxyType(dict(self.feature_flags)))
        if self.environment not in ENVIRONMENTS:
            raise SettingsError(self.environment, [("environment", f"must be one of {list(ENVIRONMENTS)}")])
        # Wrong types first: the range checks below would otherwise fail with a raw TypeError.
        problems = list(type_problems(self)) or list(self._problems())
        if problems:
            raise SettingsError(self.environment, problems)

    @property
    def prefix(self) -> str:
        """`bookedbarber-<env>`: the start of every resource and stack name."""
        return f"{self.tags.project}-{self.environment}"

    def name(self, component: str) -> str:
        return f"{self.prefix}-{component}"

    def path(self, *parts: str) -> str:
        """`bookedbarber/<env>/<parts...>`: hierarchical names (secrets, parameters)."""
        return "/".join((self.tags.project, self.environment, *parts))

    @property
    def cloud_run_concurrency(self) -> int:
        """Cloud Run's per-instance request limit equivalent to AWS's per-task request target.

        Little's law: a task serving `scale_out_requests_per_target` a minute at the promised latency (the
        response-time alert) holds rate x latency requests at once. Cloud Run adds instances when in-flight
        requests pass 60 % of the limit, so the limit is that count / 0.6: both clouds scale at the same load.
        """
        in_flight = self.compute.scale_out_requests_per_target / 60 * self.thresholds.response_time_seconds
        return math.ceil(in_flight / CLOUD_RUN_TARGET_CONCURRENCY_SHARE)

    @property
    def aws_tags(self) -> dict[str, str]:
        return {
            "Project": self.tags.project,
            "Environment": self.environment,
            "Owner": self.tags.owner,
            "CostCentre": self.tags.cost_centre,
        }

    @property
    def gcp_labels(self) -> dict[str, str]:
        return {
            "project": self.tags.project,
            "environment": self.environment,
            "owner": self.tags.owner,
            "cost_centre": self.tags.cost_centre,
        }

    def _problems(self) -> Problems:
        for section in fields(self):
            value = getattr(self, section.name)
            if is_dataclass(value):
                yield from _prefixed(section.name, value.problems())
        for flag, enabled in self.feature_flags.items():
            if not _FLAG_NAME.match(flag) or not isinstance(enabled, bool):
                yield "feature_flags", f"'{flag}' needs a snake_case name and a true/false value"
        yield from self._cross_section_problems()

    def _cross_section_problems(self) -> Problems:
        yield from self.dns.problems_with(self.domain.zone_name, self.domain.app_domain, self.domain.origin_domain)
        yield from self.recovery.problems_with(
            resilience=self.resilience, gcp_region=self.gcp.region, versioned_uploads=self.storage.versioning
        )
        if self.recovery.has_standby and self.network.gcp_standby_subnet_cidr is None:
            yield "network.gcp_standby_subnet_cidr", f"a '{self.recovery.strategy}' standby's Cloud Run needs a subnet"
        zones = len(self.aws.availability_zones)
        if zones < 2:
            yield "aws.availability_zones", f"{zones} zone(s) given; the load balancer and RDS need at least 2"
        for name in ("aws_public_subnet_cidrs", "aws_app_subnet_cidrs", "aws_database_subnet_cidrs"):
            count = len(getattr(self.network, name))
            if count != zones:
                yield f"network.{name}", f"{count} subnet(s) for {zones} availability zone(s); give one per zone"
        if self.network.aws_nat_gateways > zones:
            yield "network.aws_nat_gateways", f"{self.network.aws_nat_gateways} is more than one per zone ({zones})"
        for scaling, alert in (("cpu", self.thresholds.cpu_percent), ("memory", self.thresholds.memory_percent)):
            target = getattr(self.compute, f"scale_out_{scaling}_percent")
            if target >= alert:
                yield (
                    f"compute.scale_out_{scaling}_percent",
                    f"{target} must be below the {scaling} alert ({alert}) so scaling acts before anyone is paged",
                )
        if not 1 <= self.cloud_run_concurrency <= CLOUD_RUN_MAX_CONCURRENCY:
            yield (
                "compute.scale_out_requests_per_target",
                f"gives a Cloud Run concurrency of {self.cloud_run_concurrency} at "
                f"{self.thresholds.response_time_seconds} s; Cloud Run accepts 1-{CLOUD_RUN_MAX_CONCURRENCY}",
            )
        if self.database.multi_az and self.database.read_replicas > 5:
            yield "database.read_replicas", f"{self.database.read_replicas} is above RDS's 5 replicas per source"
        if self.environment == "production":
            yield from self._production_problems(zones)

    def _production_problems(self, zones: int) -> Problems:
        """Production is highly available and protected; these are not per-environment choices."""
        required = {
            "database.multi_az": self.database.multi_az,
            "cache.high_availability": self.cache.high_availability,
            "resilience.deletion_protection": self.resilience.deletion_protection,
            "resilience.retain_stateful_resources": self.resilience.retain_stateful_resources,
            "storage.versioning": self.storage.versioning,
            "resilience.lock_log_retention": self.resilience.lock_log_retention,
            "routes.notify_on_recovery": self.routes.notify_on_recovery,
            "resilience.copy_backups_to_recovery_region": self.resilience.copy_backups_to_recovery_region,
            "resilience.backup_vault_lock": self.resilience.backup_vault_lock,
            "github.deploy_confirmation": self.github.deploy_confirmation,
        }
        for name, enabled in required.items():
            if not enabled:
                yield name, "production must enable this"
        if zones < 3:
            yield "aws.availability_zones", f"production needs 3 availability zones, got {zones}"
        if self.network.aws_nat_gateways != zones:
            yield "network.aws_nat_gateways", "production needs one NAT gateway per availability zone"
        if self.database.read_replicas < 1:
            yield "database.read_replicas", "production needs at least one read replica"
        yield from _prefixed("delivery", self.delivery.production_problems())
        yield from _prefixed("recovery", self.recovery.production_problems())
