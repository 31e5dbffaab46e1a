"""Typed, immutable settings: one `Settings` per environment, one dataclass per concern.

Units are part of every numeric field's name (`_gib`, `_percent`, `_seconds`) so a
value means the same thing to CloudWatch and to Cloud Monitoring. Each section
yields its own problems; `Settings.__post_init__` collects them, adds the checks
that span sections, and raises one `SettingsError` naming the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType

from shared.checks import (
    domain_problem,
    email_problem,
    parse_cidr,
    percent_problem,
    positive_problem,
    range_problem,
)
from shared.errors import SettingsError

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

CLOUD_RUN_CPUS = frozenset({1, 2, 4, 6, 8})
CLOUD_ARMOR_INTERVALS_SECONDS = frozenset({10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600})
AWS_WAF_WINDOWS_SECONDS = frozenset({60, 120, 300, 600})
RATE_LIMIT_WINDOWS_SECONDS = CLOUD_ARMOR_INTERVALS_SECONDS & AWS_WAF_WINDOWS_SECONDS

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_PREFIX_LIST_ID = re.compile(r"^pl-[0-9a-f]{8,17}$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_GCP_LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_RDS_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
_CLOUD_SQL_TIER = re.compile(r"^db-(custom-\d+-\d+|f1-micro|g1-small|perf-optimized-N-\d+)$")
_SLACK_CHANNEL = re.compile(r"^#[a-z0-9_-]{1,79}$")
_SLACK_ID = re.compile(r"^T[A-Z0-9]{8,12}$")
_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,12}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,255}$")
_POSTGRES_VERSION = re.compile(r"^1[4-8]\.\d+$")
_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
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

    zone_name: str  # the DNS zone that holds both names
    app_domain: str  # what users type; CloudFront / the global load balancer serve it
    origin_domain: str  # the regional load balancer behind the CDN

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
    hosted_zone_id: str  # Route 53 public hosted zone of `domain.zone_name`
    # AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` of `region` (its id differs per
    # region): when set, only CloudFront can reach the load balancer; None leaves it open behind the regional WAF.
    cloudfront_prefix_list_id: str | None = None

    def problems(self) -> Problems:
        if not _ACCOUNT_ID.match(self.account_id):
            yield "account_id", f"'{self.account_id}' is not a 12-digit AWS account id"
        if not _AWS_REGION.match(self.region):
            yield "region", f"'{self.region}' is not an AWS region name"
        if len(set(self.availability_zones)) != len(self.availability_zones):
            yield "availability_zones", f"{list(self.availability_zones)} repeats an availability zone"
        for zone in self.availability_zones:
            if not (zone.startswith(self.region) and len(zone) == len(self.region) + 1 and zone[-1].isalpha()):
                yield "availability_zones", f"'{zone}' is not an availability zone of region '{self.region}'"
        if not _HOSTED_ZONE_ID.match(self.hosted_zone_id):
            yield "hosted_zone_id", f"'{self.hosted_zone_id}' is not a Route 53 hosted zone id"
        if self.cloudfront_prefix_list_id is not None and not _PREFIX_LIST_ID.match(self.cloudfront_prefix_list_id):
            yield "cloudfront_prefix_list_id", f"'{self.cloudfront_prefix_list_id}' is not a prefix list id (pl-...)"


@dataclass(frozen=True)
class GcpSettings:
    """Where the GCP stacks deploy and where their Terraform state lives."""

    project_id: str  # GCP project id
    region: str  # region of every regional resource
    state_bucket: str | None = None  # GCS bucket for Terraform state; None keeps the local backend
    # The project's number (workload identity provider names use it); only the workflows need it.
    project_number: str | None = None

    def problems(self) -> Problems:
        if not _GCP_PROJECT.match(self.project_id):
            yield "project_id", f"'{self.project_id}' is not a GCP project id (6-30 lower-case letters, digits, '-')"
        if not _GCP_REGION.match(self.region):
            yield "region", f"'{self.region}' is not a GCP region name"
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
        for name in ("gcp_app_subnet_cidr", "gcp_private_services_cidr"):
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
    container_port: int

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
        if not 1024 <= self.container_port <= 65535:
            yield "container_port", f"{self.container_port} is not an unprivileged port"


@dataclass(frozen=True)
class ComputeSettings:
    backend: ServiceSizing  # FastAPI
    frontend: ServiceSizing  # Next.js
    scale_out_requests_per_target: int  # ALB requests per task per minute before adding tasks
    scale_out_cpu_percent: float  # Fargate target tracking; below the CPU alert so scaling acts first
    scale_out_memory_percent: float  # Fargate target tracking; below the memory alert

    def problems(self) -> Problems:
        yield from _prefixed("backend", self.backend.problems())
        yield from _prefixed("frontend", self.frontend.problems())
        for name in ("scale_out_cpu_percent", "scale_out_memory_percent"):
            yield from _check(name, percent_problem(getattr(self, name)))
        yield from _check("scale_out_requests_per_target", positive_problem(self.scale_out_requests_per_target))


@dataclass(frozen=True)
class DatabaseSettings:
    """PostgreSQL on RDS and Cloud SQL. Storage numbers are shared by both clouds."""

    aws_instance_class: str  # e.g. db.r6g.xlarge
    gcp_tier: str  # e.g. db-custom-4-16384
    multi_az: bool  # RDS Multi-AZ / Cloud SQL REGIONAL
    read_replicas: int
    allocated_storage_gib: int  # initial gp3 / PD-SSD size
    max_allocated_storage_gib: int  # storage auto-scaling ceiling
    port: int
    performance_insights_retention_days: int  # 7 is free; 31-731 are paid months
    postgres_version: str = "17.6"  # RDS engine version; Cloud SQL runs the same major and manages minors

    @property
    def postgres_major_version(self) -> str:
        return self.postgres_version.partition(".")[0]

    def problems(self) -> Problems:
        if not _RDS_CLASS.match(self.aws_instance_class):
            yield "aws_instance_class", f"'{self.aws_instance_class}' is not an RDS instance class"
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
        if self.max_allocated_storage_gib > 65536:
            yield "max_allocated_storage_gib", f"{self.max_allocated_storage_gib} GiB exceeds the 64 TiB limit"
        if not 1024 <= self.port <= 65535:
            yield "port", f"{self.port} is not an unprivileged port"
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
    port: int
    snapshot_retention_days: int

    def problems(self) -> Problems:
        if not _CACHE_NODE.match(self.aws_node_type):
            yield "aws_node_type", f"'{self.aws_node_type}' is not an ElastiCache node type"
        if not 1 <= self.aws_nodes <= 6:
            yield "aws_nodes", f"{self.aws_nodes} is outside 1-6 (a primary and up to 5 replicas)"
        if self.high_availability and self.aws_nodes < 2:
            yield "aws_nodes", "high availability needs at least 2 nodes for automatic failover"
        if not 1 <= self.gcp_memory_size_gib <= 300:
            yield "gcp_memory_size_gib", f"{self.gcp_memory_size_gib} GiB is outside Memorystore's 1-300"
        if not 1024 <= self.port <= 65535:
            yield "port", f"{self.port} is not an unprivileged port"
        if not 1 <= self.snapshot_retention_days <= 35:
            yield "snapshot_retention_days", f"{self.snapshot_retention_days} is outside ElastiCache's 1-35"


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
        ):
            yield from _check(name, positive_problem(getattr(self, name)))
        if not 50 <= self.response_time_percentile < 100:
            yield "response_time_percentile", f"{self.response_time_percentile} is outside 50-99.9"
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

    def problems(self) -> Problems:
        if not self.warning_emails:
            yield "warning_emails", "at least one address is needed for warning alerts"
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


@dataclass(frozen=True)
class ResilienceSettings:
    """Backups, recovery targets, protection of stateful resources, and log retention."""

    backup_retention_days: int  # automated database backups
    rpo_minutes: int  # recovery point objective: point-in-time recovery covers this gap
    rto_minutes: int  # recovery time objective
    log_retention_days: int  # application, flow and audit logs
    deletion_protection: bool  # databases and load balancers refuse deletion
    retain_stateful_resources: bool  # databases, caches, buckets, keys and secrets survive stack deletion
    key_rotation_days: int = 90  # automatic rotation of customer-managed encryption keys
    secret_rotation_days: int = 30  # rotation period of credentials (RDS rotation, Secret Manager notifications)

    def problems(self) -> Problems:
        if not 1 <= self.backup_retention_days <= 35:
            yield "backup_retention_days", f"{self.backup_retention_days} is outside RDS's 1-35 days"
        if not 90 <= self.key_rotation_days <= 2560:
            yield "key_rotation_days", f"{self.key_rotation_days} is outside the 90-2560 days both KMS services accept"
        if self.secret_rotation_days < 1:
            yield "secret_rotation_days", f"{self.secret_rotation_days} must be at least 1 day"
        for name in ("rpo_minutes", "rto_minutes"):
            yield from _check(name, positive_problem(getattr(self, name)))
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
    alert_at_percent: tuple[float, ...]  # actual-spend shares of the limit that notify

    def problems(self) -> Problems:
        yield from _check("monthly_limit_usd", positive_problem(self.monthly_limit_usd))
        for value in self.alert_at_percent:
            yield from _check("alert_at_percent", percent_problem(value))


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
    # Non-secret runtime switches published to Parameter Store / the services' environment.
    feature_flags: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_flags", MappingProxyType(dict(self.feature_flags)))
        if self.environment not in ENVIRONMENTS:
            raise SettingsError(self.environment, [("environment", f"must be one of {list(ENVIRONMENTS)}")])
        problems = list(self._problems())
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
