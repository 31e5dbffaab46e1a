"""Cloud Monitoring SLOs rendered from `shared.slos`, with multi-window burn-rate alert policies.

One custom service per Cloud Run service (`google_monitoring_custom_service`, id `<prefix>-<service>`: a name of
ours, not Service Monitoring's auto-detected id), and per objective a `google_monitoring_slo` over the same Cloud
Run metrics the alerts read: availability request-based (`request_count`, 5xx as the bad filter), latency
windows-based (a one-minute window is good when at least the percentile's share of its `request_latencies` is at
or under the threshold: the window's p95 is under it).

Each burn-rate alert is one policy with two filter-based conditions, `select_slo_burn_rate(<slo>, <long>)` and
`(<slo>, <short>)`, combined with AND (no MQL or PromQL); a gap means no requests, which burn nothing.
"""

from __future__ import annotations

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyDocumentation,
)
from cdktn_provider_google.monitoring_custom_service import MonitoringCustomService
from cdktn_provider_google.monitoring_slo import MonitoringSlo
from constructs import Construct

from gcp_stacks.alert_conditions import MILLISECONDS_PER_SECOND, Target, clauses, is_, run_service
from gcp_stacks.names import slo_resource_name
from gcp_stacks.observability import POLICY_SEVERITY, NotificationChannels, pascal
from shared import Settings
from shared.contract import SERVICES
from shared.runbooks import runbook_url
from shared.slos import (
    BURN_RATE_ALERTS,
    COMPLIANCE_DAYS,
    WINDOW_SECONDS,
    BurnRateAlert,
    Indicator,
    Slo,
    burn_alert_key,
    slos,
)


def burn_rate_filter(settings: Settings, slo: Slo, minutes: int) -> str:
    return f'select_slo_burn_rate("{slo_resource_name(settings, slo)}", "{minutes * 60}s")'


def sli(settings: Settings, slo: Slo) -> dict:
    """The `request_based_sli` or `windows_based_sli` block of one objective."""
    target = Target(slo.service)
    if slo.indicator is Indicator.AVAILABILITY:
        requests = run_service(settings, target, "request_count")
        return {
            "request_based_sli": {
                "good_total_ratio": {
                    "bad_service_filter": clauses(requests, is_("metric.label.response_code_class", "5xx")),
                    "total_service_filter": requests,
                }
            }
        }
    return {
        "windows_based_sli": {
            "window_period": f"{WINDOW_SECONDS}s",
            "good_total_ratio_threshold": {
                "threshold": round(slo.latency_percentile / 100, 6),
                "performance": {
                    "distribution_cut": {
                        "distribution_filter": run_service(settings, target, "request_latencies"),
                        "range": {"min": 0, "max": slo.latency_seconds * MILLISECONDS_PER_SECOND},
                    }
                },
            },
        }
    }


class ServiceLevelObjectives(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, channels: NotificationChannels
    ) -> None:
        super().__init__(scope, construct_id)
        services = {
            name: MonitoringCustomService(
                self,
                f"{pascal(name)}Service",
                service_id=settings.name(name),
                display_name=f"{settings.prefix} {name}",
                user_labels=settings.gcp_labels,
            )
            for name in SERVICES
        }
        for slo in slos(settings):
            objective = MonitoringSlo(
                self,
                pascal(slo.key),
                service=services[slo.service].service_id,
                slo_id=slo.indicator.value,
                display_name=f"{settings.prefix} {slo.key}: {slo.summary}",
                goal=slo.goal_ratio,
                rolling_period_days=COMPLIANCE_DAYS,
                user_labels={**settings.gcp_labels, "slo": slo.key},
                **sli(settings, slo),
            )
            for alert in BURN_RATE_ALERTS:
                self._burn_policy(settings, slo, alert, channels, objective)

    def _burn_policy(
        self,
        settings: Settings,
        slo: Slo,
        alert: BurnRateAlert,
        channels: NotificationChannels,
        objective: MonitoringSlo,
    ) -> None:
        key = burn_alert_key(slo, alert)
        windows = (alert.long_window_minutes, alert.short_window_minutes)
        MonitoringAlertPolicy(
            self,
            pascal(key),
            display_name=f"{settings.prefix} {key}",
            combiner="AND",
            severity=POLICY_SEVERITY[alert.severity],
            notification_channels=channels.by_severity[alert.severity],
            user_labels={"severity": alert.severity, "alert": key, "slo": slo.key},
            documentation=MonitoringAlertPolicyDocumentation(
                mime_type="text/markdown",
                subject=f"[{alert.severity.upper()}] {settings.prefix}: {slo.key} error budget burning",
                content=(
                    f"**{slo.summary}** (rolling {COMPLIANCE_DAYS} days): the error budget burns faster than "
                    f"{alert.rate:g}x over both {windows[0]} and {windows[1]} min "
                    f"({alert.budget_spent_percent:g} % of the budget per {windows[0]} min).\n\n"
                    "**Missing data:** no requests burn no budget.\n\n"
                    f"**Runbook:** {runbook_url(settings, f'slo_{alert.key}')}"
                ),
            ),
            conditions=[
                MonitoringAlertPolicyConditions(
                    display_name=f"Burn rate over {minutes} min above {alert.rate:g}",
                    condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                        filter=burn_rate_filter(settings, slo, minutes),
                        comparison="COMPARISON_GT",
                        threshold_value=alert.rate,
                        duration="0s",
                        evaluation_missing_data="EVALUATION_MISSING_DATA_INACTIVE",
                    ),
                )
                for minutes in windows
            ],
            depends_on=[objective],
        )


def budget_chart(settings: Settings) -> dict:
    """A dashboard chart of every SLO's remaining error budget (1 untouched, 0 spent, below 0 missed)."""
    return {
        "title": f"Error budget remaining (fraction of the {COMPLIANCE_DAYS}-day budget)",
        "xyChart": {
            "dataSets": [
                {
                    "plotType": "LINE",
                    "legendTemplate": slo.key,
                    "timeSeriesQuery": {
                        "timeSeriesFilter": {
                            "filter": f'select_slo_budget_fraction("{slo_resource_name(settings, slo)}")'
                        }
                    },
                }
                for slo in slos(settings)
            ],
            "yAxis": {"label": "fraction", "scale": "LINEAR"},
        },
    }
