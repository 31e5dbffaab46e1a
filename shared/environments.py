"""The environments, as data: what they all share (`_shared`), then each environment's differences from it.

dev is cost-optimized (two AZs, one NAT, single instances, scale to zero on GCP), staging mirrors production's shape
at a smaller size, production is highly available. Account ids, project ids, billing accounts, domains, the DNS zones
and alert routes are placeholders meant to be overridden per deployment (see `shared.overrides`).

An environment names a section's differences as keywords (`network=dict(aws_nat_gateways=3)`: the rest of the
section is the shared one), or gives a section whole (`database=DatabaseSettings(...)`) where nothing is shared.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import is_dataclass
from typing import Any

from shared.alerting import AlertThresholds
from shared.compute import ServiceSizing
from shared.data import CacheSettings, DatabaseSettings
from shared.settings import Settings
from shared.typecheck import hints

PROJECT = "bookedbarber"
ZONE = "bookedbarber.com"
REGION = "us-east-1"
THREE_ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
TWO_ZONES = THREE_ZONES[:2]
# Stands for GitHub's numeric id of the repository that deploys (`gh api repos/OWNER/NAME --jq .id`).
GITHUB_REPOSITORY_ID = 100000001

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


def _environment_zone(environment: str) -> str:
    """The environment's part of the parent zone: production at its apex, the others under their name."""
    return ZONE if environment == "production" else f"{environment}.{ZONE}"


def _shared(environment: str) -> dict[str, dict[str, Any]]:
    """What every environment holds, as each section's keywords; names are built from the environment's own.

    A zone per cloud is delegated from ZONE (`aws.staging.bookedbarber.com`, `gcp.staging.bookedbarber.com`); each
    environment deploys from the GitHub environment of its name (`<env>`), and releases in `<env>-release`.
    """
    aws_zone, gcp_zone = (f"{cloud}.{_environment_zone(environment)}" for cloud in ("aws", "gcp"))
    return {
        "tags": dict(project=PROJECT, owner="platform-team", cost_centre="cc-4200"),
        "domain": dict(zone_name=ZONE, app_domain=f"{environment}.{ZONE}", origin_domain=f"origin.{aws_zone}"),
        "aws": dict(region=REGION, availability_zones=THREE_ZONES),
        "gcp": dict(
            project_id=f"{PROJECT}-{environment}",
            region="us-central1",
            dns_managed_zone=gcp_zone.replace(".", "-"),  # Cloud DNS resource name of `dns.gcp_zone_name`
        ),
        "network": dict(aws_nat_gateways=1, aws_interface_endpoints=True),
        "compute": dict(scale_out_requests_per_target=1000, scale_out_cpu_percent=60.0, scale_out_memory_percent=70.0),
        "routes": dict(
            pagerduty_secret_name=f"{PROJECT}/{environment}/alerts/pagerduty-integration-key",
            warning_emails=(f"platform-alerts+{environment}@{ZONE}",),
            slack_channel=f"#{PROJECT}-{environment}-alerts",
            slack_webhook_secret_name=f"{PROJECT}/{environment}/alerts/slack-webhook-url",
        ),
        "resilience": dict(
            backup_retention_days=30,
            rpo_minutes=5,
            rto_minutes=15,
            deletion_protection=False,
            retain_stateful_resources=False,
        ),
        "edge": dict(rate_limit_window_seconds=300),
        "storage": dict(
            versioning=True, infrequent_access_after_days=30, archive_after_days=90, noncurrent_version_expiry_days=90
        ),
        "budget": dict(alert_at_percent=(50.0, 80.0, 100.0)),
        "dns": dict(serving_cloud="aws", aws_zone_name=aws_zone, gcp_zone_name=gcp_zone),
        "github": dict(
            owner=PROJECT, repository=f"{PROJECT}-infra", repository_id=GITHUB_REPOSITORY_ID, environment=environment
        ),
        "delivery": dict(pull_request_plans=True, release_environment=f"{environment}-release"),
        "rollout": dict(candidate_check_timeout_minutes=30),
        "feature_flags": dict(online_payments=False, sms_reminders=False, maintenance_mode=False),
    }


def _address_plan(block: int, zones: int) -> dict[str, Any]:
    """Environment `block`'s networks: AWS 10.<block>.0.0/16 (public /24s at .0-.2, app /20s from .16, database
    /24s at .100-.102, one per zone), GCP 10.<100 + block>.0.0 (app /20, standby /20 at .16, services /18 at .64)."""
    aws, gcp = f"10.{block}", f"10.{100 + block}"
    return dict(
        aws_vpc_cidr=f"{aws}.0.0/16",
        aws_public_subnet_cidrs=tuple(f"{aws}.{index}.0/24" for index in range(zones)),
        aws_app_subnet_cidrs=tuple(f"{aws}.{16 * (index + 1)}.0/20" for index in range(zones)),
        aws_database_subnet_cidrs=tuple(f"{aws}.{100 + index}.0/24" for index in range(zones)),
        gcp_app_subnet_cidr=f"{gcp}.0.0/20",
        gcp_private_services_cidr=f"{gcp}.64.0/18",
        gcp_standby_subnet_cidr=f"{gcp}.16.0/20",
    )


