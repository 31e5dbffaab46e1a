"""The three environments, as data.

dev is cost-optimized (two AZs, one NAT, single instances, scale to zero on GCP),
staging mirrors production's shape at a smaller size, production is highly
available. Account ids, project ids, billing accounts, domains, the DNS zones and
alert routes are placeholders meant to be overridden per deployment (see `shared.overrides`).
"""

from __future__ import annotations

from shared.alerting import AlertRoutes, AlertThresholds
from shared.compute import ComputeSettings, ServiceSizing
from shared.cost_review import BudgetSettings, CostReviewSettings
from shared.data import CacheSettings, DatabaseSettings, StorageSettings
from shared.dns import DnsSettings
from shared.network import EdgeSettings, NetworkSettings
from shared.placement import AwsSettings, DomainSettings, GcpSettings, TagSettings
from shared.recovery import RecoverySettings
from shared.resilience import ResilienceSettings
from shared.rollout import RolloutSettings
from shared.settings import Settings
from shared.trust import DeliverySettings, GithubSettings

PROJECT = "bookedbarber"
ZONE = "bookedbarber.com"
# Each environment's own Route 53 zone (`dns.aws_zone_name`, in its account) and Cloud DNS zone (`dns.gcp_zone_name`).
HOSTED_ZONE_IDS = {
    "dev": "Z0123456789EXAMPLEDEV",
    "staging": "Z0123456789EXAMPLESTG",
    "production": "Z0123456789EXAMPLEPRD",
}
# Stands for GitHub's numeric id of the repository that deploys (`gh api repos/OWNER/NAME --jq .id`).
GITHUB_REPOSITORY_ID = 100000001
# Values in the definitions below that stand for a real deployment's own: override them before a deploy
# (`ops/preflight.py` refuses to deploy with them). Synth and tests use them as they are.
PLACEHOLDERS = {
    "aws.account_id": frozenset({"111111111111", "222222222222", "333333333333"}),
    "aws.hosted_zone_id": frozenset(HOSTED_ZONE_IDS.values()),
    "gcp.project_id": frozenset({"bookedbarber-dev", "bookedbarber-staging", "bookedbarber-production"}),
    "gcp.billing_account_id": frozenset({"000000-000000-000001", "000000-000000-000002", "000000-000000-000003"}),
    "github.repository_id": frozenset({GITHUB_REPOSITORY_ID}),
}

# One set of thresholds for every environment, so staging rehearses production's alerts.
THRESHOLDS = AlertThresholds(
    service_down_minutes=5,
    error_rate_percent=5.0,
    database_connection_failures=1,
    certificate_expiry_days=14,
    cpu_percent=80.0,
    memory_percent=85.0,
    response_time_seconds=2.0,
    free_disk_percent=20.0,
)

STORAGE_LIFECYCLE = dict(infrequent_access_after_days=30, archive_after_days=90, noncurrent_version_expiry_days=90)


def _routes(environment: str, *, notify_on_recovery: bool = False) -> AlertRoutes:
    return AlertRoutes(
        pagerduty_secret_name=f"{PROJECT}/{environment}/alerts/pagerduty-integration-key",
        warning_emails=(f"platform-alerts+{environment}@{ZONE}",),
        slack_channel=f"#{PROJECT}-{environment}-alerts",
        slack_webhook_secret_name=f"{PROJECT}/{environment}/alerts/slack-webhook-url",
        notify_on_recovery=notify_on_recovery,
    )


def _github(environment: str, *, deploy_confirmation: bool = False) -> GithubSettings:
    """Each environment deploys from the GitHub environment of the same name, which holds its reviewers."""
    return GithubSettings(
        owner=PROJECT,
        repository=f"{PROJECT}-infra",
        repository_id=GITHUB_REPOSITORY_ID,
        environment=environment,
        deploy_confirmation=deploy_confirmation,
    )


def _delivery(environment: str, *, reviewers: tuple[str, ...], pull_request_plans: bool) -> DeliverySettings:
    """Deploys run in the GitHub environment `<env>`, releases in `<env>-release`; both only from main."""
    return DeliverySettings(
        reviewers=reviewers,
        pull_request_plans=pull_request_plans,
        release_environment=f"{environment}-release",
    )


