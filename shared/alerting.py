"""When an alert fires (thresholds) and where it goes (routes); the catalog of alerts is shared/alerts.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.checks import Problems, check, email_problem, percent_problem, positive_problem
from shared.provider_facts import CLOUD_MONITORING_PERCENTILES, MAX_BUDGET_EMAILS

_RUNBOOK_URL = re.compile(r"^https://[^\s#]+$")
_SLACK_CHANNEL = re.compile(r"^#[a-z0-9_-]{1,79}$")
_SLACK_ID = re.compile(r"^T[A-Z0-9]{8,12}$")
_SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,12}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,255}$")


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
            yield from check(name, percent_problem(getattr(self, name)))
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
            yield from check(name, positive_problem(getattr(self, name)))
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
            yield from check("warning_emails", email_problem(address))
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
