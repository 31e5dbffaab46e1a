"""Where each settings field reaches: both clouds, one cloud (and why), or tooling only (and which command reads it).

`REACH` classifies every leaf field of `Settings` by its dotted path (tests/shared/test_reach.py fails on a field
without a row). `make reach` (tests/reach/check_reach.py) changes each field to another valid value (`variant`),
synthesizes both clouds and proves the change shows exactly where its row says; reports/parity.py reads every
both-clouds field back from both outputs. README "Where the clouds differ" and docs/settings.md show the reasons.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from shared.errors import SettingsError

if typing.TYPE_CHECKING:
    from shared.settings import Settings


class Where(Enum):
    BOTH = "both clouds"
    AWS = "AWS only"
    GCP = "GCP only"
    TOOLING = "tooling only"


@dataclass(frozen=True)
class Reach:
    where: Where
    why: str = ""  # one cloud: why the other has no such setting; tooling: which command reads it
    readers: tuple[str, ...] = ()  # tooling: the modules that read the field (the reach test checks they name it)
    differs: str = ""  # both clouds, but not the same thing on each: what each does (README "Where the clouds differ")

    @property
    def aws(self) -> bool:
        return self.where in (Where.BOTH, Where.AWS)

    @property
    def gcp(self) -> bool:
        return self.where in (Where.BOTH, Where.GCP)


def both(why: str = "", *, differs: str = "") -> Reach:
    return Reach(Where.BOTH, why, differs=differs)


def aws_only(why: str) -> Reach:
    return Reach(Where.AWS, why)


def gcp_only(why: str) -> Reach:
    return Reach(Where.GCP, why)


def tooling(why: str, *readers: str) -> Reach:
    return Reach(Where.TOOLING, why, readers)


_SIZING = {
    "fargate_cpu_units": aws_only("Fargate task size; Cloud Run sizes by `cloud_run_cpus`"),
    "fargate_memory_mib": aws_only("Fargate task size; Cloud Run sizes by `cloud_run_memory_mib`"),
    "fargate_min_tasks": aws_only("ECS service scaling floor; Cloud Run's is `cloud_run_min_instances`"),
    "fargate_max_tasks": aws_only("ECS service scaling ceiling; Cloud Run's is `cloud_run_max_instances`"),
    "cloud_run_cpus": gcp_only("Cloud Run instance size; Fargate sizes by `fargate_cpu_units`"),
    "cloud_run_memory_mib": gcp_only("Cloud Run instance size; Fargate sizes by `fargate_memory_mib`"),
    "cloud_run_min_instances": gcp_only("Cloud Run scaling floor (0 scales to zero); Fargate's is `fargate_min_tasks`"),
    "cloud_run_max_instances": gcp_only("Cloud Run scaling ceiling; Fargate's is `fargate_max_tasks`"),
}

_DR = (
    "the targets the recovery strategy's arithmetic must meet: validation refuses a strategy whose steps or "
    "replication lag miss them, and the runbook's region-loss tables show the sums; no resource carries them"
)

REACH: dict[str, Reach] = {
    "tags.project": both(),
    "tags.owner": both(),
    "tags.cost_centre": both(),
    "domain.zone_name": tooling(
        "the parent zone holds the serving record, which `ops/serving_record.py` prints; neither cloud owns it",
        "ops.serving_record",
    ),
    "domain.app_domain": both(),
    "domain.origin_domain": aws_only(
        "the regional load balancer's own name behind CloudFront; GCP's global load balancer is the edge itself"
    ),
    "aws.account_id": aws_only("where the AWS stacks deploy"),
    "aws.region": aws_only("where the AWS stacks deploy"),
    "aws.availability_zones": aws_only("Cloud Run and Cloud SQL REGIONAL pick their zones themselves"),
    "aws.hosted_zone_id": aws_only("the Route 53 zone of `dns.aws_zone_name`"),
    "aws.cloudfront_prefix_list_id": aws_only("CloudFront's origin-facing prefix list; GCP has no CDN in front"),
    "aws.recovery_region": aws_only("the AWS Backup copy destination"),
    "aws.cloudfront_vpc_origin_security_group_id": aws_only(
        "the CloudFront VPC origins service security group the internal ALB admits; GCP's load balancer is the edge"
    ),
    "gcp.project_id": gcp_only("where the GCP stacks deploy"),
    "gcp.region": gcp_only("where the GCP stacks deploy"),
    "gcp.billing_account_id": gcp_only("the Cloud Billing account that holds the budget; AWS bills the account"),
    "gcp.dns_managed_zone": gcp_only("the Cloud DNS zone of `dns.gcp_zone_name`"),
    "gcp.dns_project_id": gcp_only("the project of the Cloud DNS zone"),
    "gcp.dns_record_ttl_seconds": gcp_only("Route 53 alias records have no TTL"),
    "gcp.state_bucket": gcp_only("Terraform's state backend; CloudFormation keeps its own state"),
    "gcp.project_number": tooling(
        "the workload identity provider's full name for the workflows (shared/delivery.py), which "
        "`ops/ci_settings.py` prints",
        "shared.delivery",
    ),
    "network.aws_vpc_cidr": aws_only("the AWS address plan; validation keeps it apart from the GCP ranges"),
    "network.aws_public_subnet_cidrs": aws_only("the AWS address plan; validation keeps it apart from the GCP ranges"),
    "network.aws_app_subnet_cidrs": aws_only("the AWS address plan; validation keeps it apart from the GCP ranges"),
    "network.aws_database_subnet_cidrs": aws_only(
        "the AWS address plan; validation keeps it apart from the GCP ranges"
    ),
    "network.aws_nat_gateways": aws_only("GCP's Cloud NAT is one regional resource"),
    "network.aws_interface_endpoints": aws_only("PrivateLink endpoints; GCP uses Private Google Access"),
    "network.gcp_app_subnet_cidr": gcp_only("the GCP address plan; validation keeps it apart from the AWS ranges"),
    "network.gcp_private_services_cidr": gcp_only(
        "the GCP address plan; validation keeps it apart from the AWS ranges"
    ),
    **{f"compute.{service}.{name}": reach for service in ("api", "web") for name, reach in _SIZING.items()},
    "compute.scale_out_requests_per_target": both(),
    "compute.scale_out_cpu_percent": aws_only(
        "Fargate target tracking on CPU; Cloud Run scales on requests in flight only"
    ),
    "compute.scale_out_memory_percent": aws_only(
        "Fargate target tracking on memory; Cloud Run scales on requests in flight only"
    ),
    "compute.untagged_image_expiry_days": both(),
    "compute.kept_images": both(),
    "database.aws_instance_class": aws_only("RDS instance size; Cloud SQL sizes by `gcp_tier`"),
    "database.gcp_tier": gcp_only("Cloud SQL machine size; RDS sizes by `aws_instance_class`"),
    "database.multi_az": both(),
    "database.read_replicas": both(),
    "database.allocated_storage_gib": both(),
    "database.max_allocated_storage_gib": both(),
    "database.performance_insights_retention_days": aws_only(
        "Performance Insights retention; Query Insights keeps a fixed 7 days"
    ),
    "database.postgres_version": both(),
    "cache.aws_node_type": aws_only("ElastiCache node size; Memorystore sizes by `gcp_memory_size_gib`"),
    "cache.aws_nodes": aws_only("ElastiCache replicas; Memorystore STANDARD_HA has one fixed replica"),
    "cache.gcp_memory_size_gib": gcp_only("Memorystore capacity; ElastiCache sizes by `aws_node_type`"),
    "cache.high_availability": both(),
    "cache.snapshot_retention_days": aws_only("ElastiCache keeps daily snapshots; Memorystore only its latest"),
    "cache.redis_major_version": aws_only(
        "ElastiCache's Redis OSS major; GCP's cache is Memorystore for Valkey, whose major is shared/valkey.py's"
    ),
    "cache.gcp_snapshot_period_hours": gcp_only("Memorystore's RDB interval; ElastiCache snapshots daily"),
    **{
        f"thresholds.{name}": both()
        for name in (
            "service_down_minutes",
            "error_rate_percent",
            "database_connection_failures",
            "certificate_expiry_days",
            "cpu_percent",
            "memory_percent",
            "response_time_seconds",
            "free_disk_percent",
            "response_time_percentile",
            "critical_window_minutes",
            "warning_window_minutes",
            "cache_memory_percent",
            "cache_evictions",
            "application_errors",
        )
    },
    "routes.pagerduty_secret_name": both(),
    "routes.warning_emails": both(),
    "routes.slack_channel": gcp_only("Cloud Monitoring's Slack channel; AWS Chatbot uses `slack_channel_id`"),
    "routes.slack_webhook_secret_name": gcp_only(
        "the webhook GCP's channel posts to; AWS Chatbot needs no webhook (`slack_workspace_id`)"
    ),
    "routes.slack_workspace_id": aws_only("AWS Chatbot's Slack workspace; GCP posts through the webhook"),
    "routes.slack_channel_id": aws_only("AWS Chatbot's Slack channel; GCP posts through the webhook"),
    "routes.notify_on_recovery": aws_only(
        "CloudWatch alarm OK actions; Cloud Monitoring always notifies when an incident closes"
    ),
    "routes.info_notification_interval_minutes": gcp_only(
        "log-match alert policies need a rate limit; EventBridge rules forward every event"
    ),
    "routes.runbook_base_url": both(),
    "resilience.backup_retention_days": both(),
    "resilience.rpo_minutes": both(
        "the standby's replica-lag alarm (AWS) and policy (GCP) warn at half of it; " + _DR.split(": ", 1)[0]
    ),
    "resilience.rto_minutes": tooling(_DR, "shared.recovery", "reports.recovery_table"),
    "resilience.log_retention_days": both(),
    "resilience.deletion_protection": both(),
    "resilience.retain_stateful_resources": both(),
    "resilience.key_rotation_days": both(),
    "resilience.secret_rotation_days": both(
        differs="AWS rotates: RDS changes the master user's password every N days (Secrets Manager managed rotation), "
        "and the api signs in through RDS Proxy with IAM tokens. GCP reminds: every N days Secret Manager publishes a "
        "rotation event to the `secret-rotation` topic and nothing changes by itself; the services sign in to Cloud "
        "SQL with IAM database authentication (no password exists to rotate), and the `postgres` password kept for "
        "break-glass and the bootstrap job is rotated by an operator on that reminder"
    ),
    "resilience.point_in_time_recovery_days": gcp_only(
        "Cloud SQL's transaction-log retention; RDS's window is `backup_retention_days`"
    ),
    "resilience.lock_log_retention": gcp_only(
        "locks the GCS log buckets' retention policy for good; the AWS log buckets use no S3 Object Lock "
        "(chosen only at bucket creation), so AWS has nothing to lock"
    ),
    "resilience.copy_backups_to_recovery_region": aws_only(
        "AWS Backup cross-region copy; Cloud SQL keeps its backups multi-regional by default"
    ),
    "resilience.backup_vault_lock": aws_only("AWS Backup Vault Lock; Cloud SQL backups have no vault"),
    "edge.rate_limit_requests": both(),
    "edge.rate_limit_window_seconds": both(),
    "edge.cdn_default_ttl_seconds": both(),
    "edge.cdn_max_ttl_seconds": aws_only(
        "CloudFront caps origin Cache-Control; Cloud CDN's FORCE_CACHE_ALL (private bucket) ignores origin headers and "
        "refuses a max TTL"
    ),
    "storage.versioning": both(),
    "storage.infrequent_access_after_days": both(),
    "storage.archive_after_days": both(),
    "storage.noncurrent_version_expiry_days": both(),
    "budget.monthly_limit_usd": both(),
    "budget.alert_at_percent": both(),
    "github.owner": both(),
    "github.repository": both(),
    "github.repository_id": both(),
    "github.environment": both(),
    "github.deploy_confirmation": tooling("`make deploy` asks for the environment's name", "ops.deploy"),
    "delivery.reviewers": tooling(
        "`ops/github_settings.py` applies them to the GitHub environments", "ops.github_settings"
    ),
    "delivery.pull_request_plans": both(),
    "delivery.release_environment": both(),
    "delivery.branch": both(),
    "delivery.prevent_self_review": tooling(
        "`ops/github_settings.py` applies it to the GitHub environments", "ops.github_settings"
    ),
    "dns.serving_cloud": tooling(
        "the parent zone's record, which `ops/serving_record.py` prints", "ops.serving_record"
    ),
    "dns.aws_zone_name": aws_only("the Route 53 zone; GCP's is `gcp_zone_name`"),
    "dns.gcp_zone_name": gcp_only("the Cloud DNS zone; AWS's is `aws_zone_name`"),
    "dns.serving_record_ttl_seconds": tooling(
        "the parent zone's record, which `ops/serving_record.py` prints", "ops.serving_record"
    ),
    "feature_flags": both(),
    "account_services.owned": aws_only("account-level AWS services (GuardDuty, Config, ...); a GCP project has none"),
    "account_services.organization_managed": aws_only("what an AWS Organization runs in the account"),
    "network.gcp_standby_subnet_cidr": gcp_only(
        "the standby region's subnet for Cloud Run's direct VPC egress; AWS's standby VPC reuses the aws_* layout"
    ),
    "recovery.strategy": both(),
    "recovery.gcp_standby_region": gcp_only("GCP's standby region; AWS's is `aws.recovery_region`"),
    "recovery.aws_standby_cache_node_type": aws_only(
        "the AWS standby keeps a small cold ElastiCache it scales up at failover; GCP's standby cache has the "
        "primary's size"
    ),
    "recovery.standby_tasks": both(),
    "recovery.drills": both(
        differs="AWS synthesizes FIS experiment templates and a drill role; GCP's drills are gcloud commands "
        "(ops/drill_gcp.py), so only their service account is synthesized. drill.yml runs both, one job each"
    ),
    "recovery.gcp_cross_region_storage": gcp_only(
        "dual-region buckets and a multi-region registry; AWS replicates uploads, images and secrets whenever a "
        "standby exists"
    ),
    "rollout.bake_time_minutes": aws_only(
        "ECS blue/green keeps both task sets for the bake time; a Cloud Run release moves traffic after its check"
    ),
    "rollout.candidate_check_timeout_minutes": aws_only(
        "how long ECS's paused blue/green deployment waits for the release's check; a Cloud Run candidate waits"
    ),
    "cost_review.max_monthly_increase_usd": tooling(
        "the pull-request cost gate: `reports/cost_diff.py` fails above it", "reports.cost_diff"
    ),
    "security_monitoring.scc_notifications": gcp_only(
        "Security Command Center needs activating first; AWS's GuardDuty and Security Hub are `account_services`"
    ),
    "security_monitoring.scc_minimum_severity": gcp_only(
        "which SCC findings page; AWS pages the GuardDuty and Security Hub findings its EventBridge rules match"
    ),
    "slos.availability_percent": both(),
    "slos.latency_percent": both(),
}

# Fields whose reader is still to come: the reach test expects no change from them yet (none left).
NOT_YET_READ: tuple[str, ...] = ()


def leaf_fields(obj: object, prefix: str = "") -> list[str]:
    """Every settings field by dotted path, nested sections expanded; `environment` is the name, not a setting."""
    found = []
    for item in dataclasses.fields(obj):
        value = getattr(obj, item.name)
        if dataclasses.is_dataclass(value):
            found += leaf_fields(value, f"{prefix}{item.name}.")
        elif prefix or item.name != "environment":
            found.append(prefix + item.name)
    return found


def value_of(settings: Settings, dotted: str) -> object:
    value: object = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


# --- the other valid value of each field (for the reach test) -------------------------------------------------

# Values no generic rule finds (texts, lists, fields that move together), for the production base.
SPECIAL: dict[str, dict[str, object]] = {
    "tags.project": {"tags.project": "barbers"},
    "tags.owner": {"tags.owner": "platform-oncall"},
    # +1 a minute leaves Cloud Run's concurrency (rounded up) where it was
    "compute.scale_out_requests_per_target": {"compute.scale_out_requests_per_target": 1200},
    "tags.cost_centre": {"tags.cost_centre": "cc-4101"},
    # The parent zone holds everything else: it moves only with the names inside it.
    "domain.zone_name": {
        "domain.zone_name": "bookedbarber.net",
        "domain.app_domain": "app.bookedbarber.net",
        "domain.origin_domain": "origin.aws.bookedbarber.net",
        "dns.aws_zone_name": "aws.bookedbarber.net",
        "dns.gcp_zone_name": "gcp.bookedbarber.net",
    },
    "domain.app_domain": {"domain.app_domain": "www.bookedbarber.com"},
    "domain.origin_domain": {"domain.origin_domain": "lb.aws.bookedbarber.com"},
    "aws.account_id": {"aws.account_id": "444444444444"},
    "aws.region": {"aws.region": "us-east-2", "aws.availability_zones": ("us-east-2a", "us-east-2b", "us-east-2c")},
    "aws.availability_zones": {"aws.availability_zones": ("us-east-1a", "us-east-1b", "us-east-1d")},
    "aws.hosted_zone_id": {"aws.hosted_zone_id": "Z0123456789EXAMPLEALT"},
    "aws.cloudfront_prefix_list_id": {"aws.cloudfront_prefix_list_id": "pl-3b927c52"},
    "aws.recovery_region": {"aws.recovery_region": "us-east-2"},
    "aws.cloudfront_vpc_origin_security_group_id": {
        "aws.cloudfront_vpc_origin_security_group_id": "sg-0123456789abcdef0"
    },
    "recovery.strategy": {"recovery.strategy": "pilot_light", "resilience.rto_minutes": 20},
    # The severity shows only where SCC notifications are on (they are off until SCC is activated).
    "security_monitoring.scc_minimum_severity": {
        "security_monitoring.scc_minimum_severity": "CRITICAL",
        "security_monitoring.scc_notifications": True,
    },
    "recovery.gcp_standby_region": {"recovery.gcp_standby_region": "us-west1"},
    "recovery.aws_standby_cache_node_type": {"recovery.aws_standby_cache_node_type": "cache.t4g.large"},
    # Valkey sizes by node type: 5 and 6 GiB both fit one highmem-medium node, 10 needs the next.
    "cache.gcp_memory_size_gib": {"cache.gcp_memory_size_gib": 10},
    "network.gcp_standby_subnet_cidr": {"network.gcp_standby_subnet_cidr": "10.102.32.0/20"},
    "gcp.project_id": {"gcp.project_id": "bookedbarber-prod2"},
    "gcp.region": {"gcp.region": "us-west1"},
    "gcp.billing_account_id": {"gcp.billing_account_id": "000000-000000-000004"},
    "gcp.dns_managed_zone": {"gcp.dns_managed_zone": "gcp-bookedbarber-com-2"},
    "gcp.dns_project_id": {"gcp.dns_project_id": "bookedbarber-dns"},
    "gcp.state_bucket": {"gcp.state_bucket": "bookedbarber-tfstate"},
    "gcp.project_number": {"gcp.project_number": "123456789012"},
    "network.aws_vpc_cidr": {"network.aws_vpc_cidr": "10.0.0.0/17"},
    "network.aws_public_subnet_cidrs": {
        "network.aws_public_subnet_cidrs": ("10.0.0.0/24", "10.0.1.0/24", "10.0.3.0/24")
    },
    "network.aws_app_subnet_cidrs": {"network.aws_app_subnet_cidrs": ("10.0.16.0/20", "10.0.32.0/20", "10.0.64.0/20")},
    "network.aws_database_subnet_cidrs": {
        "network.aws_database_subnet_cidrs": ("10.0.100.0/24", "10.0.101.0/24", "10.0.103.0/24")
    },
    "network.gcp_app_subnet_cidr": {"network.gcp_app_subnet_cidr": "10.100.48.0/20"},
    "network.gcp_private_services_cidr": {"network.gcp_private_services_cidr": "10.100.128.0/18"},
    "database.aws_instance_class": {"database.aws_instance_class": "db.r6g.2xlarge"},
    "database.gcp_tier": {"database.gcp_tier": "db-custom-8-32768"},
    "database.postgres_version": {"database.postgres_version": "16.9"},
    "database.performance_insights_retention_days": {"database.performance_insights_retention_days": 62},
    "cache.aws_node_type": {"cache.aws_node_type": "cache.r6g.xlarge"},
    "cache.redis_major_version": {"cache.redis_major_version": 6},
    "cache.gcp_snapshot_period_hours": {"cache.gcp_snapshot_period_hours": 6},
    "thresholds.response_time_percentile": {"thresholds.response_time_percentile": 99.0},
    "routes.pagerduty_secret_name": {"routes.pagerduty_secret_name": "bookedbarber/production/alerts/pagerduty-2"},
    "routes.warning_emails": {
        "routes.warning_emails": ("platform-alerts+production@bookedbarber.com", "oncall@bookedbarber.com")
    },
    "routes.slack_channel": {"routes.slack_channel": "#bookedbarber-prod-alerts"},
    "routes.slack_webhook_secret_name": {"routes.slack_webhook_secret_name": "bookedbarber/production/alerts/slack-2"},
    "routes.slack_workspace_id": {"routes.slack_workspace_id": "T01234567", "routes.slack_channel_id": "C01234567"},
    "routes.slack_channel_id": {"routes.slack_workspace_id": "T01234567", "routes.slack_channel_id": "C01234567"},
    "routes.runbook_base_url": {"routes.runbook_base_url": "https://runbooks.example.com/runbooks.md"},
    "resilience.log_retention_days": {"resilience.log_retention_days": 400},
    "edge.rate_limit_window_seconds": {"edge.rate_limit_window_seconds": 600},
    "budget.alert_at_percent": {"budget.alert_at_percent": (50.0, 90.0, 100.0)},
    "github.owner": {"github.owner": "bookedbarber-org"},
    "github.repository": {"github.repository": "infra"},
    "github.environment": {"github.environment": "prod"},
    "delivery.reviewers": {"delivery.reviewers": ("team:platform-leads", "user:octocat")},
    "delivery.release_environment": {"delivery.release_environment": "production-releases"},
    "delivery.branch": {"delivery.branch": "release"},
    "dns.serving_cloud": {"dns.serving_cloud": "gcp"},
    "dns.aws_zone_name": {
        "dns.aws_zone_name": "aws2.bookedbarber.com",
        "domain.origin_domain": "origin.aws2.bookedbarber.com",
    },
    "dns.gcp_zone_name": {"dns.gcp_zone_name": "gcp2.bookedbarber.com"},
    "feature_flags": {"feature_flags": {"online_payments": True, "sms_reminders": True, "maintenance_mode": True}},
    "account_services.owned": {
        "account_services.owned": ("guardduty", "security_hub", "config", "github_oidc", "rds_os_metrics")
    },
    "account_services.organization_managed": {"account_services.organization_managed": ("guardduty",)},
}

# Production pins these (`Settings._production_problems`); they are measured from the staging base instead.
# Fields every standby pins (a standby needs them on): measured from dev, which keeps none.
FROM_DEV: dict[str, dict[str, object]] = {
    "recovery.gcp_cross_region_storage": {"recovery.gcp_cross_region_storage": True},
}
FROM_STAGING: dict[str, dict[str, object]] = {
    "database.multi_az": {"database.multi_az": False},
    "cache.high_availability": {"cache.high_availability": False, "cache.aws_nodes": 1},
    "resilience.deletion_protection": {"resilience.deletion_protection": True},
    "resilience.retain_stateful_resources": {"resilience.retain_stateful_resources": True},
    # Only an environment without a standby may leave uploads unversioned (S3 replicates versioned buckets only).
    "storage.versioning": {"storage.versioning": False, "recovery.strategy": "none", "recovery.drills": False},
    "resilience.lock_log_retention": {"resilience.lock_log_retention": True},
    "routes.notify_on_recovery": {"routes.notify_on_recovery": True},
    "resilience.copy_backups_to_recovery_region": {"resilience.copy_backups_to_recovery_region": True},
    "resilience.backup_vault_lock": {"resilience.backup_vault_lock": True},
    "github.deploy_confirmation": {"github.deploy_confirmation": True},
    "delivery.pull_request_plans": {"delivery.pull_request_plans": False},
    "delivery.prevent_self_review": {"delivery.prevent_self_review": False},
    "network.aws_nat_gateways": {"network.aws_nat_gateways": 2},
}

BASE = "production"


@dataclass(frozen=True)
class Variant:
    field: str  # the field it measures
    base: str  # the environment it starts from
    changes: Mapping[str, object]  # dotted path -> value (several when fields must move together)


def _candidates(value: object) -> list[object]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2, value // 2]
    if isinstance(value, float):
        return [value + 1.0, value - 1.0, value + 5.0, value - 5.0]
    return []


def variant(field: str, definitions: Mapping[str, typing.Callable[[], Settings]]) -> Variant:
    """The change that measures `field`: a special value, or the first generic candidate that validates."""
    from shared.overrides import replace_fields

    if field in FROM_STAGING:
        return Variant(field, "staging", FROM_STAGING[field])
    if field in FROM_DEV:
        return Variant(field, "dev", FROM_DEV[field])
    if field in SPECIAL:
        return Variant(field, BASE, SPECIAL[field])
    settings = definitions[BASE]()
    for candidate in _candidates(value_of(settings, field)):
        try:
            replace_fields(settings, {field: candidate})
        except SettingsError:
            continue
        return Variant(field, BASE, {field: candidate})
    raise LookupError(f"{field}: no other valid value found; add one to shared.reach.SPECIAL")


def variants() -> list[Variant]:
    from shared.environments import DEFINITIONS

    return [variant(field, DEFINITIONS) for field in leaf_fields(DEFINITIONS[BASE]())]


def apply(variant: Variant) -> Settings:
    """The variant's settings, validated (a variant that no longer validates is an error of the table)."""
    from shared.environments import DEFINITIONS
    from shared.overrides import replace_fields

    return replace_fields(DEFINITIONS[variant.base](), dict(variant.changes))
