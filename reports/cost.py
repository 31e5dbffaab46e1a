"""`make cost`: the estimated monthly bill per environment and cloud, per component, from the synthesized resources.

Each billable resource type has a rule below that reads the resource (instance class, task size, node count, tier,
disk size, rules, conditions...) and multiplies by a list price of `reports.prices`; traffic-driven parts come from
`reports.usage`. A synthesized type with neither a rule here nor an entry in `AWS_FREE` / `GCP_FREE` is an error
(tests/test_cost.py), so a new resource cannot be left out of the estimate silently.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from reports.outputs import (
    AWS_OUT,
    GCP_OUT,
    alarm_period_seconds,
    aws_resources,
    gcp_resources,
    load_aws,
    load_gcp,
    of_environment,
)
from reports.prices import AS_OF, AWS_FREE, AWS_PRICES, GCP_FREE, GCP_PRICES, HOURS_PER_MONTH, SECONDS_PER_MONTH
from reports.usage import UsageAssumptions, usage
from shared import ENVIRONMENTS, Settings, load_settings

COMPONENTS = (
    "compute",
    "database",
    "cache",
    "load balancing",
    "storage and CDN",
    "monitoring",
    "networking",
    "security",
)
# vCPUs by instance size, for RDS Proxy (billed per vCPU of the database behind it).
_SIZE_VCPUS = {"micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}


@dataclass(frozen=True)
class Line:
    component: str
    item: str
    usd: float


@dataclass
class Context:
    settings: Settings
    usage: UsageAssumptions
    stacks: dict[str, dict]
    counts: dict[str, int] = field(default_factory=dict)  # resources of each type in the environment


def _aws(key: str) -> float:
    return AWS_PRICES[key].usd


def _gcp(key: str) -> float:
    return GCP_PRICES[key].usd


# --- AWS ---------------------------------------------------------------------------------------------------


def _template_of(ctx: Context, logical_id: str) -> dict:
    return next(t for t in ctx.stacks.values() if logical_id in t.get("Resources", {}))


def _fargate(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    template = _template_of(ctx, logical_id)
    task = template["Resources"][p["TaskDefinition"]["Ref"]]["Properties"]
    bounds = [
        (r["Properties"]["MinCapacity"], r["Properties"]["MaxCapacity"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
        and logical_id in str(r["Properties"]["ResourceId"])
    ]
    low, high = bounds[0] if bounds else (p.get("DesiredCount", 1), p.get("DesiredCount", 1))
    u = ctx.usage
    peak = min(high, low * u.peak_task_multiplier)
    tasks = low + (peak - low) * u.peak_hours_per_day / 24
    per_task = int(task["Cpu"]) / 1024 * _aws("fargate_vcpu_hour") + int(task["Memory"]) / 1024 * _aws(
        "fargate_gb_hour"
    )
    return [Line("compute", f"{p['ServiceName']}: {tasks:g} tasks on average", tasks * per_task * HOURS_PER_MONTH)]


def _rds(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    copies = 2 if p.get("MultiAZ") else 1
    storage = p.get("AllocatedStorage")
    if storage is None:  # a read replica has its source's size (a cross-region one's source is in settings)
        template = _template_of(ctx, logical_id)
        storage = (
            max(
                int(r["Properties"].get("AllocatedStorage", 0))
                for r in template["Resources"].values()
                if r["Type"] == "AWS::RDS::DBInstance"
            )
            or ctx.settings.database.allocated_storage_gib
        )
    name = p.get("DBInstanceIdentifier", logical_id)
    return [
        Line("database", f"{p['DBInstanceClass']} x{copies}", copies * _aws(f"rds_{p['DBInstanceClass']}") * 730),
        Line("database", f"{name}: {storage} GB gp3 x{copies}", copies * int(storage) * _aws("rds_gp3_gb_month")),
    ]


def _rds_proxy(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    template = _template_of(ctx, logical_id)
    primary = next(
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::RDS::DBInstance" and "SourceDBInstanceIdentifier" not in r["Properties"]
    )
    vcpus = max(2, _SIZE_VCPUS[primary["DBInstanceClass"].rsplit(".", 1)[1]])
    return [Line("database", f"RDS Proxy over {vcpus} vCPUs", vcpus * _aws("rds_proxy_vcpu_hour") * HOURS_PER_MONTH)]


def _elasticache(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    nodes = p.get("NumCacheClusters") or p.get("NumNodeGroups", 1) * (p.get("ReplicasPerNodeGroup", 0) + 1)
    node = p["CacheNodeType"]
    return [Line("cache", f"{nodes} x {node}", nodes * _aws(f"elasticache_{node}") * HOURS_PER_MONTH)]


def _alb(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    lcu = ctx.usage.alb_average_lcu
    return [
        Line("load balancing", "ALB hours", _aws("alb_hour") * HOURS_PER_MONTH),
        Line("load balancing", f"ALB {lcu:g} LCU", lcu * _aws("alb_lcu_hour") * HOURS_PER_MONTH),
    ]


def _waf(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    requests = ctx.usage.requests_millions_per_month
    fixed = _aws("waf_web_acl_month") + len(p.get("Rules", [])) * _aws("waf_rule_month")
    return [
        Line(
            "security",
            f"WAF {p['Scope'].lower()} ({len(p['Rules'])} rules)",
            fixed + requests * _aws("waf_million_requests"),
        )
    ]


def _cloudfront(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    u = ctx.usage
    return [
        Line(
            "storage and CDN", f"CloudFront {u.egress_gb_per_month:g} GB", u.egress_gb_per_month * _aws("cloudfront_gb")
        ),
        Line(
            "storage and CDN",
            f"CloudFront {u.requests_millions_per_month:g} M requests",
            u.requests_millions_per_month * _aws("cloudfront_million_https_requests"),
        ),
    ]


def _s3(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    rules = p.get("LifecycleConfiguration", {}).get("Rules", [])
    is_log = bool(rules) and all(set(rule) <= {"ExpirationInDays", "Status", "Id"} for rule in rules)
    name = str(p.get("BucketName", logical_id))
    if is_log:
        months = min(rule["ExpirationInDays"] for rule in rules) / 30
        logs = ctx.counts["log buckets"]
        gb = ctx.usage.access_log_gb_per_month / logs * months
        return [Line("storage and CDN", f"log bucket {gb:g} GB", gb * _aws("s3_standard_gb_month"))]
    gb = ctx.usage.object_storage_gb / ctx.counts["data buckets"]
    return [Line("storage and CDN", f"bucket {name[:40]} {gb:g} GB", gb * _aws("s3_standard_gb_month"))]


def _ecr(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    gb = ctx.usage.image_gb_per_repository
    return [Line("storage and CDN", f"ECR {gb:g} GB", gb * _aws("ecr_gb_month"))]


def _alarm(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    metrics = 1 if "MetricName" in p else sum(1 for q in p["Metrics"] if "MetricStat" in q)
    alarm_period_seconds(p)  # every alarm here is standard resolution (60 s or more)
    return [Line("monitoring", "alarm metrics", metrics * _aws("cloudwatch_alarm_metric_month"))]


def _dashboard(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("monitoring", "dashboard", _aws("cloudwatch_dashboard_month"))]


def _metric_filter(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("monitoring", "custom metric", _aws("cloudwatch_custom_metric_month"))]


def _log_group(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    gb = ctx.usage.log_gb_per_month / ctx.counts["AWS::Logs::LogGroup"]
    stored = gb * p.get("RetentionInDays", 30) / 30
    cost = gb * _aws("cloudwatch_logs_ingest_gb") + stored * _aws("cloudwatch_logs_store_gb_month")
    return [Line("monitoring", "logs", cost)]


def _nat(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    gb = ctx.usage.nat_gb_per_month / ctx.counts["AWS::EC2::NatGateway"]
    return [
        Line("networking", "NAT gateway", _aws("nat_gateway_hour") * HOURS_PER_MONTH + gb * _aws("nat_gateway_gb")),
        Line("networking", "NAT public IPv4", _aws("public_ipv4_hour") * HOURS_PER_MONTH),
    ]


def _endpoint(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    if p.get("VpcEndpointType") != "Interface":
        return []  # gateway endpoints (S3, DynamoDB) are free
    zones = len(p.get("SubnetIds", []))
    return [Line("networking", f"interface endpoint x{zones} AZ", zones * _aws("interface_endpoint_hour") * 730)]


def _kms(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "KMS key", _aws("kms_key_month"))]


def _secret(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "secret", _aws("secret_month"))]


def _guardduty(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    # CloudTrail management events scale with deployments and API use, not traffic: about a million a month.
    return [Line("security", "GuardDuty (1 M events)", _aws("guardduty_million_events"))]


def _securityhub(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "Security Hub (10,000 checks)", _aws("securityhub_check_10k"))]


def _config_recorder(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "Config (2,000 items)", 2000 * _aws("config_item"))]


def _config_rule(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "Config rule (1,000 evaluations)", 1000 * _aws("config_rule_evaluation"))]


def _canary(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    minutes = int(re.fullmatch(r"rate\((\d+) minutes?\)", p["Schedule"]["Expression"]).group(1))
    runs = HOURS_PER_MONTH * 60 / minutes
    return [Line("monitoring", f"canary {runs:.0f} runs", runs * _aws("synthetics_canary_run"))]


def _service_level_objective(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    signals = 2 * HOURS_PER_MONTH * 60  # two signals per one-minute SLI period, every minute of the month
    return [Line("monitoring", "SLO signals", signals / 1e6 * _aws("application_signals_million_signals"))]


def _trail(ctx: Context, logical_id: str, p: dict) -> list[Line]:
    return [Line("security", "CloudTrail (first trail)", _aws("cloudtrail_first_trail"))]


AWS_RULES: dict[str, Callable[[Context, str, dict], list[Line]]] = {
    "AWS::ECS::Service": _fargate,
    "AWS::RDS::DBInstance": _rds,
    "AWS::RDS::DBProxy": _rds_proxy,
    "AWS::ElastiCache::ReplicationGroup": _elasticache,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _alb,
    "AWS::WAFv2::WebACL": _waf,
    "AWS::CloudFront::Distribution": _cloudfront,
    "AWS::S3::Bucket": _s3,
    "AWS::ECR::Repository": _ecr,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::Logs::MetricFilter": _metric_filter,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::EC2::NatGateway": _nat,
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::KMS::Key": _kms,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::GuardDuty::Detector": _guardduty,
    "AWS::SecurityHub::Hub": _securityhub,
    "AWS::Config::ConfigurationRecorder": _config_recorder,
    "AWS::Config::ConfigRule": _config_rule,
    "AWS::CloudTrail::Trail": _trail,
    "AWS::Synthetics::Canary": _canary,
    "AWS::ApplicationSignals::ServiceLevelObjective": _service_level_objective,
}


def aws_lines(templates: dict[str, dict], settings: Settings, assumed: UsageAssumptions) -> list[Line]:
    ctx = Context(settings, assumed, templates)
    for _, _, resource in aws_resources(templates):
        ctx.counts[resource["Type"]] = ctx.counts.get(resource["Type"], 0) + 1
        if resource["Type"] == "AWS::S3::Bucket":
            rules = resource.get("Properties", {}).get("LifecycleConfiguration", {}).get("Rules", [])
            log = bool(rules) and all(set(rule) <= {"ExpirationInDays", "Status", "Id"} for rule in rules)
            kind = "log buckets" if log else "data buckets"
            ctx.counts[kind] = ctx.counts.get(kind, 0) + 1
    lines = []
    for _, logical_id, resource in aws_resources(templates):
        rule = AWS_RULES.get(resource["Type"])
        if rule:
            lines += rule(ctx, logical_id, resource.get("Properties", {}))
    return lines


# --- GCP ---------------------------------------------------------------------------------------------------


def _mib(text: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", text).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


STANDBY = "standby: "  # how a line of the standby region's resources starts (`standby_usd`)


def _standby(ctx: Context, body: dict, field: str = "region") -> str:
    """The line prefix of a resource in the recovery standby region, or nothing."""
    return STANDBY if body.get(field) == ctx.settings.recovery.gcp_standby_region != ctx.settings.gcp.region else ""


def _cloud_run(ctx: Context, body: dict) -> list[Line]:
    u = ctx.usage
    limits = body["template"]["containers"][0]["resources"]["limits"]
    cpus, gib = float(limits["cpu"]), _mib(limits["memory"]) / 1024
    backend = body["name"].endswith("-api")
    share = u.backend_request_share if backend else 1 - u.backend_request_share
    # The standby region serves nothing before a failover: it pays for its idle minimum instances only.
    standby = _standby(ctx, body, "location")
    requests = 0.0 if standby else u.requests_millions_per_month * share
    busy_seconds = requests * 1e6 * u.average_request_seconds
    active = busy_seconds * (cpus * _gcp("run_vcpu_second") + gib * _gcp("run_gib_second"))
    minimum = body["template"].get("scaling", {}).get("min_instance_count", 0)
    request_based = body["template"]["containers"][0]["resources"].get("cpu_idle", True)
    idle_rates = ("run_idle_vcpu_second", "run_idle_gib_second") if request_based else ("run_vcpu_second",) * 2
    idle = minimum * SECONDS_PER_MONTH * (cpus * _gcp(idle_rates[0]) + gib * _gcp(idle_rates[1]))
    return [
        Line("compute", f"{standby}{body['name']}: {busy_seconds / 3600:,.0f} busy hours", active),
        Line("compute", f"{standby}{body['name']}: {minimum} minimum instances idle", idle),
        Line("compute", f"{standby}{body['name']}: {requests:g} M requests", requests * _gcp("run_million_requests")),
    ]


def _cloud_sql(ctx: Context, body: dict) -> list[Line]:
    s = body["settings"]
    vcpus, memory_mb = (int(x) for x in re.fullmatch(r"db-custom-(\d+)-(\d+)", s["tier"]).groups())
    copies = 2 if s.get("availability_type") == "REGIONAL" else 1
    hourly = vcpus * _gcp("sql_vcpu_hour") + memory_mb / 1024 * _gcp("sql_gb_hour")
    disk = s.get("disk_size", 10)
    standby = _standby(ctx, body)
    lines = [
        Line("database", f"{standby}{body['name']} {s['tier']} x{copies}", copies * hourly * HOURS_PER_MONTH),
        Line("database", f"{standby}{body['name']} {disk} GB SSD x{copies}", copies * disk * _gcp("sql_ssd_gb_month")),
    ]
    if standby:
        # Replication crosses regions: every byte of write-ahead log leaves the primary's region once.
        gb = ctx.usage.database_backup_gb
        lines.append(Line("networking", f"{standby}replication ~{gb:g} GB", gb * _gcp("inter_region_gb")))
    if s.get("backup_configuration", {}).get("enabled"):
        gb = ctx.usage.database_backup_gb
        lines.append(Line("database", f"backups {gb:g} GB", gb * _gcp("sql_backup_gb_month")))
    return lines


def _memorystore(ctx: Context, body: dict) -> list[Line]:
    # Memorystore for Valkey bills per node-hour: the primary plus each replica.
    nodes = body["shard_count"] * (1 + body.get("replica_count", 0))
    node_type = body["node_type"]
    rate = _gcp(f"valkey_{node_type.lower()}_node_hour")
    label = f"{_standby(ctx, body)}{nodes} x {node_type.lower().replace('_', '-')} Valkey node"
    return [Line("cache", label + ("s" if nodes > 1 else ""), nodes * rate * HOURS_PER_MONTH)]


def _forwarding_rule(ctx: Context, body: dict) -> list[Line]:
    # The first five forwarding rules cost one flat hourly rate together; the first rule carries it.
    ctx.counts["rules priced"] = ctx.counts.get("rules priced", 0) + 1
    lines = []
    if ctx.counts["rules priced"] == 1:
        lines.append(Line("load balancing", "forwarding rules (first 5)", _gcp("lb_forwarding_rule_hour") * 730))
        gb = ctx.usage.egress_gb_per_month
        lines.append(Line("load balancing", f"{gb:g} GB processed", gb * _gcp("lb_gb_processed")))
        dynamic = gb * (1 - ctx.usage.static_egress_share)
        lines.append(Line("networking", f"{dynamic:g} GB uncached egress", dynamic * _gcp("internet_egress_gb")))
    return lines


def _armor(ctx: Context, body: dict) -> list[Line]:
    rules = len(body.get("rule", []))
    requests = ctx.usage.requests_millions_per_month
    cost = _gcp("armor_policy_month") + rules * _gcp("armor_rule_month") + requests * _gcp("armor_million_requests")
    return [Line("security", f"Cloud Armor ({rules} rules)", cost)]


def _backend_bucket(ctx: Context, body: dict) -> list[Line]:
    if not body.get("enable_cdn"):
        return []
    u = ctx.usage
    gb = u.egress_gb_per_month * u.static_egress_share
    return [
        Line("storage and CDN", f"Cloud CDN {gb:g} GB", gb * _gcp("cdn_gb")),
        Line("storage and CDN", "Cloud CDN lookups", u.requests_millions_per_month * _gcp("cdn_million_lookups")),
    ]


def _bucket(ctx: Context, body: dict) -> list[Line]:
    if "retention_policy" in body:
        months = int(body["retention_policy"]["retention_period"]) / 86400 / 30
        gb = ctx.usage.access_log_gb_per_month / ctx.counts["log buckets"] * months
        return [Line("storage and CDN", f"log bucket {gb:g} GB", gb * _gcp("gcs_standard_gb_month"))]
    gb = ctx.usage.object_storage_gb / ctx.counts["data buckets"]
    if "custom_placement_config" in body:
        # A dual-region bills both regions; the standby's half and the turbo replication are the standby's cost.
        # Replication is priced as if the whole bucket were written once a month: an upper bound.
        region = gb * _gcp("gcs_dual_region_gb_month")
        turbo = gb * _gcp("gcs_turbo_replication_gb") if body.get("rpo") == "ASYNC_TURBO" else 0.0
        second = f"{STANDBY}bucket {body['name']}: second region and turbo replication"
        return [
            Line("storage and CDN", f"bucket {body['name']} {gb:g} GB", region),
            Line("storage and CDN", second, region + turbo),
        ]
    return [Line("storage and CDN", f"bucket {body['name']} {gb:g} GB", gb * _gcp("gcs_standard_gb_month"))]


def _registry(ctx: Context, body: dict) -> list[Line]:
    gb = ctx.usage.image_gb_per_repository
    return [Line("storage and CDN", f"Artifact Registry {gb:g} GB", gb * _gcp("artifact_registry_gb_month"))]


def _policy(ctx: Context, body: dict) -> list[Line]:
    conditions = len(body.get("conditions", []))
    return [Line("monitoring", "alert conditions", conditions * _gcp("monitoring_alert_condition_month"))]


def _log_bucket(ctx: Context, body: dict) -> list[Line]:
    gb = ctx.usage.log_gb_per_month
    kept = gb * max(0, body.get("retention_days", 30) - 30) / 30
    ingest = max(0.0, gb - 50) * _gcp("logging_ingest_gib")
    return [Line("monitoring", f"logs {gb:g} GiB", ingest + kept * _gcp("logging_retention_gib_month"))]


def _nat_gcp(ctx: Context, body: dict) -> list[Line]:
    gb = ctx.usage.nat_gb_per_month
    return [Line("networking", "Cloud NAT", _gcp("nat_gateway_hour") * HOURS_PER_MONTH + gb * _gcp("nat_gb"))]


def _kms_gcp(ctx: Context, body: dict) -> list[Line]:
    days = int(body.get("rotation_period", "0s").removesuffix("s")) / 86400
    versions = 1 + (int(365 // days) if days else 0)  # old versions stay enabled to decrypt: a year's worth
    return [Line("security", f"KMS key ({versions} versions)", versions * _gcp("kms_key_version_month"))]


def _secret_gcp(ctx: Context, body: dict) -> list[Line]:
    # Secret Manager bills each active version per replica location: the standby region's copy is the standby's.
    replicas = len(body.get("replication", {}).get("user_managed", {}).get("replicas", [None]))
    lines = [Line("security", "secret version", _gcp("secret_version_month"))]
    if replicas > 1:
        lines.append(Line("security", f"{STANDBY}secret replica", (replicas - 1) * _gcp("secret_version_month")))
    return lines


def standby_usd(lines: list[Line]) -> float:
    """What the recovery standby adds to the bill: its region's resources and the cross-region copies."""
    return sum(line.usd for line in lines if line.item.startswith(STANDBY))