def _environment_zone(environment: str) -> str:
    """The environment's part of the parent zone: production at its apex, the others under their name."""
    return ZONE if environment == "production" else f"{environment}.{ZONE}"


def _dns(environment: str) -> DnsSettings:
    """A zone per cloud, delegated from ZONE: `aws.staging.bookedbarber.com`, `gcp.staging.bookedbarber.com`."""
    base = _environment_zone(environment)
    return DnsSettings(serving_cloud="aws", aws_zone_name=f"aws.{base}", gcp_zone_name=f"gcp.{base}")


def _domain(environment: str, app_domain: str) -> DomainSettings:
    return DomainSettings(
        zone_name=ZONE, app_domain=app_domain, origin_domain=f"origin.{_dns(environment).aws_zone_name}"
    )


def _gcp_dns_zone(environment: str) -> str:
    """Cloud DNS resource name of `dns.gcp_zone_name`."""
    return _dns(environment).gcp_zone_name.replace(".", "-")


def _tags(cost_centre: str) -> TagSettings:
    return TagSettings(project=PROJECT, owner="platform-team", cost_centre=cost_centre)


def _aws_subnets(second_octet: int, zones: int) -> dict[str, tuple[str, ...]]:
    """Public /24s at .0-.2, app /20s from .16, database /24s at .100-.102 of 10.<n>.0.0/16."""
    base = f"10.{second_octet}"
    return dict(
        aws_vpc_cidr=f"{base}.0.0/16",
        aws_public_subnet_cidrs=tuple(f"{base}.{index}.0/24" for index in range(zones)),
        aws_app_subnet_cidrs=tuple(f"{base}.{16 * (index + 1)}.0/20" for index in range(zones)),
        aws_database_subnet_cidrs=tuple(f"{base}.{100 + index}.0/24" for index in range(zones)),
    )


def _service(
    cpu: int, memory: int, tasks: tuple[int, int], run_cpus: int, run_memory: int, instances: tuple[int, int]
) -> ServiceSizing:
    return ServiceSizing(
        fargate_cpu_units=cpu,
        fargate_memory_mib=memory,
        fargate_min_tasks=tasks[0],
        fargate_max_tasks=tasks[1],
        cloud_run_cpus=run_cpus,
        cloud_run_memory_mib=run_memory,
        cloud_run_min_instances=instances[0],
        cloud_run_max_instances=instances[1],
    )


