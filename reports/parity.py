"""Parity from the outputs: what each cloud will deploy, read back from its synthesized templates, set beside the
settings value and beside the other cloud.

`extract_aws` and `extract_gcp` read every value this check knows about from one environment's stacks; `CONCEPTS`
says, for each, the settings value it must equal and whether the two clouds must agree. A concept that exists on one
cloud only is listed by name in `AWS_ONLY` / `GCP_ONLY`; tests/test_parity.py fails when an extractor returns a value
no concept compares, so a new value cannot slip in unnoticed.

`make parity` (after `make synth`): one table per environment, exit 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import functools
import ipaddress
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reports.outputs import (
    alarm_period_seconds,
    aws_alarms,
    aws_resources,
    gcp_alert_policies,
    gcp_resources,
    load_aws,
    load_gcp,
    of_environment,
)
from shared import ENVIRONMENTS, Settings, load_settings, replace_fields
from shared.alerts import Alert, Severity, alerts
from shared.contract import SERVICES, feature_flag_variables
from shared.delivery import KINDS, subject
from shared.names import secret_manager_id
from shared.runbooks import runbook_base_url
from shared.slos import BURN_RATE_ALERTS, COMPLIANCE_DAYS, WINDOW_SECONDS, Indicator, Slo, burn_alert_key, slos
from shared.stacks import AWS_STANDBY_COMPONENT
from shared.valkey import VALKEY_MAJOR_VERSION

SECONDS_PER_DAY = 86400
# Each cloud's words for the catalog's meaning of a data gap (shared.alerts.Missing), read back.
_AWS_MISSING = {"breaching": "breaching", "notBreaching": "not_breaching", "ignore": "keep_state"}
_GCP_MISSING = {
    "EVALUATION_MISSING_DATA_ACTIVE": "breaching",
    "EVALUATION_MISSING_DATA_INACTIVE": "not_breaching",
    "EVALUATION_MISSING_DATA_NO_OP": "keep_state",
}

# Concepts that exist on one cloud only, named so that a new one is a deliberate choice (tests check these lists).
AWS_ONLY = (
    # ElastiCache keeps this many daily snapshots; Memorystore keeps only its latest RDB snapshot.
    "cache snapshot retention (days)",
    "AWS address ranges",
    # ElastiCache runs Redis OSS; Memorystore for Valkey runs Valkey (IAM sign-in, no AUTH string in state).
    "Redis major",
)
GCP_ONLY = (
    # Memorystore's RDB snapshot interval; ElastiCache snapshots once a day, not configurable.
    "cache snapshot period (hours)",
    "GCP address ranges",
    "Valkey major",
)


@dataclass(frozen=True)
class Concept:
    name: str
    setting: str  # the settings fields it comes from, dotted and comma-separated (a failing row names them)
    aws: Callable[[Settings], object] | None  # the value AWS must show; None: not on AWS
    gcp: Callable[[Settings], object] | None  # the value GCP must show; None: not on GCP
    across: bool = True  # both clouds must show the same value (False: each cloud has its own settings field)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.setting.split(","))


@dataclass(frozen=True)
class Row:
    concept: Concept
    expected_aws: object
    expected_gcp: object
    aws: object
    gcp: object

    @property
    def problems(self) -> list[str]:
        found = []
        for cloud, expected, actual, wanted in (
            ("AWS", self.expected_aws, self.aws, self.concept.aws),
            ("GCP", self.expected_gcp, self.gcp, self.concept.gcp),
        ):
            if wanted is not None and actual != expected:
                found.append(f"{cloud} shows {actual!r}, settings ({self.concept.setting}) say {expected!r}")
        if self.concept.across and self.concept.aws and self.concept.gcp and self.aws != self.gcp:
            found.append(f"AWS {self.aws!r} differs from GCP {self.gcp!r}")
        return found

    @property
    def agrees(self) -> bool:
        return not self.problems


def _one(values: Iterable) -> object:
    """One value when every resource shows the same; otherwise all of them, which then disagrees."""
    distinct = sorted(set(values), key=repr)
    if not distinct:
        return None
    return distinct[0] if len(distinct) == 1 else tuple(distinct)


def _days(seconds: str | int) -> int:
    return int(str(seconds).removesuffix("s")) // SECONDS_PER_DAY


def concepts(settings: Settings) -> list[Concept]:
    r = lambda name: lambda s: getattr(s.resilience, name)  # noqa: E731
    rows = []
    sources = _alert_sources(settings.environment)
    for alert in alerts(settings):
        key = alert.key
        threshold = lambda s, key=key: _catalog(s)[key].threshold  # noqa: E731
        minutes = lambda s, key=key: _catalog(s)[key].duration_minutes  # noqa: E731
        by = lambda part, key=key: ", ".join(sources.get((key, part), ())) or f"shared.alerts {key}"  # noqa: E731
        rows.append(Concept(f"alert {key}: threshold", by("threshold"), threshold, threshold))
        rows.append(Concept(f"alert {key}: minutes", by("duration_minutes"), minutes, minutes))
        missing = lambda s, key=key: _catalog(s)[key].missing.value  # noqa: E731
        rows.append(Concept(f"alert {key}: missing data", f"shared.alerts {key}", missing, missing))
    rows += [
        Concept(
            "backup retention (days)",
            "resilience.backup_retention_days",
            r("backup_retention_days"),
            r("backup_retention_days"),
        ),
        Concept(
            "log retention (days)", "resilience.log_retention_days", r("log_retention_days"), r("log_retention_days")
        ),
        # RDS restores to any second of its backup retention; Cloud SQL of its transaction-log retention.
        Concept(
            "point-in-time window (days)",
            "resilience.backup_retention_days, resilience.point_in_time_recovery_days",
            r("backup_retention_days"),
            r("point_in_time_recovery_days"),
            across=False,
        ),
        Concept(
            "rate limit (requests, seconds)", "edge.rate_limit_requests, edge.rate_limit_window_seconds", _rate, _rate
        ),
        Concept("key rotation (days)", "resilience.key_rotation_days", r("key_rotation_days"), r("key_rotation_days")),
        Concept(
            "secret rotation (days)",
            "resilience.secret_rotation_days",
            r("secret_rotation_days"),
            r("secret_rotation_days"),
        ),
        Concept("PostgreSQL major", "database.postgres_version", _postgres, _postgres),
        # GCP runs Valkey 8 (IAM sign-in, no AUTH string in Terraform state: shared/valkey.py), wire-compatible with
        # the Redis 7 clients use on AWS: each cloud's engine major is checked on its own.
        Concept("Redis major", "cache.redis_major_version", _redis, None, across=False),
        Concept("Valkey major", "shared/valkey.py", None, lambda s: VALKEY_MAJOR_VERSION, across=False),
        Concept(
            "deletion protection", "resilience.deletion_protection", r("deletion_protection"), r("deletion_protection")
        ),
        Concept(
            "cache snapshot retention (days)",
            "cache.snapshot_retention_days",
            lambda s: s.cache.snapshot_retention_days,
            None,
        ),
        Concept(
            "cache snapshot period (hours)",
            "cache.gcp_snapshot_period_hours",
            None,
            lambda s: s.cache.gcp_snapshot_period_hours,
        ),
        Concept("AWS address ranges", "network.aws_*", _aws_ranges, None),
        Concept("GCP address ranges", "network.gcp_*", None, _gcp_ranges),
        *SHARED_CONCEPTS,
    ]
    rows += slo_concepts(settings)
    for service in SERVICES:
        rows.append(
            Concept(
                f"{service} scaling (min, max)",
                f"compute.{service}.fargate_min_tasks, compute.{service}.fargate_max_tasks, "
                f"compute.{service}.cloud_run_min_instances, compute.{service}.cloud_run_max_instances",
                lambda s, service=service: _bounds(s, service, "fargate", "tasks"),
                lambda s, service=service: _bounds(s, service, "cloud_run", "instances"),
                across=False,
            )
        )
    return rows


def _counts(slo: Slo) -> str:
    """What an SLO counts: requests, or windows of a fixed length (period-based / windows-based)."""
    return "requests" if slo.indicator is Indicator.AVAILABILITY else f"{WINDOW_SECONDS // 60}-minute windows"


def slo_concepts(settings: Settings) -> list[Concept]:
    """Per SLO (shared/slos.py): objective, period, what it counts, the latency bound; per burn-rate alert its
    (long, short) windows and rate. Both clouds must show the catalog's values."""
    rows = []
    for slo in slos(settings):
        key = slo.key
        same = lambda value: lambda s: value  # noqa: E731
        objective = lambda s, key=key: _slos(s)[key].objective_percent  # noqa: E731
        rows.append(Concept(f"slo {key}: objective (%)", f"slos.{slo.indicator.value}_percent", objective, objective))
        days = same(COMPLIANCE_DAYS)
        rows.append(Concept(f"slo {key}: period (days)", "shared.slos.COMPLIANCE_DAYS", days, days))
        counts = lambda s, key=key: _counts(_slos(s)[key])  # noqa: E731
        rows.append(Concept(f"slo {key}: counts", "shared.slos (indicator)", counts, counts))
        if slo.latency_seconds is not None:
            bound = lambda s: s.thresholds.response_time_seconds  # noqa: E731
            rows.append(Concept(f"slo {key}: good at or under (s)", "thresholds.response_time_seconds", bound, bound))
        for alert in BURN_RATE_ALERTS:
            burn = same((alert.long_window_minutes, alert.short_window_minutes, alert.rate))
            rows.append(
                Concept(
                    f"slo {key} {alert.key}: (long min, short min, rate)", "shared.slos.BURN_RATE_ALERTS", burn, burn
                )
            )
    return rows


