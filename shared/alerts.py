"""Every alert of the platform, described once; each cloud renders the same list.

An `Alert` says what fires, at which level and after how long, with every number
taken from `Settings.thresholds`. `aws_stacks/observability.py` turns each into
CloudWatch alarms and `gcp_stacks/observability.py` into Cloud Monitoring alert
policies, so "which alert pages at what" has one answer on both clouds, and a
parity test compares the two renderings against this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.settings import Settings


class Severity(StrEnum):
    """Routes: critical pages (PagerDuty), warning emails, info goes to Slack."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Scope(StrEnum):
    """What one alert watches; `SERVICE` alerts exist once per application service."""

    SERVICE = "service"  # the FastAPI backend and the Next.js frontend, each
    DATABASE = "database"  # the PostgreSQL primary
    CACHE = "cache"  # Redis
    CERTIFICATE = "certificate"  # the public TLS certificate of the app domain


class Measure(StrEnum):
    """What one alert compares with its threshold; each cloud maps each measure to its own metrics once."""

    SERVICE_AVERAGE = "the service's average over its running instances"
    BUSIEST_NODE = "the busiest node"
    INSTANCE = "the database instance's own metric"
    SHARE = "a share of requests over the window"
    COUNT = "a count of events over the window"
    PERCENTILE = "a percentile of the service's request latency"
    HEALTHY = "instances (AWS) or probe locations (GCP) that pass the health check"
    DAYS_LEFT = "days until the certificate expires"


class Window(StrEnum):
    """How `duration_minutes` is measured."""

    SUSTAINED = "sustained"  # sampled every minute; every sample of the duration must breach (a level that holds)
    OVER_WINDOW = "over_window"  # one measurement over the duration, re-evaluated every minute (a share, a count)
    DAILY = "daily"  # the metric is published once a day: the first daily sample past the threshold fires


class Missing(StrEnum):
    """What a gap in the data means."""

    BREACHING = "breaching"  # nothing reports: that is itself the failure
    NOT_BREACHING = "not_breaching"  # nothing happened: fine
    KEEP_STATE = "keep_state"  # a gap neither raises nor clears the alert


_HEALTH = "no datapoint from the health metrics is itself an outage (nothing reports healthy)"
_TRAFFIC = "no requests means nothing to judge; idle is not failing"
_EVENTS = "the counter is published only when something happens, so a gap means zero"
_SATURATION = "a metric gap (restart, delayed delivery) neither raises nor clears a saturation warning"


@dataclass(frozen=True)
class Alert:
    key: str  # stable id: part of alarm / policy names on both clouds
    severity: Severity
    scope: Scope
    summary: str  # what is wrong, in the on-call's words
    threshold: float  # in `unit`
    unit: str  # percent, seconds, count or days
    comparison: str  # "above" or "below" the threshold
    duration_minutes: int  # how long the condition holds before the alert fires
    first_check: str  # what the on-call looks at first
    measure: Measure
    window: Window
    missing: Missing
    missing_reason: str  # why a gap means that: part of each alarm's and policy's description
    # Where the clouds cannot measure the same thing, what differs (README "Where the clouds differ"); else empty.
    differs: str = ""

    @property
    def fires_above(self) -> bool:
        return self.comparison == "above"


@dataclass(frozen=True)
class InfoEvent:
    """Not a threshold: an event the team wants to hear about in Slack."""

    key: str
    summary: str


INFO_EVENTS = (
    InfoEvent("deployment", "A service started or finished a deployment (new task definition / Cloud Run revision)"),
    InfoEvent("scaling", "A service scaled out or in"),
    InfoEvent("backup", "A backup job completed or failed"),
    InfoEvent("certificate_renewal", "A managed TLS certificate was renewed or is due for renewal"),
)