GCP_RULES: dict[str, Callable[[Context, dict], list[Line]]] = {
    "google_cloud_run_v2_service": _cloud_run,
    "google_sql_database_instance": _cloud_sql,
    "google_memorystore_instance": _memorystore,
    "google_compute_global_forwarding_rule": _forwarding_rule,
    "google_compute_security_policy": _armor,
    "google_compute_backend_bucket": _backend_bucket,
    "google_storage_bucket": _bucket,
    "google_artifact_registry_repository": _registry,
    "google_monitoring_alert_policy": _policy,
    "google_logging_project_bucket_config": _log_bucket,
    "google_compute_router_nat": _nat_gcp,
    "google_kms_crypto_key": _kms_gcp,
    "google_secret_manager_secret": _secret_gcp,
}


def gcp_lines(stacks: dict[str, dict], settings: Settings, assumed: UsageAssumptions) -> list[Line]:
    ctx = Context(settings, assumed, stacks)
    for _, _, _, body in gcp_resources(stacks, "google_storage_bucket"):
        name = "log buckets" if "retention_policy" in body else "data buckets"
        ctx.counts[name] = ctx.counts.get(name, 0) + 1
    lines = []
    for _, kind, _, body in gcp_resources(stacks):
        rule = GCP_RULES.get(kind)
        if rule:
            lines += rule(ctx, body)
    return lines