def _slos(settings: Settings) -> dict[str, Slo]:
    return {slo.key: slo for slo in slos(settings)}


@functools.cache
def _alert_sources(environment: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(alert key, "threshold" | "duration_minutes") -> the thresholds fields it follows, found by changing each
    field to its reach-test value (shared/reach.py) and seeing which alerts move."""
    from shared.environments import DEFINITIONS
    from shared.reach import REACH, variant

    base = DEFINITIONS[environment]()
    sources: dict[tuple[str, str], tuple[str, ...]] = {}
    for field in (name for name in REACH if name.startswith("thresholds.")):
        changed = replace_fields(base, dict(variant(field, DEFINITIONS).changes))
        for before, after in zip(alerts(base), alerts(changed), strict=True):
            for part in ("threshold", "duration_minutes"):
                if getattr(before, part) != getattr(after, part):
                    sources[before.key, part] = (*sources.get((before.key, part), ()), field)
    return sources


def _tags(settings: Settings) -> tuple[str, str, str]:
    return settings.tags.project, settings.tags.owner, settings.tags.cost_centre


def _lifecycle(settings: Settings) -> tuple[int, int, int | None]:
    """Noncurrent versions exist only in versioned buckets: without versioning their expiry is not compared."""
    s = settings.storage
    return (
        s.infrequent_access_after_days,
        s.archive_after_days,
        s.noncurrent_version_expiry_days if s.versioning else None,
    )


def _budget(settings: Settings) -> tuple[int, tuple[float, ...]]:
    return settings.budget.monthly_limit_usd, tuple(sorted(settings.budget.alert_at_percent))


def _subjects(settings: Settings) -> tuple[str, ...]:
    """Every OIDC subject the environment's delivery trust admits, from shared/delivery.py: both clouds trust the
    quarterly drill's job where settings drill (AWS's FIS drills, GCP's ops/drill_gcp.py)."""
    drill = (subject(settings, "drill"),) if settings.recovery.drills else ()
    return tuple(sorted((*(subject(settings, kind) for kind in KINDS), *drill)))


def _flags(settings: Settings) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(feature_flag_variables(settings.feature_flags).items()))