def _environment(environment: str, *, address_block: int, **differences: Any) -> Settings:
    """`Settings` of `environment`: the shared sections with its differences, its address plan from `address_block`
    (unique per environment: the networks of two environments must not overlap)."""
    sections = _shared(environment)
    zones = differences.get("aws", {}).get("availability_zones", sections["aws"]["availability_zones"])
    sections["network"] = {**_address_plan(address_block, len(zones)), **sections["network"]}
    sections_of = hints(Settings)
    values: dict[str, Any] = {"thresholds": THRESHOLDS}
    for name in sections.keys() | differences.keys():
        change = differences.get(name, {})
        if is_dataclass(change):  # given whole: nothing of it is shared
            values[name] = change
            continue
        merged = {**sections.get(name, {}), **change}
        values[name] = merged if name == "feature_flags" else sections_of[name](**merged)
    return Settings(environment=environment, **values)


def _service(
    cpu: int, memory: int, tasks: tuple[int, int], run_cpus: int, run_memory: int, instances: tuple[int, int]
) -> ServiceSizing:
    """One service's size: Fargate cpu units, MiB and tasks (min, max); Cloud Run cpus, MiB and instances."""
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
    return _environment(
        "production",
        address_block=0,
        tags=dict(cost_centre="cc-4100"),
        domain=dict(app_domain=f"app.{ZONE}"),
        aws=dict(account_id="333333333333", hosted_zone_id="Z0123456789EXAMPLEPRD"),
        gcp=dict(billing_account_id="000000-000000-000003"),
        network=dict(aws_nat_gateways=3),
        compute=dict(
            api=_service(1024, 2048, (3, 50), 2, 2048, (3, 100)),
            web=_service(512, 1024, (3, 50), 1, 1024, (3, 100)),
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
        routes=dict(notify_on_recovery=True),
        resilience=dict(
            log_retention_days=365,
            deletion_protection=True,
            retain_stateful_resources=True,
            lock_log_retention=True,
            copy_backups_to_recovery_region=True,
            backup_vault_lock=True,
        ),
        edge=dict(rate_limit_requests=2000, cdn_default_ttl_seconds=86400, cdn_max_ttl_seconds=31536000),
        budget=dict(monthly_limit_usd=15000),
        github=dict(deploy_confirmation=True),
        delivery=dict(reviewers=("team:platform-leads",), pull_request_plans=False),
        rollout=dict(bake_time_minutes=15, candidate_check_timeout_minutes=60),
        cost_review=dict(max_monthly_increase_usd=500.0),
        feature_flags=dict(online_payments=True, sms_reminders=True),
        recovery=dict(strategy="warm_standby", standby_tasks=1, gcp_cross_region_storage=True),
    )


def staging() -> Settings:
    return _environment(
        "staging",
        address_block=1,
        aws=dict(account_id="222222222222", hosted_zone_id="Z0123456789EXAMPLESTG"),
        gcp=dict(billing_account_id="000000-000000-000002"),
        compute=dict(
            api=_service(512, 1024, (2, 10), 1, 1024, (1, 20)),
            web=_service(256, 512, (2, 10), 1, 512, (1, 20)),
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
        resilience=dict(log_retention_days=90),
        edge=dict(rate_limit_requests=1000, cdn_default_ttl_seconds=3600, cdn_max_ttl_seconds=86400),
        budget=dict(monthly_limit_usd=2500),
        delivery=dict(reviewers=("team:platform",)),
        rollout=dict(bake_time_minutes=5),
        cost_review=dict(max_monthly_increase_usd=200.0),
        feature_flags=dict(online_payments=True),
        recovery=dict(strategy="warm_standby", standby_tasks=1, drills=True, gcp_cross_region_storage=True),
    )


def dev() -> Settings:
    return _environment(
        "dev",
        address_block=2,
        aws=dict(account_id="111111111111", hosted_zone_id="Z0123456789EXAMPLEDEV", availability_zones=TWO_ZONES),
        gcp=dict(billing_account_id="000000-000000-000001"),
        network=dict(aws_interface_endpoints=False),
        compute=dict(
            api=_service(256, 512, (1, 2), 1, 512, (0, 5)),
            web=_service(256, 512, (1, 2), 1, 512, (0, 5)),
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
        resilience=dict(log_retention_days=14),
        edge=dict(rate_limit_requests=500, cdn_default_ttl_seconds=300, cdn_max_ttl_seconds=3600),
        storage=dict(versioning=False),
        budget=dict(monthly_limit_usd=500),
        delivery=dict(reviewers=()),
        rollout=dict(bake_time_minutes=0),
        cost_review=dict(max_monthly_increase_usd=100.0),
    )


# Every environment, in promotion order (deploy.yml deploys each after the one before it).
DEFINITIONS: dict[str, Callable[[], Settings]] = {"dev": dev, "staging": staging, "production": production}
ENVIRONMENTS = tuple(DEFINITIONS)

# Fields whose values in the definitions above stand for a real deployment's own: every definition's value of them
# is a placeholder to override before a deploy (`ops/preflight.py` refuses to deploy with one). Synth and tests use
# them as they are.
PLACEHOLDER_FIELDS = (
    "aws.account_id",
    "aws.hosted_zone_id",
    "gcp.project_id",
    "gcp.billing_account_id",
    "github.repository_id",
)


@functools.cache
def placeholder_values() -> Mapping[str, frozenset[object]]:
    """Each placeholder field's values in the definitions (each environment's own, so a new one is covered)."""
    defined = [define() for define in DEFINITIONS.values()]
    return {
        dotted: frozenset(
            getattr(getattr(settings, dotted.split(".")[0]), dotted.split(".")[1]) for settings in defined
        )
        for dotted in PLACEHOLDER_FIELDS
    }
