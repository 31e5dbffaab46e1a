"""Observability: notification channels, uptime checks, alert policies rendered from `shared.alerts`,
log-based metrics, info events in Slack, and the environment's dashboard.

Channel tokens never reach the Terraform JSON nor its state: an ephemeral resource reads them from
Secret Manager at plan/apply time into write-only arguments (`*_wo`, Terraform >= 1.11).
"""

from __future__ import annotations

import re

from cdktn_provider_google.data_google_secret_manager_secret_version import DataGoogleSecretManagerSecretVersion
from cdktn_provider_google.ephemeral_google_secret_manager_secret_version import (
    EphemeralGoogleSecretManagerSecretVersion,
)
from cdktn_provider_google.logging_metric import LoggingMetric, LoggingMetricMetricDescriptor
from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyAlertStrategyNotificationRateLimit,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionMatchedLog,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations,
    MonitoringAlertPolicyDocumentation,
)
from cdktn_provider_google.monitoring_notification_channel import (
    MonitoringNotificationChannel,
    MonitoringNotificationChannelSensitiveLabels,
)
from cdktn_provider_google.monitoring_uptime_check_config import (
    MonitoringUptimeCheckConfig,
    MonitoringUptimeCheckConfigHttpCheck,
    MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes,
    MonitoringUptimeCheckConfigMonitoredResource,
)
from constructs import Construct

from gcp_stacks import alert_conditions as rendering
from gcp_stacks.alert_conditions import WORKLOADS, Condition, Target
from gcp_stacks.info_events import info_event_filter
from gcp_stacks.names import sql_database_id, topic_name
from shared import Settings
from shared.alerts import INFO_EVENTS, Alert, Scope, Severity, alerts
from shared.names import secret_manager_id, service_name
from shared.runbooks import runbook_url
from shared.security_monitoring import SECURITY_EVENTS

HTTPS_PORT = 443
UPTIME_TIMEOUT_SECONDS = 10
# Cloud Monitoring has no info level: info policies carry no severity, and a `severity` user label.
POLICY_SEVERITY = {Severity.CRITICAL: "CRITICAL", Severity.WARNING: "WARNING"}


def pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", text))


class NotificationChannels(Construct):
    """PagerDuty for critical, one e-mail channel per address for warning, Slack for info."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        routes = settings.routes
        key, key_version = self._secret("PagerDutyKey", routes.pagerduty_secret_name)
        pagerduty = MonitoringNotificationChannel(
            self,
            "PagerDuty",
            type="pagerduty",
            display_name=f"{settings.prefix} critical (PagerDuty)",
            sensitive_labels=MonitoringNotificationChannelSensitiveLabels(
                service_key_wo=key, service_key_wo_version=key_version
            ),
        )
        emails = [
            MonitoringNotificationChannel(
                self,
                f"Email{number}",
                type="email",
                display_name=f"{settings.prefix} warning ({address})",
                labels={"email_address": address},
            )
            for number, address in enumerate(routes.warning_emails, start=1)
        ]
        # Cloud Monitoring's Slack channel posts with the Slack app's OAuth token, not an incoming webhook.
        token, token_version = self._secret("SlackToken", routes.slack_webhook_secret_name)
        slack = MonitoringNotificationChannel(
            self,
            "Slack",
            type="slack",
            display_name=f"{settings.prefix} info (Slack {routes.slack_channel})",
            labels={"channel_name": routes.slack_channel},
            sensitive_labels=MonitoringNotificationChannelSensitiveLabels(
                auth_token_wo=token, auth_token_wo_version=token_version
            ),
        )
        self.by_severity: dict[Severity, list[str]] = {
            Severity.CRITICAL: [pagerduty.name],
            Severity.WARNING: [email.name for email in emails],
            Severity.INFO: [slack.name],
        }

    def _secret(self, construct_id: str, secret_name: str) -> tuple[str, str]:
        """The secret's value (ephemeral: never stored) and its version number (stored: a new one re-sends it)."""
        secret = secret_manager_id(secret_name)
        latest = DataGoogleSecretManagerSecretVersion(
            self, f"{construct_id}Version", secret=secret, fetch_secret_data=False
        )
        value = EphemeralGoogleSecretManagerSecretVersion(self, construct_id, secret=secret, version=latest.version)
        return value.secret_data, latest.version


