"""The CloudWatch metrics the alarms and the dashboard read, one factory per signal.

Each factory takes the period, so an alarm asks for its alert's window and the dashboard for its own.
Metric names and dimensions are the services' own (AWS/ApplicationELB, AWS/ECS, ECS/ContainerInsights,
AWS/RDS incl. RDS Proxy, AWS/ElastiCache, AWS/CertificateManager).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from shared import Settings
from shared.provider_facts import RDS_CLASS_MEMORY_GIB

ELB = "AWS/ApplicationELB"
GIB = 1024**3


def _metric(namespace: str, name: str, dimensions: dict[str, str], statistic: str, period: Duration):
    return cloudwatch.Metric(
        namespace=namespace, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=period
    )


@dataclass(frozen=True)
class ServiceSignals:
    """One ECS service behind its two ALB target groups (blue/green: production moves between them at each
    release, compute.py), so every load-balancer signal reads both."""

    name: str  # api / web (shared.contract)
    cluster_name: str
    service_name: str
    target_group: str  # target group full name (targetgroup/<name>/<id>)
    alternate_target_group: str  # the blue/green alternate, same form
    load_balancer: str  # load balancer full name (app/<name>/<id>)
    percentile: str  # e.g. p95

    @property
    def _service(self) -> dict[str, str]:
        return {"ClusterName": self.cluster_name, "ServiceName": self.service_name}

    def _per_group(self, name: str, statistic: str, period: Duration) -> dict[str, cloudwatch.Metric]:
        """The metric of each target group, by metric-math id (`<service>_<metric>_primary` / `_alternate`)."""
        groups = {"primary": self.target_group, "alternate": self.alternate_target_group}
        return {
            f"{self.name}_{name.lower()}_{which}": _metric(
                ELB, name, {"TargetGroup": group, "LoadBalancer": self.load_balancer}, statistic, period
            )
            for which, group in groups.items()
        }

    def _sum(self, name: str, statistic: str, period: Duration, label: str) -> cloudwatch.MathExpression:
        """Both groups added (the idle one reports nothing, not 0)."""
        metrics = self._per_group(name, statistic, period)
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({key}, 0)" for key in metrics),
            using_metrics=metrics,
            label=f"{self.name} {label}",
            period=period,
        )

    def requests(self, period: Duration) -> cloudwatch.IMetric:
        return self._sum("RequestCount", "Sum", period, "requests")

    def target_5xx(self, period: Duration) -> cloudwatch.IMetric:
        return self._sum("HTTPCode_Target_5XX_Count", "Sum", period, "target 5xx")

    def healthy_targets(self, period: Duration) -> cloudwatch.IMetric:
        return self._sum("HealthyHostCount", "Minimum", period, "healthy targets")

    def running_tasks(self, period: Duration) -> cloudwatch.Metric:
        return _metric("ECS/ContainerInsights", "RunningTaskCount", self._service, "Minimum", period)

    def desired_tasks(self, period: Duration) -> cloudwatch.Metric:
        return _metric("ECS/ContainerInsights", "DesiredTaskCount", self._service, "Maximum", period)

    def service_down(self, period: Duration) -> cloudwatch.IMetric:
        """Healthy targets, forced to 0 while fewer tasks run than desired: down is either."""
        return cloudwatch.MathExpression(
            expression=f"IF({self.name}_running < {self.name}_desired, 0, {self.name}_healthy)",
            using_metrics={
                f"{self.name}_healthy": self.healthy_targets(period),
                f"{self.name}_running": self.running_tasks(period),
                f"{self.name}_desired": self.desired_tasks(period),
            },
            label=f"{self.name} healthy targets (0 while running < desired)",
            period=period,
        )

    def error_rate(self, period: Duration) -> cloudwatch.IMetric:
        """5xx share of this target group's requests (%); 5xx counts are absent, not 0, when there are none."""
        return cloudwatch.MathExpression(
            expression=f"100 * FILL({self.name}_5xx, 0) / {self.name}_requests",
            using_metrics={f"{self.name}_5xx": self.target_5xx(period), f"{self.name}_requests": self.requests(period)},
            label=f"{self.name} 5xx share (%)",
            period=period,
        )

    def response_time(self, period: Duration) -> cloudwatch.IMetric:
        return self.response_time_at(self.percentile, period, label=f"TargetResponseTime ({self.percentile})")

    def response_time_at(self, percentile: str, period: Duration, *, label: str = "") -> cloudwatch.IMetric:
        """The slower group's percentile (percentiles cannot be added; the idle group reports nothing)."""
        metrics = {
            f"{key}_{percentile.replace('.', '_')}": metric
            for key, metric in self._per_group("TargetResponseTime", percentile, period).items()
        }
        return cloudwatch.MathExpression(
            expression=f"MAX([{', '.join(f'FILL({key}, 0)' for key in metrics)}])",
            using_metrics=metrics,
            label=label or f"{self.name} {percentile}",
            period=period,
        )

    def cpu(self, period: Duration) -> cloudwatch.Metric:
        return _metric("AWS/ECS", "CPUUtilization", self._service, "Average", period)

    def memory(self, period: Duration) -> cloudwatch.Metric:
        return _metric("AWS/ECS", "MemoryUtilization", self._service, "Average", period)