def production() -> Settings:
    zones = ("us-east-1a", "us-east-1b", "us-east-1c")
    return Settings(
        environment="production",
        tags=_tags("cc-4100"),
        domain=_domain("production", f"app.{ZONE}"),
        aws=AwsSettings(
            account_id="333333333333",
            region="us-east-1",
            availability_zones=zones,
            hosted_zone_id=HOSTED_ZONE_IDS["production"],
        ),
        gcp=GcpSettings(
            project_id="bookedbarber-production",
            region="us-central1",
            billing_account_id="000000-000000-000003",
            dns_managed_zone=_gcp_dns_zone("production"),
        ),
        network=NetworkSettings(
            **_aws_subnets(0, len(zones)),
            aws_nat_gateways=3,
            aws_interface_endpoints=True,
            gcp_app_subnet_cidr="10.100.0.0/20",
            gcp_private_services_cidr="10.100.64.0/18",
            gcp_standby_subnet_cidr="10.100.16.0/20",
        ),
        compute=ComputeSettings(
            api=_service(1024, 2048, (3, 50), 2, 2048, (3, 100)),
            web=_service(512, 1024, (3, 50), 1, 1024, (3, 100)),
            scale_out_requests_per_target=1000,
            scale_out_cpu_percent=60.0,
            scale_out_memory_percent=70.0,
        ),
        database=DatabaseSettings(
            aws_instance_class="db.r6g.xlarge",
            gcp_tier="db-custom-4-16384",
            multi_az=True,
            read_replicas=1,
            allocated_storage_gib=500,
            max_allocated_storage_gib=10240,
            performance_insights_retention_days=731,
        ),
        cache=CacheSettings(
            aws_node_type="cache.r6g.large",
            aws_nodes=3,
            gcp_memory_size_gib=5,
            high_availability=True,
            snapshot_retention_days=7,
            gcp_snapshot_period_hours=1,
        ),
        thresholds=THRESHOLDS,
        routes=_routes("production", notify_on_recovery=True),
        resilience=ResilienceSettings(
            backup_retention_days=30,
            rpo_minutes=5,
            rto_minutes=15,
            log_retention_days=365,
            deletion_protection=True,
            retain_stateful_resources=True,
            lock_log_retention=True,
            copy_backups_to_recovery_region=True,
            backup_vault_lock=True,
        ),
        edge=EdgeSettings(
            rate_limit_requests=2000,
            rate_limit_window_seconds=300,
            cdn_default_ttl_seconds=86400,
            cdn_max_ttl_seconds=31536000,
        ),
        storage=StorageSettings(versioning=True, **STORAGE_LIFECYCLE),
        budget=BudgetSettings(monthly_limit_usd=15000, alert_at_percent=(50.0, 80.0, 100.0)),
        dns=_dns("production"),
        github=_github("production", deploy_confirmation=True),
        delivery=_delivery("production", reviewers=("team:platform-leads",), pull_request_plans=False),
        rollout=RolloutSettings(bake_time_minutes=15, candidate_check_timeout_minutes=60),
        cost_review=CostReviewSettings(max_monthly_increase_usd=500.0),
        feature_flags={"online_payments": True, "sms_reminders": True, "maintenance_mode": False},
        recovery=RecoverySettings(strategy="warm_standby", standby_tasks=1, gcp_cross_region_storage=True),
    )


def staging() -> Settings:
    zones = ("us-east-1a", "us-east-1b", "us-east-1c")
    return Settings(
        environment="staging",
        tags=_tags("cc-4200"),
        domain=_domain("staging", f"staging.{ZONE}"),
        aws=AwsSettings(
            account_id="222222222222",
            region="us-east-1",
            availability_zones=zones,
            hosted_zone_id=HOSTED_ZONE_IDS["staging"],
        ),
        gcp=GcpSettings(
            project_id="bookedbarber-staging",
            region="us-central1",
            billing_account_id="000000-000000-000002",
            dns_managed_zone=_gcp_dns_zone("staging"),
        ),
        network=NetworkSettings(
            **_aws_subnets(1, len(zones)),
            aws_nat_gateways=1,
            aws_interface_endpoints=True,
            gcp_app_subnet_cidr="10.101.0.0/20",
            gcp_private_services_cidr="10.101.64.0/18",
            gcp_standby_subnet_cidr="10.101.16.0/20",
        ),
        compute=ComputeSettings(
            api=_service(512, 1024, (2, 10), 1, 1024, (1, 20)),
            web=_service(256, 512, (2, 10), 1, 512, (1, 20)),
            scale_out_requests_per_target=1000,
            scale_out_cpu_percent=60.0,
            scale_out_memory_percent=70.0,
        ),
        database=DatabaseSettings(
            aws_instance_class="db.r6g.large",
            gcp_tier="db-custom-2-7680",
            multi_az=True,
            read_replicas=0,
            allocated_storage_gib=100,
            max_allocated_storage_gib=1000,
            performance_insights_retention_days=7,
        ),
        cache=CacheSettings(
            aws_node_type="cache.t4g.medium",
            aws_nodes=2,
            gcp_memory_size_gib=2,
            high_availability=True,
            snapshot_retention_days=3,
            gcp_snapshot_period_hours=1,
        ),
        thresholds=THRESHOLDS,
        routes=_routes("staging"),
        resilience=ResilienceSettings(
            backup_retention_days=30,
            rpo_minutes=5,
            rto_minutes=15,
            log_retention_days=90,
            deletion_protection=False,
            retain_stateful_resources=False,
        ),
        edge=EdgeSettings(
            rate_limit_requests=1000,
            rate_limit_window_seconds=300,
            cdn_default_ttl_seconds=3600,
            cdn_max_ttl_seconds=86400,
        ),
        storage=StorageSettings(versioning=True, **STORAGE_LIFECYCLE),
        budget=BudgetSettings(monthly_limit_usd=2500, alert_at_percent=(50.0, 80.0, 100.0)),
        dns=_dns("staging"),
        github=_github("staging"),
        delivery=_delivery("staging", reviewers=("team:platform",), pull_request_plans=True),
        rollout=RolloutSettings(bake_time_minutes=5, candidate_check_timeout_minutes=30),
        cost_review=CostReviewSettings(max_monthly_increase_usd=200.0),
        feature_flags={"online_payments": True, "sms_reminders": False, "maintenance_mode": False},
        recovery=RecoverySettings(strategy="warm_standby", standby_tasks=1, drills=True, gcp_cross_region_storage=True),
    )