class UptimeChecks(Construct):
    """HTTPS checks of each service's public path on the app domain, certificate validated."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.check_ids: dict[str, str] = {}
        for workload, path in WORKLOADS.items():
            check = MonitoringUptimeCheckConfig(
                self,
                f"{pascal(workload)}Check",
                display_name=settings.name(f"{workload}-uptime"),
                period=f"{rendering.UPTIME_PERIOD_SECONDS}s",
                timeout=f"{UPTIME_TIMEOUT_SECONDS}s",
                checker_type="STATIC_IP_CHECKERS",
                log_check_failures=True,
                http_check=MonitoringUptimeCheckConfigHttpCheck(
                    path=path,
                    port=HTTPS_PORT,
                    use_ssl=True,
                    validate_ssl=True,
                    request_method="GET",
                    accepted_response_status_codes=[
                        MonitoringUptimeCheckConfigHttpCheckAcceptedResponseStatusCodes(status_class="STATUS_CLASS_2XX")
                    ],
                ),
                monitored_resource=MonitoringUptimeCheckConfigMonitoredResource(
                    type="uptime_url",
                    labels={"host": settings.domain.app_domain, "project_id": settings.gcp.project_id},
                ),
            )
            self.check_ids[workload] = check.uptime_check_id


class LogMetrics(Construct):
    """Counters over logs that alerts need: application errors, and connections PostgreSQL refused."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        services = " OR ".join(f'"{service_name(settings, workload)}"' for workload in WORKLOADS)
        database = sql_database_id(settings)
        requests_log = f"projects/{settings.gcp.project_id}/logs/run.googleapis.com%2Frequests"
        filters = {
            # What the containers log, not the request log: 5xx responses are the error_rate alert's.
            rendering.APP_ERRORS_METRIC: (
                f'resource.type="cloud_run_revision" AND resource.labels.service_name=({services}) '
                f'AND severity>=ERROR AND NOT logName="{requests_log}"'
            ),
            # PostgreSQL logs a refused connection as FATAL: bad credentials, no slot left, no matching rule.
            rendering.DATABASE_CONNECTION_FAILURES_METRIC: (
                f'resource.type="cloudsql_database" AND resource.labels.database_id="{database}" '
                'AND textPayload:"FATAL" AND (textPayload:"authentication failed" OR textPayload:"too many clients" '
                'OR textPayload:"connection slots are reserved" OR textPayload:"no pg_hba.conf entry")'
            ),
        }
        self.metrics = [
            LoggingMetric(
                self,
                pascal(metric),
                name=rendering.log_metric_name(settings, metric),
                filter=filter_,
                metric_descriptor=LoggingMetricMetricDescriptor(metric_kind="DELTA", value_type="INT64", unit="1"),
            )
            for metric, filter_ in filters.items()
        ]


def describe(condition: Condition) -> str:
    """One condition in the on-call's words, with the values Cloud Monitoring compares."""
    word = "above" if condition.comparison == "COMPARISON_GT" else "below"
    if condition.duration_seconds:
        when = f"for {condition.duration_seconds // 60} min"
    else:
        when = f"over the last {condition.alignment_seconds // 60} min"
    return f"- {condition.name}: {word} {condition.threshold:g} {when}"


def documentation(
    settings: Settings, alert: Alert, target: Target, rendered: list[Condition]
) -> MonitoringAlertPolicyDocumentation:
    where = f"`{service_name(settings, target.workload)}`" if target.workload else settings.environment
    return MonitoringAlertPolicyDocumentation(
        mime_type="text/markdown",
        subject=f"[{alert.severity.value.upper()}] {settings.prefix}: {alert.summary}",
        content="\n".join(
            (
                f"**{alert.summary}** ({where}): {alert.comparison} {alert.threshold:g} {alert.unit}.",
                "",
                "Fires when any of:",
                *(describe(condition) for condition in rendered),
                "",
                f"**Check first:** {alert.first_check}",
                "",
                f"**Missing data:** {alert.missing_reason}.",
                "",
                f"**Runbook:** {runbook_url(settings, alert.key)}",
            )
        ),
    )


def threshold_condition(condition: Condition) -> MonitoringAlertPolicyConditions:
    aggregation = dict(
        alignment_period=f"{condition.alignment_seconds}s",
        per_series_aligner=condition.aligner,
        cross_series_reducer=condition.reducer,
        group_by_fields=list(condition.group_by),
    )
    ratio = condition.denominator_filter is not None
    return MonitoringAlertPolicyConditions(
        display_name=condition.name,
        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
            filter=condition.filter,
            comparison=condition.comparison,
            threshold_value=condition.threshold,
            duration=f"{condition.duration_seconds}s",
            evaluation_missing_data=condition.missing or None,
            aggregations=[MonitoringAlertPolicyConditionsConditionThresholdAggregations(**aggregation)],
            denominator_filter=condition.denominator_filter,
            denominator_aggregations=[
                MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations(**aggregation)
            ]
            if ratio
            else None,
        ),
    )


