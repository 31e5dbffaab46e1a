"""The operations dashboard of one environment, from the same metric factories the alarms use."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from aws_stacks.signals import CacheSignals, DatabaseSignals, LoadBalancerSignals, ServiceSignals
from shared import Settings

PERIOD_MINUTES = 1
LATENCY_PERCENTILES = ("p50", "p90", "p99")  # beside the alert's own percentile
WIDTH = 8  # three graphs per 24-column row


def _graph(
    title: str, metrics: list[cloudwatch.IMetric], *, unit: str = "", right: list[cloudwatch.IMetric] | None = None
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title,
        left=metrics,
        right=right,
        width=WIDTH,
        left_y_axis=cloudwatch.YAxisProps(label=unit, show_units=False) if unit else None,
    )


class OperationsDashboard(Construct):
    """`bookedbarber-<env>-operations`: alarms, traffic, latency, errors, tasks, database and cache health."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        services: list[ServiceSignals],
        load_balancer: LoadBalancerSignals,
        database: DatabaseSignals,
        cache: CacheSignals,
        alarms: list[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=settings.name("operations"),
            default_interval=Duration.hours(3),
        )
        period = Duration.minutes(PERIOD_MINUTES)
        dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms, width=24))
        percentiles = sorted({*LATENCY_PERCENTILES, services[0].percentile}, key=lambda p: float(p[1:]))
        dashboard.add_widgets(
            _graph("Requests per minute", [service.requests(period) for service in services]),
            _graph(
                "Response time (s)",
                [service.response_time_at(percentile, period) for service in services for percentile in percentiles],
                unit="seconds",
            ),
            _graph(
                "5xx share (%)",
                [service.error_rate(period) for service in services] + [load_balancer.error_rate(period)],
                unit="percent",
            ),
        )
        dashboard.add_widgets(
            _graph(
                "Tasks: running / desired",
                [
                    metric
                    for service in services
                    for metric in (
                        service.running_tasks(period).with_(label=f"{service.name} running"),
                        service.desired_tasks(period).with_(label=f"{service.name} desired"),
                    )
                ],
            ),
            _graph("Healthy targets", [service.healthy_targets(period) for service in services]),
            _graph(
                "Service CPU / memory (%)",
                [service.cpu(period).with_(label=f"{service.name} cpu") for service in services]
                + [service.memory(period).with_(label=f"{service.name} memory") for service in services],
                unit="percent",
            ),
        )
        dashboard.add_widgets(
            _graph(
                "Database CPU / memory / free storage (%)",
                [
                    database.cpu(period).with_(label="cpu"),
                    database.memory(period),
                    database.free_storage(period),
                ],
                unit="percent",
            ),
            _graph(
                "Database connections",
                [database.connections(period), database.connection_failures(period).with_(label="proxy failures")],
            ),
            _graph(
                "Redis CPU / memory (%) and evictions",
                [cache.cpu(period), cache.memory(period), cache.evictions(period)],
            ),
        )