# --- the regional standby, per strategy ----------------------------------------------------------------------


# The regional web ACL's rules (aws_stacks/firewall.py CONTENT_RULE_GROUPS; no jsii import in reports).
REGIONAL_WAF_RULES = 3


def standby_costs(settings: Settings, assumed: UsageAssumptions) -> dict[str, float]:
    """What each recovery strategy would add to AWS a month, from settings and prices (not the templates, which
    hold only the chosen strategy): so the trade-off is visible before choosing. The replica is the primary's
    class and size; the standby network has the primary's NAT gateways and endpoints."""
    database, network = settings.database, settings.network
    zones = len(settings.aws.availability_zones)
    copies = 2 if database.multi_az else 1
    replica = copies * (
        _aws(f"rds_{database.aws_instance_class}") * HOURS_PER_MONTH
        + database.allocated_storage_gib * _aws("rds_gp3_gb_month")
    )
    nat = network.aws_nat_gateways * (_aws("nat_gateway_hour") + _aws("public_ipv4_hour")) * HOURS_PER_MONTH
    endpoints = 4 * zones * _aws("interface_endpoint_hour") * HOURS_PER_MONTH if network.aws_interface_endpoints else 0
    # Writes cross regions once: assume a tenth of the stored uploads changes a month, the WAL a tenth of the data.
    changed_gb = assumed.object_storage_gb / 10
    data = (
        assumed.object_storage_gb * _aws("s3_standard_gb_month")
        + changed_gb * (_aws("inter_region_gb") + _aws("s3_replication_time_control_gb"))
        + database.allocated_storage_gib / 10 * _aws("inter_region_gb")
        + 2 * assumed.image_gb_per_repository * _aws("ecr_gb_month")
        + 4 * (_aws("secret_month") + _aws("kms_key_month"))  # four replicated secrets, the standby keys
    )
    per_task = {
        name: getattr(settings.compute, name).fargate_cpu_units / 1024 * _aws("fargate_vcpu_hour")
        + getattr(settings.compute, name).fargate_memory_mib / 1024 * _aws("fargate_gb_hour")
        for name in ("api", "web")
    }
    tasks = settings.recovery.standby_tasks * sum(per_task.values()) * HOURS_PER_MONTH
    alb = (_aws("alb_hour") + _aws("alb_lcu_hour")) * HOURS_PER_MONTH
    copies_only = assumed.database_backup_gb * _aws("backup_gb_month") + assumed.database_backup_gb / 30 * _aws(
        "inter_region_gb"
    )
    # Both standby strategies keep a small cold cache (recovery.aws_standby_cache_node_type; creating one at
    # failover takes longer than the RTO leaves): two nodes where the primary is highly available.
    cache_nodes = 2 if settings.cache.high_availability else 1
    cache = cache_nodes * _aws(f"elasticache_{settings.recovery.aws_standby_cache_node_type}") * HOURS_PER_MONTH
    # The standby ALB's regional web ACL with its managed rule groups (aws_stacks/firewall.py), and the region-loss
    # alarm (us-east-1); CloudFront's second VPC origin has no charge of its own.
    waf = _aws("waf_web_acl_month") + REGIONAL_WAF_RULES * _aws("waf_rule_month")
    pilot = replica + nat + endpoints + data + alb + cache + waf + _aws("cloudwatch_alarm_metric_month")
    return {
        "none": 0.0,
        "backup_restore": copies_only,
        "pilot_light": pilot,
        "warm_standby": pilot + tasks,
    }