class AlertPolicies(Construct):
    """One policy per alert of `shared.alerts` (per service where the alert's scope is a service)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        channels: NotificationChannels,
        uptime: UptimeChecks,
        log_metrics: LogMetrics,
    ) -> None:
        super().__init__(scope, construct_id)
        for alert in alerts(settings):
            if alert.scope is Scope.SERVICE:
                targets = [Target(workload, uptime.check_ids[workload]) for workload in WORKLOADS]
            else:
                targets = [Target()]
            for target in targets:
                rendered = rendering.conditions(settings, alert, target)
                reads_logs = any("logging.googleapis.com/user/" in condition.filter for condition in rendered)
                suffix = f" {target.workload}" if target.workload else ""
                MonitoringAlertPolicy(
                    self,
                    f"{pascal(alert.key)}{pascal(target.workload or '')}",
                    display_name=f"{settings.prefix} {alert.key}{suffix}",
                    combiner="OR",
                    severity=POLICY_SEVERITY[alert.severity],
                    notification_channels=channels.by_severity[alert.severity],
                    user_labels={"severity": alert.severity.value, "alert": alert.key},
                    documentation=documentation(settings, alert, target, rendered),
                    conditions=[threshold_condition(condition) for condition in rendered],
                    # A policy on a log-based metric is refused until the metric exists.
                    depends_on=log_metrics.metrics if reads_logs else None,
                )


class SecurityEventPolicies(Construct):
    """One policy per security event (`shared.security_monitoring.SECURITY_EVENTS`): any message published to its
    topic (security_findings.py) notifies the event's route; the message itself waits in the subscription."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, channels: NotificationChannels
    ) -> None:
        super().__init__(scope, construct_id)
        for event in SECURITY_EVENTS:
            severity = Severity(event.severity)
            topic = topic_name(settings, event.key)
            MonitoringAlertPolicy(
                self,
                pascal(event.key),
                display_name=f"{settings.prefix} {event.key}",
                combiner="OR",
                severity=POLICY_SEVERITY.get(severity),  # info policies carry none, as the info events
                notification_channels=channels.by_severity[severity],
                user_labels={"severity": severity.value, "alert": event.key},
                documentation=MonitoringAlertPolicyDocumentation(
                    mime_type="text/markdown",
                    subject=f"[{severity.value.upper()}] {settings.prefix}: {event.key.replace('_', ' ')}",
                    content=(
                        f"**{event.summary}** ({settings.environment}).\n\n**Check first:** "
                        f"{event.first_check.replace('$ENV', settings.environment)}\n\n"
                        f"**Runbook:** {runbook_url(settings, event.key)}"
                    ),
                ),
                conditions=[
                    MonitoringAlertPolicyConditions(
                        display_name=f"messages published to {topic}",
                        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                            filter=(
                                'resource.type = "pubsub_topic" AND '
                                f'resource.labels.topic_id = "{topic}" AND '
                                'metric.type = "pubsub.googleapis.com/topic/send_message_operation_count"'
                            ),
                            comparison="COMPARISON_GT",
                            threshold_value=0,
                            duration="0s",
                            aggregations=[
                                MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                                    alignment_period="60s", per_series_aligner="ALIGN_SUM"
                                )
                            ],
                        ),
                    )
                ],
            )


class InfoEvents(Construct):
    """Each info event of `shared.alerts.INFO_EVENTS` as a log-match policy to Slack, rate-limited."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, channels: NotificationChannels
    ) -> None:
        super().__init__(scope, construct_id)
        interval = f"{settings.routes.info_notification_interval_minutes * 60}s"
        for event in INFO_EVENTS:
            MonitoringAlertPolicy(
                self,
                pascal(event.key),
                display_name=f"{settings.prefix} {event.key}",
                combiner="OR",
                notification_channels=channels.by_severity[Severity.INFO],
                user_labels={"severity": Severity.INFO.value, "alert": event.key},
                documentation=MonitoringAlertPolicyDocumentation(
                    mime_type="text/markdown",
                    subject=f"[INFO] {settings.prefix}: {event.key.replace('_', ' ')}",
                    content=(
                        f"**{event.summary}** ({settings.environment}). For information; nothing to do.\n\n"
                        f"**Runbook:** {runbook_url(settings, event.key)}"
                    ),
                ),
                conditions=[
                    MonitoringAlertPolicyConditions(
                        display_name=event.summary,
                        condition_matched_log=MonitoringAlertPolicyConditionsConditionMatchedLog(
                            filter=info_event_filter(settings, event.key)
                        ),
                    )
                ],
                alert_strategy=MonitoringAlertPolicyAlertStrategy(
                    notification_rate_limit=MonitoringAlertPolicyAlertStrategyNotificationRateLimit(period=interval),
                    auto_close=interval,
                ),
            )