_SHARED = (
    ("tags (project, owner, cost centre)", "tags.project, tags.owner, tags.cost_centre", _tags),
    ("app domain", "domain.app_domain", lambda s: s.domain.app_domain),
    ("image retention (untagged days, kept images)", "compute.untagged_image_expiry_days, compute.kept_images",
     lambda s: (s.compute.untagged_image_expiry_days, s.compute.kept_images)),
    ("database high availability", "database.multi_az", lambda s: s.database.multi_az),
    ("database read replicas", "database.read_replicas", lambda s: s.database.read_replicas),
    ("database storage (initial, ceiling GiB)", "database.allocated_storage_gib, database.max_allocated_storage_gib",
     lambda s: (s.database.allocated_storage_gib, s.database.max_allocated_storage_gib)),
    ("cache high availability", "cache.high_availability", lambda s: s.cache.high_availability),
    ("alert response_time: percentile", "thresholds.response_time_percentile",
     lambda s: float(s.thresholds.response_time_percentile)),
    ("warning emails", "routes.warning_emails", lambda s: tuple(sorted(s.routes.warning_emails))),
    ("runbook base", "routes.runbook_base_url", runbook_base_url),
    ("stateful resources retained", "resilience.retain_stateful_resources",
     lambda s: s.resilience.retain_stateful_resources),
    ("CDN default TTL (seconds)", "edge.cdn_default_ttl_seconds", lambda s: s.edge.cdn_default_ttl_seconds),
    ("storage versioning", "storage.versioning", lambda s: s.storage.versioning),
    ("storage lifecycle (cooler, coldest, noncurrent days)",
     "storage.infrequent_access_after_days, storage.archive_after_days, storage.noncurrent_version_expiry_days",
     _lifecycle),
    ("budget (USD, alert shares)", "budget.monthly_limit_usd, budget.alert_at_percent", _budget),
    ("standby database replica", "recovery.strategy", lambda s: int(s.recovery.has_standby)),
    ("standby replica-lag warning (s)", "resilience.rpo_minutes, recovery.strategy",
     lambda s: s.resilience.rpo_minutes * 30 if s.recovery.has_standby else None),
    ("standby tasks per service (running)", "recovery.strategy, recovery.standby_tasks",
     lambda s: s.recovery.running_standby_tasks if s.recovery.has_standby else None),
    ("feature flags", "feature_flags", _flags),
)  # fmt: skip
SHARED_CONCEPTS = (
    *(Concept(name, setting, value, value) for name, setting, value in _SHARED),
    Concept(
        "delivery trust (OIDC subjects)",
        "github.owner, github.repository, github.repository_id, github.environment, delivery.pull_request_plans, "
        "delivery.release_environment, delivery.branch, recovery.drills",
        _subjects,
        _subjects,
        across=False,
    ),
    # Each cloud holds the PagerDuty key in its own secret store, under the name the settings give it.
    Concept(
        "PagerDuty key secret",
        "routes.pagerduty_secret_name",
        lambda s: s.routes.pagerduty_secret_name,
        lambda s: secret_manager_id(s.routes.pagerduty_secret_name),
        across=False,
    ),
    # AWS scales on ALB requests per task a minute; Cloud Run on requests in flight (Settings.cloud_run_concurrency).
    Concept(
        "request scaling (AWS per minute, GCP in flight)",
        "compute.scale_out_requests_per_target",
        lambda s: s.compute.scale_out_requests_per_target,
        lambda s: s.cloud_run_concurrency,
        across=False,
    ),
)


def _catalog(settings: Settings) -> dict[str, Alert]:
    return {alert.key: alert for alert in alerts(settings)}


def _rate(settings: Settings) -> tuple[int, int]:
    return settings.edge.rate_limit_requests, settings.edge.rate_limit_window_seconds


def _postgres(settings: Settings) -> int:
    return int(settings.database.postgres_major_version)


def _redis(settings: Settings) -> int:
    return settings.cache.redis_major_version


def _bounds(settings: Settings, service: str, platform: str, unit: str) -> tuple[int, int]:
    sizing = getattr(settings.compute, service)
    return getattr(sizing, f"{platform}_min_{unit}"), getattr(sizing, f"{platform}_max_{unit}")


def _aws_ranges(settings: Settings) -> tuple[str, ...]:
    n = settings.network
    return tuple(
        sorted({n.aws_vpc_cidr, *n.aws_public_subnet_cidrs, *n.aws_app_subnet_cidrs, *n.aws_database_subnet_cidrs})
    )


def _gcp_ranges(settings: Settings) -> tuple[str, ...]:
    network = settings.network
    ranges = {network.gcp_app_subnet_cidr, network.gcp_private_services_cidr}
    if settings.recovery.has_standby:  # the standby region's egress subnet (shared/recovery.py)
        ranges.add(network.gcp_standby_subnet_cidr)
    return tuple(sorted(ranges))


# --- AWS ---------------------------------------------------------------------------------------------------