def standby_line(settings: Settings, assumed: UsageAssumptions) -> str:
    costs = standby_costs(settings, assumed)
    chosen = settings.recovery.strategy
    parts = [f"{name} ${usd:,.0f}" + (" (chosen)" if name == chosen else "") for name, usd in costs.items()]
    return "AWS standby per strategy, USD a month: " + " | ".join(parts)


# --- checking and reporting --------------------------------------------------------------------------------


def unpriced(aws_templates: dict[str, dict], gcp_stacks: dict[str, dict]) -> list[str]:
    """Synthesized types with neither a price rule nor a reason to be free."""
    aws_types = {resource["Type"] for _, _, resource in aws_resources(aws_templates)}
    gcp_types = {kind for _, kind, _, _ in gcp_resources(gcp_stacks)}
    return sorted((aws_types - set(AWS_RULES) - set(AWS_FREE)) | (gcp_types - set(GCP_RULES) - set(GCP_FREE)))


def totals(lines: list[Line]) -> dict[str, float]:
    found = dict.fromkeys(COMPONENTS, 0.0)
    for line in lines:
        found[line.component] += line.usd
    return found


def report(settings: Settings, aws: dict[str, float] | None, gcp: dict[str, float] | None) -> str:
    out = [f"\n{settings.environment} (USD per month, on-demand list prices as of {AS_OF})"]
    out.append(f"{'component':<18}{'AWS':>10}{'GCP':>10}")
    for component in COMPONENTS:
        a = f"{aws[component]:,.0f}" if aws else "-"
        g = f"{gcp[component]:,.0f}" if gcp else "-"
        out.append(f"{component:<18}{a:>10}{g:>10}")
    a = f"{sum(aws.values()):,.0f}" if aws else "-"
    g = f"{sum(gcp.values()):,.0f}" if gcp else "-"
    out.append(f"{'total':<18}{a:>10}{g:>10}")
    assumed = usage(settings.environment)
    out.append("assumed: " + ", ".join(f"{f.name}={getattr(assumed, f.name):g}" for f in fields(assumed)))
    return "\n".join(out)


