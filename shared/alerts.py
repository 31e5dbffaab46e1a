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

from shared.model import Settings


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
        ),
    )