def extract_aws(templates: dict[str, dict], settings: Settings) -> dict[str, object]:
    """Every compared value of one environment's CloudFormation templates."""
    found: dict[str, list] = {}

    def add(name: str, value: object) -> None:
        found.setdefault(name, []).append(value)

    for (_, key), properties in aws_alarms(templates, settings).items():
        period, evaluations = alarm_period_seconds(properties), properties["EvaluationPeriods"]
        add(f"alert {key}: threshold", properties["Threshold"])
        # A daily datapoint (certificate expiry) fires on the first check under the threshold: count checks.
        add(f"alert {key}: minutes", evaluations if period >= SECONDS_PER_DAY else period * evaluations // 60)
        add(f"alert {key}: missing data", _AWS_MISSING.get(properties.get("TreatMissingData", "missing")))
    _aws_slos(templates, settings, add)
    services = {}
    standby = settings.name(AWS_STANDBY_COMPONENT)
    for stack, logical_id, resource in aws_resources(templates):
        kind, p = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::RDS::DBInstance":
            if "EngineVersion" in p:  # a read replica inherits its source's version
                add("PostgreSQL major", int(str(p["EngineVersion"]).partition(".")[0]))
            add("deletion protection", bool(p.get("DeletionProtection", False)))
            if "SourceDBInstanceIdentifier" not in p:
                add("backup retention (days)", p.get("BackupRetentionPeriod"))
                add("point-in-time window (days)", p.get("BackupRetentionPeriod"))
        elif kind == "AWS::ElastiCache::ReplicationGroup":
            add("Redis major", int(str(p["EngineVersion"]).partition(".")[0]))
            add("cache snapshot retention (days)", p.get("SnapshotRetentionLimit", 0))
        elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            attributes = {a["Key"]: a["Value"] for a in p.get("LoadBalancerAttributes", [])}
            add("deletion protection", attributes.get("deletion_protection.enabled") == "true")
        elif kind == "AWS::Logs::LogGroup":
            add("log retention (days)", p.get("RetentionInDays"))
        elif kind == "AWS::KMS::Key":
            add("key rotation (days)", p.get("RotationPeriodInDays") if p.get("EnableKeyRotation") else None)
        elif kind == "AWS::SecretsManager::RotationSchedule":
            rules = p.get("RotationRules", {})
            rate = re.fullmatch(r"rate\((\d+) days?\)", rules.get("ScheduleExpression", ""))
            add("secret rotation (days)", int(rate.group(1)) if rate else rules.get("AutomaticallyAfterDays"))
        elif kind == "AWS::WAFv2::WebACL":
            for rule in p.get("Rules", []):
                statement = rule["Statement"].get("RateBasedStatement")
                if statement:
                    add("rate limit (requests, seconds)", (statement["Limit"], statement["EvaluationWindowSec"]))
        elif kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet") and "CidrBlock" in p:
            add("AWS address ranges", p["CidrBlock"])
        elif kind == "AWS::ECS::Service":
            services[logical_id] = p["ServiceName"]
        elif (
            kind == "AWS::ApplicationAutoScaling::ScalableTarget"
            and p.get("ScalableDimension", "").startswith("ecs:")
            and stack != standby  # the standby runs `recovery.running_standby_tasks` until a failover scales it
        ):
            add(("scaling", _service_of(p["ResourceId"])), (p["MinCapacity"], p["MaxCapacity"]))
    _aws_shared(templates, add)
    values = {name: _one(items) for name, items in found.items() if not isinstance(name, tuple)}
    if "AWS address ranges" in values:
        values["AWS address ranges"] = tuple(sorted(set(found["AWS address ranges"])))
    for (_, logical_id), bounds in ((name, items) for name, items in found.items() if isinstance(name, tuple)):
        service = services.get(logical_id, logical_id).removeprefix(settings.prefix + "-")
        values[f"{service} scaling (min, max)"] = _one(bounds)
    return values


def _aws_slos(templates: dict[str, dict], settings: Settings, add: Callable[[str, object], None]) -> None:
    """Application Signals SLOs (by name) and their burn-rate alarms (`<prefix>-<slo>-<alert>`)."""
    for _, _, resource in aws_resources(templates, "AWS::ApplicationSignals::ServiceLevelObjective"):
        p = resource["Properties"]
        key = p["Name"].removeprefix(settings.prefix + "-")
        add(f"slo {key}: objective (%)", p["Goal"]["AttainmentGoal"])
        interval = p["Goal"]["Interval"]["RollingInterval"]
        add(f"slo {key}: period (days)", interval["Duration"] if interval["DurationUnit"] == "DAY" else None)
        if "RequestBasedSli" in p:
            add(f"slo {key}: counts", "requests")
        else:
            (query,) = p["Sli"]["SliMetric"]["MetricDataQueries"]
            add(f"slo {key}: counts", f"{query['MetricStat']['Period'] // 60}-minute windows")
            add(f"slo {key}: good at or under (s)", p["Sli"]["MetricThreshold"])
    burns = {
        settings.name(burn_alert_key(slo, alert)): (slo, alert) for slo in slos(settings) for alert in BURN_RATE_ALERTS
    }
    for _, _, resource in aws_resources(templates, "AWS::CloudWatch::Alarm"):
        p = resource["Properties"]
        if p.get("AlarmName") not in burns:
            continue
        slo, alert = burns[p["AlarmName"]]
        windows = sorted(
            (
                int(dimension["Value"])
                for query in p["Metrics"]
                if "MetricStat" in query
                for dimension in query["MetricStat"]["Metric"]["Dimensions"]
                if dimension["Name"] == "BurnRateWindowMinutes"
            ),
            reverse=True,
        )
        add(f"slo {slo.key} {alert.key}: (long min, short min, rate)", (*windows, p["Threshold"]))


def _service_of(resource_id: dict | str) -> str:
    """The ECS service's logical id inside `service/<cluster>/<name>` (a Fn::Join with a GetAtt of the service)."""
    for part in resource_id.get("Fn::Join", ["", []])[1] if isinstance(resource_id, dict) else []:
        if isinstance(part, dict) and "Fn::GetAtt" in part:
            return part["Fn::GetAtt"][0]
    return str(resource_id)


_AWS_TAGS = ("Project", "Owner", "CostCentre")
_SECRET_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:([^:}]+)")
_RUNBOOK_LINK = re.compile(r"Runbook: (\S+)#")
_SUB_CLAIM = "token.actions.githubusercontent.com:sub"