def alerts(settings: Settings) -> tuple[Alert, ...]:
    """The alerts of one environment, every number from its settings."""
    t = settings.thresholds
    critical, warning = t.critical_window_minutes, t.warning_window_minutes
    percentile = f"p{t.response_time_percentile:g}"
    return (
        Alert(
            "service_down",
            Severity.CRITICAL,
            Scope.SERVICE,
            "No healthy instance answers the health check",
            1,
            "count",
            "below",
            t.service_down_minutes,
            "The service's recent deployments and task/revision start-up logs; then the database and cache.",
            Measure.HEALTHY,
            Window.SUSTAINED,
            Missing.BREACHING,
            _HEALTH,
            (
                "AWS counts healthy load-balancer targets (0 while fewer tasks run than desired); GCP counts uptime-"
                "check locations that pass, since Cloud Run exposes no per-instance health"
            ),
        ),
        Alert(
            "error_rate",
            Severity.CRITICAL,
            Scope.SERVICE,
            "Share of requests answered with a 5xx status",
            t.error_rate_percent,
            "percent",
            "above",
            critical,
            "Application error logs of the service, grouped by route; roll back a deployment made just before.",
            Measure.SHARE,
            Window.OVER_WINDOW,
            Missing.NOT_BREACHING,
            _TRAFFIC,
        ),
        Alert(
            "database_connections",
            Severity.CRITICAL,
            Scope.DATABASE,
            "The database is down or refuses connections",
            t.database_connection_failures,
            "count",
            "above",
            critical,
            "Database status and events (failover, maintenance, storage full), then connection counts.",
            Measure.COUNT,
            Window.OVER_WINDOW,
            Missing.NOT_BREACHING,
            _EVENTS,
            (
                "AWS counts RDS Proxy's failed connection set-ups to the database (the app's only path); GCP counts "
                "PostgreSQL FATAL log lines at connect and also pages while Cloud SQL's `up` metric is 0 (RDS "
                "publishes no such metric)"
            ),
        ),
        Alert(
            "certificate_expiry",
            Severity.CRITICAL,
            Scope.CERTIFICATE,
            "The app domain's TLS certificate expires soon",
            t.certificate_expiry_days,
            "days",
            "below",
            # Certificates are checked daily; the alert fires on the first check under the threshold.
            1,
            "Managed certificate status: DNS validation records and the domain's CAA records.",
            Measure.DAYS_LEFT,
            Window.DAILY,
            Missing.KEEP_STATE,
            "ACM publishes once a day and a new certificate has no datapoint for up to a day; a gap keeps the state",
        ),
        Alert(
            "cpu",
            Severity.WARNING,
            Scope.SERVICE,
            "Service CPU utilization is high",
            t.cpu_percent,
            "percent",
            "above",
            warning,
            "Whether scaling reached its maximum; then the slowest routes.",
            Measure.SERVICE_AVERAGE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "memory",
            Severity.WARNING,
            Scope.SERVICE,
            "Service memory utilization is high",
            t.memory_percent,
            "percent",
            "above",
            warning,
            "Memory growth since the last deployment (a leak restarts tasks); then scaling.",
            Measure.SERVICE_AVERAGE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "response_time",
            Severity.WARNING,
            Scope.SERVICE,
            f"{percentile} response time is slow",
            t.response_time_seconds,
            "seconds",
            "above",
            warning,
            "Database latency and slow queries, then cache hit rate, then traffic.",
            Measure.PERCENTILE,
            Window.SUSTAINED,
            Missing.NOT_BREACHING,
            _TRAFFIC,
        ),
        Alert(
            "database_free_storage",
            Severity.WARNING,
            Scope.DATABASE,
            "Database free storage is low",
            t.free_disk_percent,
            "percent",
            "below",
            warning,
            "Storage auto-growth ceiling, table bloat and old WAL; raise the storage limit if growth is real.",
            Measure.INSTANCE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
            (
                "AWS compares free bytes with `database.allocated_storage_gib`: CloudWatch has FreeStorageSpace but no "
                "current volume size for RDS, so after storage auto-scaling grew the volume the alert fires late "
                "(comparing with `max_allocated_storage_gib` instead would fire all the time below the ceiling, "
                "where free space is a share of a smaller volume; RDS itself grows the volume when free space falls "
                "to 10 % of it). GCP uses the current disk's used share (Cloud SQL `disk/utilization`)"
            ),
        ),
        Alert(
            "database_cpu",
            Severity.WARNING,
            Scope.DATABASE,
            "Database CPU utilization is high",
            t.cpu_percent,
            "percent",
            "above",
            warning,
            "Top queries by load (Performance Insights / Query Insights).",
            Measure.INSTANCE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "database_memory",
            Severity.WARNING,
            Scope.DATABASE,
            "Database memory utilization is high",
            t.memory_percent,
            "percent",
            "above",
            warning,
            "Connection count and per-connection memory; the proxy's pool settings.",
            Measure.INSTANCE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "cache_cpu",
            Severity.WARNING,
            Scope.CACHE,
            "Redis CPU utilization is high",
            t.cpu_percent,
            "percent",
            "above",
            warning,
            "Slow log and the commands per second; expensive commands (KEYS, large ranges).",
            Measure.BUSIEST_NODE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "cache_memory",
            Severity.WARNING,
            Scope.CACHE,
            "Redis memory is nearly full",
            t.cache_memory_percent,
            "percent",
            "above",
            warning,
            "Key count and TTLs of session keys; size the cache up if growth is real.",
            Measure.BUSIEST_NODE,
            Window.SUSTAINED,
            Missing.KEEP_STATE,
            _SATURATION,
        ),
        Alert(
            "cache_evictions",
            Severity.WARNING,
            Scope.CACHE,
            "Redis is evicting keys (users lose sessions)",
            t.cache_evictions,
            "count",
            "above",
            warning,
            "Memory use and keys without TTL; size the cache up.",
            Measure.COUNT,
            Window.OVER_WINDOW,
            Missing.NOT_BREACHING,
            _EVENTS,
        ),
        Alert(
            "application_errors",
            Severity.WARNING,
            Scope.SERVICE,
            "The service logs errors",
            t.application_errors,
            "count",
            "above",
            warning,
            "The service's error log entries (new since the last deployment?), then its request logs.",
            Measure.COUNT,
            Window.OVER_WINDOW,
            Missing.NOT_BREACHING,
            _EVENTS,
        ),
    )
