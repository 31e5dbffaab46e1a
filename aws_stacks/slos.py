"""CloudWatch Application Signals SLOs rendered from `shared.slos`, with their multi-window burn-rate alarms.

The SLIs are the load balancer's own metrics per target group (no Application Signals instrumentation of the
services): availability request-based (5xx of all requests), latency period-based (the TargetResponseTime
percentile of each minute at or under the threshold). An SLO on CloudWatch metrics needs no discovered service; the
first CreateServiceLevelObjective creates the `AWSServiceRoleForCloudWatchApplicationSignals` service-linked role,
so no account-wide `AWS::ApplicationSignals::Discovery` resource is needed.

Application Signals publishes `BurnRate` per configured look-back window (namespace `AWS/ApplicationSignals`,
dimensions `SloName`, `BurnRateWindowMinutes`) and `AttainmentRate` (`SloName`). One alarm per (SLO, burn-rate
alert) takes the smaller of the long and the short window's burn rate, so it fires only while both burn, and is
routed like the catalog's alarms (its severity's topic; critical ones are paged by aws_stacks/paging.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_applicationsignals as signals
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from aws_stacks.names import slo_name
from aws_stacks.signals import ELB, ServiceSignals
from shared import Settings
from shared.runbooks import runbook_url
from shared.slos import (
    BURN_RATE_ALERTS,
    COMPLIANCE_DAYS,
    WINDOW_SECONDS,
    BurnRateAlert,
    Indicator,
    Slo,
    burn_alert_key,
    look_back_windows,
    slos,
)

NAMESPACE = "AWS/ApplicationSignals"


SLO = signals.CfnServiceLevelObjective


def _query(query_id: str, signal: ServiceSignals, metric: str, stat: str) -> SLO.MetricDataQueryProperty:
    dimensions = [
        SLO.DimensionProperty(name="TargetGroup", value=signal.target_group),
        SLO.DimensionProperty(name="LoadBalancer", value=signal.load_balancer),
    ]
    return SLO.MetricDataQueryProperty(
        id=query_id,
        metric_stat=SLO.MetricStatProperty(
            metric=SLO.MetricProperty(namespace=ELB, metric_name=metric, dimensions=dimensions),
            period=WINDOW_SECONDS,
            stat=stat,
        ),
        return_data=True,
    )


def sli_properties(slo: Slo, signal: ServiceSignals) -> dict:
    """The `Sli` (period-based) or `RequestBasedSli` of one objective."""
    if slo.indicator is Indicator.AVAILABILITY:
        return {
            "request_based_sli": SLO.RequestBasedSliProperty(
                request_based_sli_metric=SLO.RequestBasedSliMetricProperty(
                    total_request_count_metric=[_query("requests", signal, "RequestCount", "Sum")],
                    monitored_request_count_metric=SLO.MonitoredRequestCountMetricProperty(
                        bad_count_metric=[_query("errors", signal, "HTTPCode_Target_5XX_Count", "Sum")]
                    ),
                )
            )
        }
    return {
        "sli": SLO.SliProperty(
            sli_metric=SLO.SliMetricProperty(
                metric_data_queries=[
                    _query("latency", signal, "TargetResponseTime", f"p{slo.latency_percentile:g}"),
                ]
            ),
            metric_threshold=slo.latency_seconds,
            comparison_operator="LessThanOrEqualTo",
        )
    }


def burn_rate(name: str, window_minutes: int) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name="BurnRate",
        dimensions_map={"SloName": name, "BurnRateWindowMinutes": str(window_minutes)},
        statistic="Maximum",
        period=Duration.minutes(1),
    )


def error_budget_remaining(name: str, slo: Slo, period: Duration) -> cloudwatch.IMetric:
    """Remaining error budget (% of the budget): how far the attainment is above the goal, per budget."""
    attainment = cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name="AttainmentRate",
        dimensions_map={"SloName": name},
        statistic="Minimum",
        period=period,
    )
    budget = round(100 - slo.objective_percent, 6)
    metric_id = f"{slo.service}_{slo.indicator.value}_attainment"  # unique within the dashboard's graph
    return cloudwatch.MathExpression(
        expression=f"100 * ({metric_id} - {slo.objective_percent:g}) / {budget:g}",
        using_metrics={metric_id: attainment},
        label=f"{slo.key} error budget left (%)",
        period=period,
    )


class ServiceLevelObjectives(Construct):
    """One SLO per (service, indicator) with every burn-rate window, and one alarm per burn-rate alert."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        services: list[ServiceSignals],
        topics: Mapping[str, sns.ITopic],
    ) -> None:
        super().__init__(scope, construct_id)
        by_name = {signal.name: signal for signal in services}
        self.alarms: list[cloudwatch.Alarm] = []
        self.paged: list[cloudwatch.Alarm] = []
        self.budgets: list[cloudwatch.IMetric] = []  # remaining error budget per SLO, for the dashboard
        for slo in slos(settings):
            name = slo_name(settings, slo)
            objective = SLO(
                self,
                _pascal(slo.key),
                name=name,
                description=f"BookedBarber {settings.environment}: {slo.summary} (rolling {COMPLIANCE_DAYS} days)",
                goal=SLO.GoalProperty(
                    attainment_goal=slo.objective_percent,
                    interval=SLO.IntervalProperty(
                        rolling_interval=SLO.RollingIntervalProperty(duration=COMPLIANCE_DAYS, duration_unit="DAY")
                    ),
                ),
                burn_rate_configurations=[
                    SLO.BurnRateConfigurationProperty(look_back_window_minutes=m) for m in look_back_windows()
                ],
                **sli_properties(slo, by_name[slo.service]),
            )
            self.budgets.append(error_budget_remaining(name, slo, Duration.hours(1)))
            for alert in BURN_RATE_ALERTS:
                alarm = self._burn_alarm(settings, slo, name, alert, topics)
                alarm.node.add_dependency(objective)  # its metrics exist once the SLO does

    def _burn_alarm(
        self, settings: Settings, slo: Slo, name: str, alert: BurnRateAlert, topics: Mapping[str, sns.ITopic]
    ) -> cloudwatch.Alarm:
        key = burn_alert_key(slo, alert)
        long, short = alert.long_window_minutes, alert.short_window_minutes
        alarm = cloudwatch.Alarm(
            self,
            _pascal(key),
            alarm_name=settings.name(key),
            alarm_description=(
                f"{alert.severity}: {slo.summary}: the error budget burns faster than {alert.rate:g}x over both "
                f"{long} and {short} min ({alert.budget_spent_percent:g} % of the {COMPLIANCE_DAYS}-day budget "
                f"per {long} min). Missing data: no requests burn no budget. "
                f"Runbook: {runbook_url(settings, f'slo_{alert.key}')}"
            ),
            metric=cloudwatch.MathExpression(
                expression="MIN([long_window, short_window])",
                using_metrics={"long_window": burn_rate(name, long), "short_window": burn_rate(name, short)},
                label=f"{slo.key} burn rate, lower of {long} and {short} min",
                period=Duration.minutes(1),
            ),
            threshold=alert.rate,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            actions_enabled=True,
        )
        action = actions.SnsAction(topics[alert.severity])
        alarm.add_alarm_action(action)
        if settings.routes.notify_on_recovery:
            alarm.add_ok_action(action)
        self.alarms.append(alarm)
        if alert.severity == "critical":
            self.paged.append(alarm)
        return alarm


def budget_widget(budgets: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    """The remaining error budget of every SLO: 100 % untouched, 0 % spent, below 0 the objective is missed."""
    return cloudwatch.GraphWidget(
        title=f"Error budget remaining (% of the {COMPLIANCE_DAYS}-day budget)",
        left=budgets,
        width=24,
        left_y_axis=cloudwatch.YAxisProps(label="percent", show_units=False),
    )


def _pascal(text: str) -> str:
    return "".join(part.title() for part in text.replace("-", "_").split("_"))