def _aws_shared(templates: dict[str, dict], add: Callable[[str, object], None]) -> None:
    """The values both clouds share that the loop above does not read: one `add` per resource showing each."""
    subjects, emails, replicas, standby, standby_tasks, lag = set(), set(), 0, 0, [], []
    for stack, _, resource in aws_resources(templates):
        kind, p = resource["Type"], resource.get("Properties", {})
        tags = {tag["Key"]: tag["Value"] for tag in p.get("Tags", []) if isinstance(tag, dict) and "Key" in tag}
        if set(_AWS_TAGS) <= set(tags):
            add("tags (project, owner, cost centre)", tuple(tags[key] for key in _AWS_TAGS))
        if kind == "AWS::RDS::DBInstance" and "SourceDBInstanceIdentifier" not in p:
            add("database high availability", bool(p.get("MultiAZ")))
            add("database storage (initial, ceiling GiB)", (int(p["AllocatedStorage"]), p.get("MaxAllocatedStorage")))
            add("stateful resources retained", resource.get("DeletionPolicy") == "Retain")
        elif kind == "AWS::RDS::DBInstance" and stack.endswith(f"-{AWS_STANDBY_COMPONENT}"):
            standby += 1
        elif kind == "AWS::ECS::Service" and stack.endswith(f"-{AWS_STANDBY_COMPONENT}"):
            standby_tasks.append(p.get("DesiredCount"))
        elif kind == "AWS::CloudWatch::Alarm" and p.get("MetricName") == "ReplicaLag":
            lag.append(p.get("Threshold"))
        elif kind == "AWS::RDS::DBInstance":
            replicas += 1
        elif kind == "AWS::ElastiCache::ReplicationGroup":
            add("cache high availability", bool(p.get("AutomaticFailoverEnabled")) and bool(p.get("MultiAZEnabled")))
        elif kind == "AWS::ECR::Repository":
            rules = json.loads(p["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
            selection = {rule["selection"]["countType"]: rule["selection"]["countNumber"] for rule in rules}
            add(
                "image retention (untagged days, kept images)",
                (selection.get("sinceImagePushed"), selection.get("imageCountMoreThan")),
            )
        elif kind == "AWS::CloudFront::Distribution":
            add("app domain", p["DistributionConfig"]["Aliases"][0])
        elif kind == "AWS::CloudFront::CachePolicy":
            add("CDN default TTL (seconds)", p["CachePolicyConfig"]["DefaultTTL"])
        elif kind == "AWS::S3::Bucket" and "Transitions" in json.dumps(p.get("LifecycleConfiguration", {})):
            # the application's buckets (assets, uploads) tier their objects; log buckets only expire
            versioned = p.get("VersioningConfiguration", {}).get("Status") == "Enabled"
            add("storage versioning", versioned)
            (rule,) = [rule for rule in p["LifecycleConfiguration"]["Rules"] if "Transitions" in rule]
            days = sorted(transition["TransitionInDays"] for transition in rule["Transitions"])
            noncurrent = rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") if versioned else None
            add("storage lifecycle (cooler, coldest, noncurrent days)", (*days, noncurrent))
        elif kind == "AWS::Budgets::Budget":
            notifications = p.get("NotificationsWithSubscribers", [])
            shares = tuple(sorted({float(n["Notification"]["Threshold"]) for n in notifications}))
            add("budget (USD, alert shares)", (p["Budget"]["BudgetLimit"]["Amount"], shares))
        elif kind == "AWS::SNS::Subscription" and p.get("Protocol") == "email":
            emails.add(p["Endpoint"])
        elif kind == "AWS::Events::Connection" and "PagerDuty" in p.get("Description", "") + p.get("Name", ""):
            add("PagerDuty key secret", _one(_SECRET_REFERENCE.findall(json.dumps(p))))
        elif kind == "AWS::ECS::TaskDefinition":
            for container in p["ContainerDefinitions"]:
                flags = [
                    (e["Name"], e["Value"])
                    for e in container.get("Environment", [])
                    if e["Name"].startswith("FEATURE_")
                ]
                if flags:
                    add("feature flags", tuple(sorted(flags)))
        elif kind == "AWS::ApplicationAutoScaling::ScalingPolicy":
            tracking = p.get("TargetTrackingScalingPolicyConfiguration", {})
            metric = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
            # Blue/green: requests per target of both target groups, as metric math (aws_stacks/compute.py).
            custom = json.dumps(tracking.get("CustomizedMetricSpecification", {}))
            if metric == "ALBRequestCountPerTarget" or "RequestCountPerTarget" in custom:
                add("request scaling (AWS per minute, GCP in flight)", tracking["TargetValue"])
        elif kind == "AWS::IAM::Role":
            for statement in p.get("AssumeRolePolicyDocument", {}).get("Statement", []):
                for condition in statement.get("Condition", {}).values():
                    if _SUB_CLAIM in condition:
                        subjects.add(condition[_SUB_CLAIM])
        elif kind == "AWS::CloudWatch::Alarm":
            link = _RUNBOOK_LINK.search(p.get("AlarmDescription", ""))
            if link:
                add("runbook base", link.group(1))
            if str(p.get("ExtendedStatistic", "")).startswith("p"):
                add("alert response_time: percentile", float(p["ExtendedStatistic"][1:]))
            for query in p.get("Metrics", []):  # metric math over both target groups (blue/green)
                stat = query.get("MetricStat", {})
                if stat.get("Metric", {}).get("MetricName") == "TargetResponseTime" and stat["Stat"].startswith("p"):
                    add("alert response_time: percentile", float(stat["Stat"][1:]))
    add("database read replicas", replicas)
    add("standby database replica", standby)
    add("standby tasks per service (running)", _one(standby_tasks) if standby_tasks else None)
    add("standby replica-lag warning (s)", _one(lag) if lag else None)
    if subjects:
        add("delivery trust (OIDC subjects)", tuple(sorted(subjects)))
    if emails:
        add("warning emails", tuple(sorted(emails)))


# --- GCP ---------------------------------------------------------------------------------------------------


def _gcp_threshold(alert: Alert, conditions: list[dict]) -> tuple[float, int]:
    """(threshold in the catalog's unit, minutes) of a policy: ratios become percent, milliseconds seconds.

    A policy may hold a second condition in the other direction (the database's "is up" beside its failure
    count): the one in the alert's direction carries the threshold. Free disk is watched as used disk, so a
    lone condition in the other direction is the complement.
    """
    wanted = "COMPARISON_GT" if alert.fires_above else "COMPARISON_LT"
    thresholds = [c["condition_threshold"] for c in conditions if "condition_threshold" in c]
    same = [t for t in thresholds if t["comparison"] == wanted]
    threshold = (same or thresholds)[0]
    value = float(threshold["threshold_value"])
    if alert.unit == "percent":
        value = value * 100 if same else 100 - value * 100
    elif alert.unit == "seconds":
        value = value / 1000
    (aggregation,) = threshold["aggregations"]
    seconds = int(threshold.get("duration", "0s").removesuffix("s")) or int(
        aggregation["alignment_period"].removesuffix("s")
    )
    return round(value, 6), seconds // 60


def extract_gcp(stacks: dict[str, dict], settings: Settings) -> dict[str, object]:
    """Every compared value of one environment's Terraform JSON."""
    found: dict[str, list] = {}

    def add(name: str, value: object) -> None:
        found.setdefault(name, []).append(value)

    catalog = _catalog(settings)
    for policy in gcp_alert_policies(stacks):
        key = policy["user_labels"]["alert"]
        if policy["user_labels"]["severity"] == Severity.INFO.value or key not in catalog:
            continue
        threshold, minutes = _gcp_threshold(catalog[key], policy["conditions"])
        add(f"alert {key}: threshold", threshold)
        add(f"alert {key}: minutes", minutes)
        for condition in policy["conditions"]:
            gap = condition.get("condition_threshold", {}).get("evaluation_missing_data")
            add(f"alert {key}: missing data", _GCP_MISSING.get(gap))
    _gcp_slos(stacks, add)
    for _, kind, _, body in gcp_resources(stacks):
        if kind == "google_sql_database_instance":
            add("PostgreSQL major", int(body["database_version"].removeprefix("POSTGRES_")))
            add("deletion protection", bool(body.get("deletion_protection")))
            add("deletion protection", bool(body["settings"].get("deletion_protection_enabled")))
            backup = body["settings"].get("backup_configuration")
            if backup and "master_instance_name" not in body:
                retention = backup["backup_retention_settings"]
                # One automated backup a day: a count of backups is a number of days.
                add(
                    "backup retention (days)",
                    retention["retained_backups"] if retention["retention_unit"] == "COUNT" else None,
                )
                pitr = backup.get("point_in_time_recovery_enabled")
                add("point-in-time window (days)", backup.get("transaction_log_retention_days") if pitr else 0)
        elif kind == "google_memorystore_instance":
            add("Valkey major", int(body["engine_version"].split("_")[1]))
            add("deletion protection", bool(body.get("deletion_protection_enabled")))
            period = body.get("persistence_config", {}).get("rdb_config", {}).get("rdb_snapshot_period")
            add("cache snapshot period (hours)", _SNAPSHOT_HOURS.get(period))
        elif kind == "google_cloud_run_v2_service":
            add("deletion protection", bool(body.get("deletion_protection")))
            scaling = body["template"].get("scaling", {})
            workload = body["name"].removeprefix(settings.prefix + "-")
            bounds = (scaling.get("min_instance_count"), scaling.get("max_instance_count"))
            # The serving size is the primary region's; the standby's is `recovery.standby_tasks` until a failover.
            if body.get("location") == settings.gcp.region:
                add(f"{workload} scaling (min, max)", bounds)
        elif kind == "google_logging_project_bucket_config":
            add("log retention (days)", body.get("retention_days"))
        elif kind == "google_storage_bucket" and "retention_policy" in body:
            add("log retention (days)", _days(body["retention_policy"]["retention_period"]))
        elif kind == "google_kms_crypto_key":
            add("key rotation (days)", _days(body["rotation_period"]) if "rotation_period" in body else None)
        elif kind == "google_secret_manager_secret":
            rotation = body.get("rotation", {}).get("rotation_period")
            add("secret rotation (days)", _days(rotation) if rotation else None)
        elif kind == "google_compute_security_policy":
            for rule in body.get("rule", []):
                limit = rule.get("rate_limit_options", {}).get("rate_limit_threshold")
                if limit:
                    add("rate limit (requests, seconds)", (limit["count"], limit["interval_sec"]))
        elif kind == "google_compute_subnetwork":
            add("GCP address ranges", body["ip_cidr_range"])
        elif kind == "google_compute_global_address" and body.get("address_type") == "INTERNAL":
            add("GCP address ranges", f"{body['address']}/{body['prefix_length']}")
    _gcp_shared(stacks, add)
    values = {name: _one(items) for name, items in found.items()}
    if "GCP address ranges" in values:
        values["GCP address ranges"] = tuple(sorted(set(found["GCP address ranges"])))
    return values


_LOOK_BACK = re.compile(r'select_slo_burn_rate\("[^"]+", "(\d+)s"\)')


def _gcp_slos(stacks: dict[str, dict], add: Callable[[str, object], None]) -> None:
    """Cloud Monitoring SLOs (by their `slo` label) and their burn-rate policies (labels `slo` and `alert`)."""
    for _, _, _, body in gcp_resources(stacks, "google_monitoring_slo"):
        key = body["user_labels"]["slo"]
        add(f"slo {key}: objective (%)", round(body["goal"] * 100, 6))
        add(f"slo {key}: period (days)", body.get("rolling_period_days"))
        if "request_based_sli" in body:
            add(f"slo {key}: counts", "requests")
        else:
            windows = body["windows_based_sli"]
            add(f"slo {key}: counts", f"{int(windows['window_period'].removesuffix('s')) // 60}-minute windows")
            cut = windows["good_total_ratio_threshold"]["performance"]["distribution_cut"]["range"]
            add(f"slo {key}: good at or under (s)", cut["max"] / 1000)
    for _, _, _, body in gcp_resources(stacks, "google_monitoring_alert_policy"):
        labels = body.get("user_labels", {})
        if "slo" not in labels:
            continue
        thresholds = [c["condition_threshold"] for c in body["conditions"]]
        minutes = sorted((int(_LOOK_BACK.fullmatch(t["filter"]).group(1)) // 60 for t in thresholds), reverse=True)
        rate = _one(t["threshold_value"] for t in thresholds) if body["combiner"] == "AND" else None
        alert = labels["alert"].removeprefix(labels["slo"] + "-").replace("-", "_")
        add(f"slo {labels['slo']} {alert}: (long min, short min, rate)", (*minutes, rate))


_GCP_LABELS = ("project", "owner", "cost_centre")
_CEL_EQUALS = re.compile(r"assertion\.sub == '([^']+)'")
_CEL_PATTERN = re.compile(r"assertion\.sub\.startsWith\('([^']+)'\) && assertion\.sub\.endsWith\('([^']+)'\)")
_GCP_PERCENTILE = re.compile(r"^ALIGN_PERCENTILE_(\d+)$")


def _gcp_shared(stacks: dict[str, dict], add: Callable[[str, object], None]) -> None:
    """The values both clouds share that the loop above does not read (see `_aws_shared`)."""
    emails, replicas, standby, standby_tasks, lag = set(), 0, 0, [], []
    for _, kind, logical_id, body in gcp_resources(stacks):
        if kind == "google_monitoring_alert_policy" and logical_id.startswith("StandbyReplicaLag"):
            lag.append(_one(c["condition_threshold"]["threshold_value"] for c in body["conditions"]))
        labels = body.get("labels") or body.get("settings", {}).get("user_labels") or body.get("user_labels") or {}
        if isinstance(labels, dict) and set(_GCP_LABELS) <= set(labels):
            add("tags (project, owner, cost centre)", tuple(labels[key] for key in _GCP_LABELS))
        retained = body.get("lifecycle", {}).get("prevent_destroy", False)
        if kind == "google_sql_database_instance" and body.get("name", "").endswith("-postgres-standby"):
            standby += 1
        elif kind == "google_sql_database_instance" and "master_instance_name" in body:
            replicas += 1
        elif kind == "google_sql_database_instance":
            settings = body["settings"]
            add("database high availability", settings.get("availability_type") == "REGIONAL")
            add(
                "database storage (initial, ceiling GiB)",
                (settings["disk_size"], settings.get("disk_autoresize_limit")),
            )
            add("stateful resources retained", retained)
        elif kind == "google_memorystore_instance":
            add("cache high availability", body.get("replica_count", 0) >= 1)
        elif kind == "google_artifact_registry_repository":
            policies = {policy["id"]: policy for policy in body.get("cleanup_policies", [])}
            older = policies.get("delete-old", {}).get("condition", {}).get("older_than")
            kept = policies.get("keep-recent", {}).get("most_recent_versions", {}).get("keep_count")
            add("image retention (untagged days, kept images)", (_days(older) if older else None, kept))
        elif kind == "google_compute_managed_ssl_certificate":
            add("app domain", body["managed"]["domains"][0])
        elif kind == "google_compute_backend_bucket" and body.get("enable_cdn"):
            add("CDN default TTL (seconds)", body["cdn_policy"]["default_ttl"])
        elif kind == "google_storage_bucket" and "SetStorageClass" in json.dumps(body.get("lifecycle_rule", [])):
            versioned = bool((body.get("versioning") or {}).get("enabled"))
            add("storage versioning", versioned)
            rules = body["lifecycle_rule"]
            days = sorted(rule["condition"]["age"] for rule in rules if rule["action"]["type"] == "SetStorageClass")
            noncurrent = [
                rule["condition"]["days_since_noncurrent_time"]
                for rule in rules
                if "days_since_noncurrent_time" in rule["condition"]
            ]
            add(
                "storage lifecycle (cooler, coldest, noncurrent days)", (*days, _one(noncurrent) if versioned else None)
            )
        elif kind == "google_billing_budget":
            shares = tuple(sorted({round(rule["threshold_percent"] * 100, 6) for rule in body["threshold_rules"]}))
            add("budget (USD, alert shares)", (int(body["amount"]["specified_amount"]["units"]), shares))
        elif kind == "google_monitoring_notification_channel" and body.get("type") == "email":
            emails.add(body["labels"]["email_address"])
        elif kind == "google_cloud_run_v2_service" and logical_id.startswith("StandbyServices"):
            standby_tasks.append(body["template"].get("scaling", {}).get("min_instance_count"))
        elif kind == "google_cloud_run_v2_service":
            template = body["template"]
            add("request scaling (AWS per minute, GCP in flight)", template.get("max_instance_request_concurrency"))
            for container in template["containers"]:
                flags = [(e["name"], e["value"]) for e in container.get("env", []) if e["name"].startswith("FEATURE_")]
                if flags:
                    add("feature flags", tuple(sorted(flags)))
        elif kind == "google_iam_workload_identity_pool_provider":
            condition = body.get("attribute_condition", "")
            subjects = _CEL_EQUALS.findall(condition) + [f"{a}*{b}" for a, b in _CEL_PATTERN.findall(condition)]
            add("delivery trust (OIDC subjects)", tuple(sorted(subjects)))
        elif kind == "google_monitoring_alert_policy":
            link = _RUNBOOK_LINK.search(
                body.get("documentation", {}).get("content", "").replace("**Runbook:** ", "Runbook: ")
            )
            if link:
                add("runbook base", link.group(1))
            for condition in body.get("conditions", []):
                for aggregation in condition.get("condition_threshold", {}).get("aggregations", []):
                    percentile = _GCP_PERCENTILE.match(aggregation.get("per_series_aligner", ""))
                    if percentile:
                        add("alert response_time: percentile", float(percentile.group(1)))
    for stack in stacks.values():
        for name, version in stack.get("ephemeral", {}).get("google_secret_manager_secret_version", {}).items():
            if name.startswith("Channels_PagerDutyKey"):
                add("PagerDuty key secret", version["secret"])
    add("database read replicas", replicas)
    add("standby database replica", standby)
    add("standby tasks per service (running)", _one(standby_tasks) if standby_tasks else None)
    add("standby replica-lag warning (s)", _one(lag) if lag else None)
    if emails:
        add("warning emails", tuple(sorted(emails)))


_SNAPSHOT_HOURS = {"ONE_HOUR": 1, "SIX_HOURS": 6, "TWELVE_HOURS": 12, "TWENTY_FOUR_HOURS": 24}


# --- comparing ---------------------------------------------------------------------------------------------


def rows(settings: Settings, aws: dict[str, object] | None, gcp: dict[str, object] | None) -> list[Row]:
    """One row per concept. A cloud given as None is not compared (its expected value stands in for it)."""
    found = []
    for concept in concepts(settings):
        expected_aws = concept.aws(settings) if concept.aws else None
        expected_gcp = concept.gcp(settings) if concept.gcp else None
        found.append(
            Row(
                concept,
                expected_aws,
                expected_gcp,
                expected_aws if aws is None else aws.get(concept.name),
                expected_gcp if gcp is None else gcp.get(concept.name),
            )
        )
    return found


def unlisted(extracted: dict[str, object], settings: Settings, cloud: str) -> list[str]:
    """Extracted values no concept compares on that cloud: each must be compared or named one-cloud-only."""
    known = {c.name for c in concepts(settings) if getattr(c, cloud) is not None}
    return sorted(set(extracted) - known)


def overlaps(aws_ranges: Iterable[str], gcp_ranges: Iterable[str]) -> list[tuple[str, str]]:
    """(AWS range, GCP range) pairs that overlap: the clouds may be peered, so none may."""
    return [
        (a, g)
        for a in sorted(aws_ranges)
        for g in sorted(gcp_ranges)
        if ipaddress.ip_network(a).overlaps(ipaddress.ip_network(g))
    ]


def _show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(settings: Settings, found: list[Row], ranges_overlap: list[tuple[str, str]]) -> str:
    lines = [
        f"\n{settings.environment}",
        "| setting | settings value | AWS | GCP | agrees |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in found:
        if row.concept.across or not (row.concept.aws and row.concept.gcp):
            expected = _show(row.expected_aws if row.concept.aws else row.expected_gcp)
        else:
            expected = f"AWS {_show(row.expected_aws)} / GCP {_show(row.expected_gcp)}"
        verdict = "yes" if row.agrees else "NO: " + "; ".join(row.problems)
        scope = "" if row.concept.aws and row.concept.gcp else (" (AWS only)" if row.concept.aws else " (GCP only)")
        lines.append(
            f"| {row.concept.name}{scope} | {expected} | {_show(row.aws) if row.concept.aws else 'n/a'} | "
            f"{_show(row.gcp) if row.concept.gcp else 'n/a'} | {verdict} |"
        )
    verdict = "yes" if not ranges_overlap else "NO: " + "; ".join(f"{a} overlaps {g}" for a, g in ranges_overlap)
    lines.append(f"| AWS and GCP ranges apart | no overlap | | | {verdict} |")
    return "\n".join(lines)


def check(settings: Settings, aws_templates: dict[str, dict], gcp_stacks: dict[str, dict]) -> tuple[str, bool]:
    """The table of one environment and whether every row agrees."""
    aws = extract_aws(of_environment(aws_templates, settings), settings)
    gcp = extract_gcp(of_environment(gcp_stacks, settings), settings)
    found = rows(settings, aws, gcp)
    clash = overlaps(aws.get("AWS address ranges") or (), gcp.get("GCP address ranges") or ())
    strays = [f"AWS {name}" for name in unlisted(aws, settings, "aws")]
    strays += [f"GCP {name}" for name in unlisted(gcp, settings, "gcp")]
    text = table(settings, found, clash)
    if strays:
        text += "\nvalues read but neither compared nor listed as one-cloud-only: " + ", ".join(strays)
    return text, all(row.agrees for row in found) and not clash and not strays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.parity", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    aws_templates, gcp_stacks = load_aws(), load_gcp()
    ok = True
    for environment in ENVIRONMENTS:
        text, agrees = check(load_settings(environment), aws_templates, gcp_stacks)
        print(text)
        ok &= agrees
    print("\nparity: every value agrees" if ok else "\nparity: DISAGREEMENT (rows marked NO)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