def dev() -> Settings:
    zones = ("us-east-1a", "us-east-1b")
    return Settings(
        environment="dev",
        tags=_tags("cc-4200"),
        domain=_domain("dev", f"dev.{ZONE}"),
        aws=AwsSettings(
            account_id="111111111111",
            region="us-east-1",
            availability_zones=zones,
            hosted_zone_id=HOSTED_ZONE_IDS["dev"],
        ),
        gcp=GcpSettings(
            project_id="bookedbarber-dev",
            region="us-central1",
            billing_account_id="000000-000000-000001",
            dns_managed_zone=_gcp_dns_zone("dev"),
        ),
        network=NetworkSettings(
            **_aws_subnets(2, len(zones)),
            aws_nat_gateways=1,
            aws_interface_endpoints=False,
            gcp_app_subnet_cidr="10.102.0.0/20",
            gcp_private_services_cidr="10.102.64.0/18",
            gcp_standby_subnet_cidr="10.102.16.0/20",
        ),
        compute=ComputeSettings(
            api=_service(256, 512, (1, 2), 1, 512, (0, 5)),
            web=_service(256, 512, (1, 2), 1, 512, (0, 5)),
            scale_out_requests_per_target=1000,
            scale_out_cpu_percent=60.0,
            scale_out_memory_percent=70.0,
        ),
        database=DatabaseSettings(
            aws_instance_class="db.t4g.medium",
            gcp_tier="db-custom-1-3840",
            multi_az=False,
            read_replicas=0,
            allocated_storage_gib=20,
            max_allocated_storage_gib=100,
            performance_insights_retention_days=7,
        ),
        cache=CacheSettings(
            aws_node_type="cache.t4g.micro",
            aws_nodes=1,
            gcp_memory_size_gib=1,
            high_availability=False,
            snapshot_retention_days=1,
        ),
        thresholds=THRESHOLDS,
        routes=_routes("dev"),
        resilience=ResilienceSettings(
            backup_retention_days=30,
            rpo_minutes=5,
            rto_minutes=15,
            log_retention_days=14,
            deletion_protection=False,
            retain_stateful_resources=False,
        ),
        edge=EdgeSettings(
            rate_limit_requests=500,
            rate_limit_window_seconds=300,
            cdn_default_ttl_seconds=300,
            cdn_max_ttl_seconds=3600,
        ),
        storage=StorageSettings(versioning=False, **STORAGE_LIFECYCLE),
        budget=BudgetSettings(monthly_limit_usd=500, alert_at_percent=(50.0, 80.0, 100.0)),
        dns=_dns("dev"),
        github=_github("dev"),
        delivery=_delivery("dev", reviewers=(), pull_request_plans=True),
        rollout=RolloutSettings(bake_time_minutes=0, candidate_check_timeout_minutes=30),
        cost_review=CostReviewSettings(max_monthly_increase_usd=100.0),
        feature_flags={"online_payments": False, "sms_reminders": False, "maintenance_mode": False},
    )


DEFINITIONS = {"dev": dev, "staging": staging, "production": production}
