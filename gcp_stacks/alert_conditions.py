"""How each alert of `shared.alerts` reads in Cloud Monitoring: metric filter, aggregation, threshold, duration.

Pure data, no provider imports: `observability.py` turns each `Condition` into a filter-based
`condition_threshold` (never MQL or PromQL), and the tests read the same table. The catalog's `Window` is mapped
once, in `measured`:

- `SUSTAINED` (CPU, memory, latency, disk): sampled every minute and must hold for the alert's duration:
  `alignment` one minute, `duration` = the alert's minutes;
- `OVER_WINDOW` (5xx share, failures, evictions, errors): taken over the alert's window, which slides every
  minute: `alignment` = the alert's minutes, `duration` zero;

and its `Missing` once, in `EVALUATION_MISSING_DATA`. Uptime checks (service down, certificate) align on their
own period, which `measured` cannot know.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from gcp_stacks.names import log_metric_name, redis_instance_name, sql_database_id
from shared import Settings
from shared.alerts import Alert, Missing, Window
from shared.contract import SERVICES
from shared.names import service_name

# Cloud Run workloads (service `<prefix>-<workload>`) and the public path each answers on; every
# service-scoped alert exists once per workload.
WORKLOADS = {name: service.health_path for name, service in SERVICES.items()}
MINUTE_SECONDS = 60
# The shortest uptime-check period Cloud Monitoring offers: `service_down_minutes` sees several checks.
UPTIME_PERIOD_SECONDS = 60
# Checker locations report at different moments; two periods hold at least one result from each.
UPTIME_ALIGNMENT_SECONDS = 2 * UPTIME_PERIOD_SECONDS
MILLISECONDS_PER_SECOND = 1000

# Log-based metrics this module's alerts read; `observability.LogMetrics` creates them.
APP_ERRORS_METRIC = "app-errors"
DATABASE_CONNECTION_FAILURES_METRIC = "database-connection-failures"


@dataclass(frozen=True)
class Condition:
    name: str  # condition display name
    filter: str
    aligner: str  # per-series aligner
    reducer: str  # cross-series reducer
    group_by: tuple[str, ...]
    comparison: str  # COMPARISON_GT or COMPARISON_LT (the only two the API accepts)
    threshold: float  # in the metric's own unit (ratio 0-1, milliseconds, days, count)
    alignment_seconds: int
    duration_seconds: int
    denominator_filter: str | None = None  # ratio conditions: the filter of the whole
    missing: str = ""  # evaluation_missing_data: set from the alert by `conditions`


@dataclass(frozen=True)
class Target:
    """What one policy watches: a Cloud Run service (its workload and uptime check), or the environment."""

    workload: str | None = None  # "api" / "web" for service-scoped alerts
    uptime_check_id: str | None = None


def clauses(*parts: str) -> str:
    return " AND ".join(parts)


def is_(field: str, value: str) -> str:
    return f'{field}="{value}"'


def run_service(settings: Settings, target: Target, metric: str) -> str:
    return clauses(
        is_("metric.type", f"run.googleapis.com/{metric}"),
        is_("resource.type", "cloud_run_revision"),
        is_("resource.label.service_name", service_name(settings, target.workload or "")),
    )


def cloud_sql(settings: Settings, metric: str) -> str:
    return clauses(
        is_("metric.type", f"cloudsql.googleapis.com/database/{metric}"),
        is_("resource.type", "cloudsql_database"),
        is_("resource.label.database_id", sql_database_id(settings)),
    )


def redis(settings: Settings, metric: str) -> str:
    """A Memorystore for Valkey instance metric (`memorystore.googleapis.com/instance/<metric>`)."""
    return clauses(
        is_("metric.type", f"memorystore.googleapis.com/instance/{metric}"),
        is_("resource.type", "memorystore.googleapis.com/Instance"),
        is_("resource.label.location", settings.gcp.region),
        is_("resource.label.instance_id", redis_instance_name(settings)),
    )


def user_metric(settings: Settings, metric: str, resource_type: str) -> str:
    return clauses(
        is_("metric.type", f"logging.googleapis.com/user/{log_metric_name(settings, metric)}"),
        is_("resource.type", resource_type),
    )


def compare(alert: Alert) -> str:
    return "COMPARISON_GT" if alert.fires_above else "COMPARISON_LT"


def ratio(percent: float) -> float:
    """Settings speak percent; Cloud Monitoring's utilization metrics are ratios 0-1."""
    return round(percent / 100, 6)


