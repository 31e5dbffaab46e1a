"""Regional disaster recovery on GCP: the keys the standby region's data needs and the alert on its replica's lag.

The standby itself is built by the constructs that own each concern, in the standby region: the subnet
(network.py), the cross-region Cloud SQL replica (data.Database), a cold Memorystore for Valkey (data.SessionCache), the
services (compute.Placement.standby) and their serverless NEGs (routing.serverless_backend). CMEK keys must sit in
the location of the data they encrypt, so the standby region gets its own key ring, and the dual-region bucket and
multi-region repository (`recovery.gcp_cross_region_storage`) one in the multi-region holding both regions.
"""

from __future__ import annotations

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyDocumentation,
)
from constructs import Construct

from gcp_stacks.names import REPLICA_LAG_METRIC, standby_sql_instance_name
from gcp_stacks.project import ServiceAgents
from gcp_stacks.security import Keys, ServiceKey
from shared import Settings
from shared.places import gcp_multi_region
from shared.runbooks import runbook_url

# What lives in the standby region itself, and what in the multi-region.
STANDBY_REGION_KEYS = ("database", "cache", "secrets")
MULTI_REGION_KEYS = ("storage", "registry")


class StandbyKeys(Construct):
    """The standby region's keys (with a standby) and the multi-region's (with cross-region storage)."""

    def __init__(self, scope: Construct, construct_id: str = "StandbyKeys", *, settings: Settings,
                 agents: ServiceAgents) -> None:  # fmt: skip
        super().__init__(scope, construct_id)
        recovery = settings.recovery
        self._region = self._multi_region = None
        if recovery.has_standby:
            self._region = Keys(
                self, "Region", settings=settings, agents=agents, location=recovery.gcp_standby_region,
                purposes=STANDBY_REGION_KEYS,
            )  # fmt: skip
        if recovery.gcp_cross_region_storage:
            _, location = gcp_multi_region(settings.gcp.region)
            self._multi_region = Keys(
                self, "MultiRegion", settings=settings, agents=agents, location=location, purposes=MULTI_REGION_KEYS
            )

    def region_key(self, purpose: str) -> ServiceKey | None:
        return self._region.keys[purpose] if self._region else None

    def multi_region_key(self, purpose: str) -> ServiceKey | None:
        return self._multi_region.keys[purpose] if self._multi_region else None


class StandbyReplicaLag(Construct):
    """The RPO holds only while the standby replica keeps up: warn when its lag passes half of it (as on AWS)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, channels: list[str]) -> None:
        super().__init__(scope, construct_id)
        threshold_seconds = settings.resilience.rpo_minutes * 60 / 2
        database_id = f"{settings.gcp.project_id}:{standby_sql_instance_name(settings)}"
        MonitoringAlertPolicy(
            self,
            "Policy",
            display_name=f"{settings.prefix} standby_replica_lag",
            combiner="OR",
            severity="WARNING",
            notification_channels=channels,
            user_labels={"severity": "warning", "alert": "standby_replica_lag"},
            documentation=MonitoringAlertPolicyDocumentation(
                mime_type="text/markdown",
                subject=f"[WARNING] {settings.prefix}: the standby database lags",
                content=(
                    f"**The standby replica `{standby_sql_instance_name(settings)}` lags more than "
                    f"{threshold_seconds:g} s** (half the RPO of {settings.resilience.rpo_minutes} min): a region loss "
                    "now could lose more data than the RPO allows.\n\n**Check first:** the primary's write load and "
                    f"the replica's CPU and disk.\n\n**Runbook:** {runbook_url(settings, 'standby_replica_lag')}"
                ),
            ),
            conditions=[
                MonitoringAlertPolicyConditions(
                    display_name="Standby replica lag",
                    condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                        filter=(
                            f'metric.type = "{REPLICA_LAG_METRIC}" AND resource.type = "cloudsql_database" AND '
                            f'resource.label.database_id = "{database_id}"'
                        ),
                        comparison="COMPARISON_GT",
                        threshold_value=threshold_seconds,
                        duration="60s",
                        aggregations=[
                            MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                                alignment_period="60s", per_series_aligner="ALIGN_MAX"
                            )
                        ],
                    ),
                )
            ],
        )
