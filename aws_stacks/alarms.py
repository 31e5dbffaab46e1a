"""CloudWatch alarms rendered from the alert catalog (`shared.alerts`): one table, one mechanism.

The catalog says how each alert is measured (window, what a gap means); this module maps each of those once to
CloudWatch (periods, TreatMissingData), and each stack says which resources an alert watches (`Watch`: a target
name and the metric for a given period).
Names are deterministic (`bookedbarber-<env>-<target>-<key>`), so the ECS services can name their rollback
alarms before the observability stack exists, without a reference between the stacks.

Plain `aws_cloudwatch.Alarm` rather than cdk-monitoring-constructs: the library lacks the ALB 5xx share and
target-response-time percentile, names alarms its own way and applies its own periods and missing-data defaults;
rendering only part of the catalog through it would make two mechanisms of one list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from aws_stacks.names import alarm_name
from shared import Settings
from shared.alerts import Alert, Missing, Severity, Window, alerts
from shared.runbooks import runbook_url

# The catalog's meaning of a gap, in CloudWatch's words (the one mapping of `shared.alerts.Missing`).
TREAT_MISSING = {
    Missing.BREACHING: cloudwatch.TreatMissingData.BREACHING,
    Missing.NOT_BREACHING: cloudwatch.TreatMissingData.NOT_BREACHING,
    Missing.KEEP_STATE: cloudwatch.TreatMissingData.IGNORE,
}

# The alarms an ECS deployment watches to roll itself back (beside the circuit breaker).
ROLLBACK_KEYS = ("error_rate", "service_down")


def rollback_alarm_names(settings: Settings, service: str) -> list[str]:
    return [alarm_name(settings, service, key) for key in ROLLBACK_KEYS]


def periods(alert: Alert) -> tuple[Duration, int]:
    """(period, evaluation periods) of an alert's window (the one mapping of `shared.alerts.Window`); every
    evaluated period must breach."""
    if alert.window is Window.SUSTAINED:
        return Duration.minutes(1), alert.duration_minutes
    if alert.window is Window.OVER_WINDOW:
        return Duration.minutes(alert.duration_minutes), 1
    return Duration.days(1), 1


@dataclass(frozen=True)
class Watch:
    """One thing an alert watches: `target` names the alarm, `metric(period)` is what it compares."""

    target: str
    metric: Callable[[Duration], cloudwatch.IMetric]


class CatalogAlarms(Construct):
    """One alarm per (alert, watched target), routed to the topic of the alert's severity."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        watches: Mapping[str, Sequence[Watch]],
        topics: Mapping[Severity, sns.ITopic],
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.paged: list[cloudwatch.Alarm] = []  # the critical ones: aws_stacks/paging.py pages them
        catalog = {alert.key: alert for alert in alerts(settings)}
        unknown = set(watches) - set(catalog)
        if unknown:
            raise ValueError(f"watches name alerts the catalog lacks: {sorted(unknown)}")
        for key, targets in watches.items():
            alert = catalog[key]
            period, evaluations = periods(alert)
            for watch in targets:
                name = alarm_name(settings, watch.target, key)
                alarm = cloudwatch.Alarm(
                    self,
                    _construct_id(watch.target, key),
                    alarm_name=name,
                    alarm_description=(
                        f"{alert.severity.value}: {alert.summary} ({watch.target}: {alert.comparison} "
                        f"{alert.threshold:g} {alert.unit} for {alert.duration_minutes} min). "
                        f"First check: {alert.first_check} Missing data: {alert.missing_reason}. "
                        f"Runbook: {runbook_url(settings, key)}"
                    ),
                    metric=watch.metric(period),
                    threshold=alert.threshold,
                    comparison_operator=(
                        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
                        if alert.fires_above
                        else cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
                    ),
                    evaluation_periods=evaluations,
                    datapoints_to_alarm=evaluations,
                    treat_missing_data=TREAT_MISSING[alert.missing],
                    actions_enabled=True,
                )
                action = actions.SnsAction(topics[alert.severity])
                alarm.add_alarm_action(action)
                if settings.routes.notify_on_recovery:
                    alarm.add_ok_action(action)
                self.alarms[name] = alarm
                if alert.severity is Severity.CRITICAL:
                    self.paged.append(alarm)


def _construct_id(target: str, key: str) -> str:
    return "".join(part.title() for part in f"{target}_{key}".replace("-", "_").split("_"))
