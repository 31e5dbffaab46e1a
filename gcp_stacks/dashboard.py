"""The environment's Cloud Monitoring dashboard: traffic, latency, errors and instances per service, then
Cloud SQL and Memorystore health. Built as data and serialized with sorted keys, so synth is byte-stable."""

from __future__ import annotations

import json

from cdktn_provider_google.monitoring_dashboard import MonitoringDashboard
from constructs import Construct

from gcp_stacks.alert_conditions import WORKLOADS, clauses, cloud_sql, is_, redis
from gcp_stacks.slos import budget_chart
from shared import Settings
from shared.names import service_name

ALIGNMENT = "60s"
COLUMNS = 2


def series(filter_: str, aligner: str, reducer: str, group_by: list[str], legend: str = "") -> dict:
    data_set = {
        "plotType": "LINE",
        "timeSeriesQuery": {
            "timeSeriesFilter": {
                "filter": filter_,
                "aggregation": {
                    "alignmentPeriod": ALIGNMENT,
                    "perSeriesAligner": aligner,
                    "crossSeriesReducer": reducer,
                    "groupByFields": group_by,
                },
            }
        },
    }
    if legend:
        data_set["legendTemplate"] = legend
    return data_set


def chart(title: str, unit_label: str, *data_sets: dict) -> dict:
    return {"title": title, "xyChart": {"dataSets": list(data_sets), "yAxis": {"label": unit_label, "scale": "LINEAR"}}}


def dashboard_json(settings: Settings) -> str:
    services = " OR ".join(f'"{service_name(settings, workload)}"' for workload in WORKLOADS)

    def run(metric: str, *extra: str) -> str:
        return clauses(
            is_("metric.type", f"run.googleapis.com/{metric}"),
            is_("resource.type", "cloud_run_revision"),
            f"resource.label.service_name=({services})",
            *extra,
        )

    by_service = ["resource.label.service_name"]
    percentile = f"{settings.thresholds.response_time_percentile:02.0f}"
    latency = [
        series(run("request_latencies"), f"ALIGN_PERCENTILE_{p}", "REDUCE_MAX", by_service, f"p{p}")
        for p in sorted({"50", percentile, "99"})
    ]
    widgets = [
        chart("Requests per second", "req/s", series(run("request_count"), "ALIGN_RATE", "REDUCE_SUM", by_service)),
        chart("Request latency", "ms", *latency),
        chart(
            "5xx responses per second",
            "req/s",
            series(
                run("request_count", is_("metric.label.response_code_class", "5xx")),
                "ALIGN_RATE",
                "REDUCE_SUM",
                by_service,
            ),
        ),
        chart(
            "Instances",
            "instances",
            series(run("container/instance_count"), "ALIGN_MAX", "REDUCE_SUM", [*by_service, "metric.label.state"]),
        ),
        chart(
            "Cloud SQL CPU, memory and disk used",
            "ratio",
            *(
                series(cloud_sql(settings, metric), "ALIGN_MEAN", "REDUCE_MAX", [], metric)
                for metric in ("cpu/utilization", "memory/utilization", "disk/utilization")
            ),
        ),
        chart("Cloud SQL up", "up", series(cloud_sql(settings, "up"), "ALIGN_MIN", "REDUCE_MIN", [])),
        chart(
            "Memorystore memory used and CPU, fullest / busiest node",
            "ratio",
            series(redis(settings, "memory/maximum_utilization"), "ALIGN_MEAN", "REDUCE_MAX", [], "memory"),
            series(redis(settings, "cpu/maximum_utilization"), "ALIGN_MEAN", "REDUCE_MAX", [], "cpu"),
        ),
        chart(
            "Memorystore evicted keys per second",
            "keys/s",
            series(redis(settings, "stats/total_evicted_keys_count"), "ALIGN_RATE", "REDUCE_SUM", []),
        ),
    ]
    widgets.append(budget_chart(settings))
    layout = {"displayName": settings.name("overview"), "gridLayout": {"columns": str(COLUMNS), "widgets": widgets}}
    return json.dumps(layout, sort_keys=True, separators=(",", ":"))


class Dashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        MonitoringDashboard(self, "Overview", dashboard_json=dashboard_json(settings))