# The catalog's meaning of a gap, in Cloud Monitoring's words (the one mapping of `shared.alerts.Missing`).
EVALUATION_MISSING_DATA = {
    Missing.BREACHING: "EVALUATION_MISSING_DATA_ACTIVE",
    Missing.NOT_BREACHING: "EVALUATION_MISSING_DATA_INACTIVE",
    Missing.KEEP_STATE: "EVALUATION_MISSING_DATA_NO_OP",
}


def measured(alert: Alert, window: Window | None = None, **kwargs) -> Condition:
    """A condition measured the way the alert's window says (or `window`, for an extra condition)."""
    kwargs.setdefault("comparison", compare(alert))
    kwargs.setdefault("threshold", alert.threshold)
    minutes = alert.duration_minutes * 60
    if (window or alert.window) is Window.OVER_WINDOW:
        return Condition(alignment_seconds=minutes, duration_seconds=0, **kwargs)
    return Condition(alignment_seconds=MINUTE_SECONDS, duration_seconds=minutes, **kwargs)


SERVICE_GROUP = ("resource.label.service_name",)
CACHE_GROUP = ("resource.label.instance_id",)
SQL_GROUP = ("resource.label.database_id",)


def service_down(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # How many checker locations reached the endpoint: below the threshold (1) means nobody did.
    filter_ = clauses(
        is_("metric.type", "monitoring.googleapis.com/uptime_check/check_passed"),
        is_("resource.type", "uptime_url"),
        is_("metric.label.check_id", t.uptime_check_id or ""),
    )
    return [
        Condition(
            name="Uptime check passes nowhere",
            filter=filter_,
            aligner="ALIGN_NEXT_OLDER",
            reducer="REDUCE_COUNT_TRUE",
            group_by=("metric.label.check_id",),
            comparison=compare(a),
            threshold=a.threshold,
            alignment_seconds=UPTIME_ALIGNMENT_SECONDS,
            duration_seconds=a.duration_minutes * 60,
        )
    ]


def error_rate(s: Settings, a: Alert, t: Target) -> list[Condition]:
    requests = run_service(s, t, "request_count")
    return [
        measured(
            a,
            name="5xx share of requests",
            filter=clauses(requests, is_("metric.label.response_code_class", "5xx")),
            denominator_filter=requests,
            aligner="ALIGN_DELTA",
            reducer="REDUCE_SUM",
            group_by=SERVICE_GROUP,
            threshold=ratio(a.threshold),
        )
    ]


def database_connections(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # Down: `database/up` is 1 while the instance serves; the threshold is that definition, not a setting.
    # An extra condition AWS has no metric for (shared.alerts: `differs`), a level that holds.
    down = measured(
        a,
        Window.SUSTAINED,
        name="Cloud SQL instance down",
        filter=cloud_sql(s, "up"),
        aligner="ALIGN_MIN",
        reducer="REDUCE_MIN",
        group_by=SQL_GROUP,
        comparison="COMPARISON_LT",
        threshold=1,
    )
    refused = measured(
        a,
        name="Connections refused (FATAL at connect)",
        filter=user_metric(s, DATABASE_CONNECTION_FAILURES_METRIC, "cloudsql_database"),
        aligner="ALIGN_DELTA",
        reducer="REDUCE_SUM",
        group_by=SQL_GROUP,
    )
    return [down, refused]


def certificate_expiry(s: Settings, a: Alert, t: Target) -> list[Condition]:
    filter_ = clauses(
        is_("metric.type", "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires"),
        is_("resource.type", "uptime_url"),
        is_("resource.label.host", s.domain.app_domain),
    )
    return [
        Condition(
            name="Days until the app domain's certificate expires",
            filter=filter_,
            aligner="ALIGN_NEXT_OLDER",
            reducer="REDUCE_MIN",
            group_by=("resource.label.host",),
            comparison=compare(a),
            threshold=a.threshold,
            alignment_seconds=UPTIME_ALIGNMENT_SECONDS,
            duration_seconds=a.duration_minutes * 60,
        )
    ]


def container(metric: str, name: str) -> Callable[[Settings, Alert, Target], list[Condition]]:
    # `utilizations` is a distribution with one sample per instance: its mean is the service's average over its
    # instances (Measure.SERVICE_AVERAGE), what ECS's service CPUUtilization/MemoryUtilization Average is on AWS.
    # The worse revision counts while two serve during a release.
    def render(s: Settings, a: Alert, t: Target) -> list[Condition]:
        return [
            measured(
                a,
                name=name,
                filter=run_service(s, t, f"container/{metric}/utilizations"),
                aligner="ALIGN_MEAN",
                reducer="REDUCE_MAX",
                group_by=SERVICE_GROUP,
                threshold=ratio(a.threshold),
            )
        ]

    return render


def response_time(s: Settings, a: Alert, t: Target) -> list[Condition]:
    percentile = s.thresholds.response_time_percentile
    return [
        measured(
            a,
            name=f"p{percentile:g} request latency (ms)",
            filter=run_service(s, t, "request_latencies"),
            # Per revision and response code; the worst of them is the service's.
            aligner=f"ALIGN_PERCENTILE_{percentile:02.0f}",
            reducer="REDUCE_MAX",
            group_by=SERVICE_GROUP,
            threshold=a.threshold * MILLISECONDS_PER_SECOND,
        )
    ]


def database_free_storage(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # Cloud SQL reports the used share; free below N % is used above (100 - N) %.
    return [
        measured(
            a,
            name="Disk used share",
            filter=cloud_sql(s, "disk/utilization"),
            aligner="ALIGN_MEAN",
            reducer="REDUCE_MAX",
            group_by=SQL_GROUP,
            comparison="COMPARISON_LT" if a.fires_above else "COMPARISON_GT",
            threshold=ratio(100 - a.threshold),
        )
    ]


def sql_level(metric: str, name: str) -> Callable[[Settings, Alert, Target], list[Condition]]:
    def render(s: Settings, a: Alert, t: Target) -> list[Condition]:
        return [
            measured(
                a,
                name=name,
                filter=cloud_sql(s, metric),
                aligner="ALIGN_MEAN",
                reducer="REDUCE_MAX",
                group_by=SQL_GROUP,
                threshold=ratio(a.threshold),
            )
        ]

    return render


def cache_cpu(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # The busiest node's CPU, 0-1 (Valkey's metric is already per instance, the maximum over its nodes).
    return [
        measured(
            a,
            name="Valkey CPU, busiest node",
            filter=redis(s, "cpu/maximum_utilization"),
            aligner="ALIGN_MEAN",
            reducer="REDUCE_MAX",
            group_by=CACHE_GROUP,
            threshold=ratio(a.threshold),
        )
    ]


def cache_memory(s: Settings, a: Alert, t: Target) -> list[Condition]:
    return [
        measured(
            a,
            name="Valkey memory, fullest node",
            filter=redis(s, "memory/maximum_utilization"),
            aligner="ALIGN_MEAN",
            reducer="REDUCE_MAX",
            group_by=CACHE_GROUP,
            threshold=ratio(a.threshold),
        )
    ]


def cache_evictions(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # Counted on the primary only (replicas replay its evictions), so each key counts once.
    return [
        measured(
            a,
            name="Keys evicted",
            filter=redis(s, "stats/total_evicted_keys_count"),
            aligner="ALIGN_DELTA",
            reducer="REDUCE_SUM",
            group_by=CACHE_GROUP,
        )
    ]


def application_errors(s: Settings, a: Alert, t: Target) -> list[Condition]:
    # Log-based metrics keep the entry's monitored resource, so the service name is a resource label.
    return [
        measured(
            a,
            name="ERROR log entries",
            filter=clauses(
                user_metric(s, APP_ERRORS_METRIC, "cloud_run_revision"),
                is_("resource.label.service_name", s.name(t.workload or "")),
            ),
            aligner="ALIGN_DELTA",
            reducer="REDUCE_SUM",
            group_by=SERVICE_GROUP,
        )
    ]


RENDERERS: dict[str, Callable[[Settings, Alert, Target], list[Condition]]] = {
    "service_down": service_down,
    "error_rate": error_rate,
    "database_connections": database_connections,
    "certificate_expiry": certificate_expiry,
    "cpu": container("cpu", "Mean instance CPU utilization"),
    "memory": container("memory", "Mean instance memory utilization"),
    "response_time": response_time,
    "database_free_storage": database_free_storage,
    "database_cpu": sql_level("cpu/utilization", "Cloud SQL CPU utilization"),
    "database_memory": sql_level("memory/utilization", "Cloud SQL memory utilization"),
    "cache_cpu": cache_cpu,
    "cache_memory": cache_memory,
    "cache_evictions": cache_evictions,
    "application_errors": application_errors,
}


def conditions(settings: Settings, alert: Alert, target: Target) -> list[Condition]:
    """The filter-based conditions of one alert; a key without a renderer fails synth rather than go silent."""
    try:
        render = RENDERERS[alert.key]
    except KeyError:
        raise KeyError(f"alert '{alert.key}' has no Cloud Monitoring rendering in {__name__}") from None
    missing = EVALUATION_MISSING_DATA[alert.missing]
    return [dataclasses.replace(condition, missing=missing) for condition in render(settings, alert, target)]