# The design card's own estimates (USD a month), shown beside ours in the README.
SEED_ESTIMATES = {"production": ("$975-2000", "$760-1590")}
README_HEADER = (
    "| environment | AWS (estimate) | GCP (estimate) | AWS (original estimate) | GCP (original estimate) |\n"
    "| --- | --- | --- | --- | --- |"
)


def readme_table() -> str:
    """The README's estimate per environment and cloud, from the last synthesis."""
    aws_templates, gcp_stacks = load_aws(), load_gcp()
    rows = [README_HEADER]
    for environment in ENVIRONMENTS:
        settings = load_settings(environment)
        assumed = usage(environment)
        aws = sum(totals(aws_lines(of_environment(aws_templates, settings), settings, assumed)).values())
        gcp = sum(totals(gcp_lines(of_environment(gcp_stacks, settings), settings, assumed)).values())
        seed_aws, seed_gcp = SEED_ESTIMATES.get(environment, ("", ""))
        rows.append(f"| {environment} | ${aws:,.0f} | ${gcp:,.0f} | {seed_aws} | {seed_gcp} |")
    return "\n".join(rows)


def estimates(aws_templates: dict[str, dict], gcp_stacks: dict[str, dict]) -> dict[str, dict[str, dict[str, float]]]:
    """environment -> cloud -> component -> USD a month: what `--json` writes and reports/cost_diff.py compares."""
    found = {}
    for environment in ENVIRONMENTS:
        settings = load_settings(environment)
        assumed = usage(environment)
        found[environment] = {
            "aws": totals(aws_lines(of_environment(aws_templates, settings), settings, assumed)),
            "gcp": totals(gcp_lines(of_environment(gcp_stacks, settings), settings, assumed)),
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.cost", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the estimate per environment, cloud and component here")
    parser.add_argument("--aws-out", type=Path, default=AWS_OUT, help=f"cloud assembly to price (default {AWS_OUT})")
    parser.add_argument("--gcp-out", type=Path, default=GCP_OUT, help=f"cdktf output to price (default {GCP_OUT})")
    args = parser.parse_args(argv)
    aws_templates, gcp_stacks = load_aws(args.aws_out), load_gcp(args.gcp_out)
    missing = unpriced(aws_templates, gcp_stacks)
    if missing:
        print(f"error: synthesized resource types without a price or a reason to be free: {missing}", file=sys.stderr)
        return 1
    found = estimates(aws_templates, gcp_stacks)
    for environment, clouds in found.items():
        settings = load_settings(environment)
        print(report(settings, clouds["aws"], clouds["gcp"]))
        print(standby_line(settings, usage(environment)))
        recovery = settings.recovery
        if recovery.has_standby:
            gcp_items = gcp_lines(of_environment(gcp_stacks, settings), settings, usage(environment))
            print(f"GCP standby ({recovery.strategy} in {recovery.gcp_standby_region}): "
                  f"{standby_usd(gcp_items):,.0f} of the GCP total")  # fmt: skip
    print("\nprices: reports/prices.py (source page and date per price); usage: reports/usage.py")
    if args.json:
        args.json.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