@dataclass(frozen=True)
class LoadBalancerSignals:
    """The ALB as a whole: 5xx it generates itself (502/503/504) exist only per load balancer."""

    load_balancer: str

    def requests(self, period: Duration) -> cloudwatch.Metric:
        return _metric(ELB, "RequestCount", {"LoadBalancer": self.load_balancer}, "Sum", period)

    def elb_5xx(self, period: Duration) -> cloudwatch.Metric:
        return _metric(ELB, "HTTPCode_ELB_5XX_Count", {"LoadBalancer": self.load_balancer}, "Sum", period)

    def target_5xx(self, period: Duration) -> cloudwatch.Metric:
        return _metric(ELB, "HTTPCode_Target_5XX_Count", {"LoadBalancer": self.load_balancer}, "Sum", period)

    def error_rate(self, period: Duration) -> cloudwatch.IMetric:
        return cloudwatch.MathExpression(
            expression="100 * (FILL(alb_elb_5xx, 0) + FILL(alb_target_5xx, 0)) / alb_requests",
            using_metrics={
                "alb_elb_5xx": self.elb_5xx(period),
                "alb_target_5xx": self.target_5xx(period),
                "alb_requests": self.requests(period),
            },
            label="load balancer 5xx share (%)",
            period=period,
        )


@dataclass(frozen=True)
class DatabaseSignals:
    """The PostgreSQL primary and the RDS Proxy the applications connect through."""

    instance_id: str
    proxy_name: str
    allocated_storage_gib: int
    memory_gib: int

    @classmethod
    def of(cls, settings: Settings, *, instance_id: str, proxy_name: str) -> DatabaseSignals:
        database = settings.database
        return cls(
            instance_id, proxy_name, database.allocated_storage_gib, RDS_CLASS_MEMORY_GIB[database.aws_instance_class]
        )

    def _instance(self, name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
        return _metric("AWS/RDS", name, {"DBInstanceIdentifier": self.instance_id}, statistic, period)

    def connection_failures(self, period: Duration) -> cloudwatch.Metric:
        """The proxy failed to open a connection to the database: it is down or refuses connections."""
        return _metric("AWS/RDS", "DatabaseConnectionsSetupFailed", {"ProxyName": self.proxy_name}, "Sum", period)

    def connections(self, period: Duration) -> cloudwatch.Metric:
        return self._instance("DatabaseConnections", "Maximum", period)

    def free_storage(self, period: Duration) -> cloudwatch.IMetric:
        """Free storage as a share of the allocated storage in settings (%)."""
        return cloudwatch.MathExpression(
            expression=f"100 * free / {self.allocated_storage_gib * GIB}",
            using_metrics={"free": self._instance("FreeStorageSpace", "Minimum", period)},
            label="free storage (% of allocated)",
            period=period,
        )

    def cpu(self, period: Duration) -> cloudwatch.Metric:
        return self._instance("CPUUtilization", "Average", period)

    def memory(self, period: Duration) -> cloudwatch.IMetric:
        """Memory in use (%): FreeableMemory against the instance class's memory."""
        return cloudwatch.MathExpression(
            expression=f"100 - 100 * freeable / {self.memory_gib * GIB}",
            using_metrics={"freeable": self._instance("FreeableMemory", "Minimum", period)},
            label="memory in use (% of the instance class)",
            period=period,
        )


@dataclass(frozen=True)
class CacheSignals:
    """Redis: metrics are per node (`<replication group>-00N`); alarms take the worst node or the sum."""

    node_ids: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings, *, replication_group_id: str) -> CacheSignals:
        return cls(tuple(f"{replication_group_id}-{number:03d}" for number in range(1, settings.cache.aws_nodes + 1)))

    def _nodes(self, name: str, statistic: str, combine: str, label: str, period: Duration) -> cloudwatch.IMetric:
        nodes = {
            f"{name.lower()}{index}": _metric("AWS/ElastiCache", name, {"CacheClusterId": node}, statistic, period)
            for index, node in enumerate(self.node_ids, start=1)
        }
        return cloudwatch.MathExpression(
            expression=f"{combine}([{', '.join(nodes)}])", using_metrics=nodes, label=label, period=period
        )

    def cpu(self, period: Duration) -> cloudwatch.IMetric:
        return self._nodes("EngineCPUUtilization", "Average", "MAX", "Redis engine CPU, busiest node (%)", period)

    def memory(self, period: Duration) -> cloudwatch.IMetric:
        return self._nodes("DatabaseMemoryUsagePercentage", "Maximum", "MAX", "Redis memory, fullest node (%)", period)

    def evictions(self, period: Duration) -> cloudwatch.IMetric:
        return self._nodes("Evictions", "Sum", "SUM", "Redis evictions, all nodes", period)


def days_to_expiry(certificate_arn: str, period: Duration) -> cloudwatch.Metric:
    return _metric("AWS/CertificateManager", "DaysToExpiry", {"CertificateArn": certificate_arn}, "Minimum", period)
