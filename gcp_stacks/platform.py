"""Builds the GCP platform: the component table's stacks per environment (shared/stacks.py), from shared settings.

Stacks refer to each other
through names and ids derived from settings (`NetworkRefs`, `Identity`, `sql_instance_name`, ...) or data sources, not
cdktf cross-stack references, so no stack reads another's Terraform state.

The first deployment of an environment needs a few manual steps between the stacks: see docs/gcp.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdktn import App, TerraformStack
from constructs import Construct

from gcp_stacks.base import TARGET_VERSIONS, GcpStack
from gcp_stacks.compliance import AuditLogArchive, DataAccessAuditLogs, LogRetention, MonthlyBudget
from gcp_stacks.compute import Placement, Registry, Services
from gcp_stacks.dashboard import Dashboard
from gcp_stacks.data import Buckets, Database, SessionCache
from gcp_stacks.database_bootstrap import PASSWORD_SECRET, DatabaseBootstrapIdentities, DatabaseBootstrapJob
from gcp_stacks.edge import LoadBalancer
from gcp_stacks.observability import (
    AlertPolicies,
    InfoEvents,
    LogMetrics,
    NotificationChannels,
    SecurityEventPolicies,
    UptimeChecks,
)
from gcp_stacks.outputs import app_outputs, data_outputs
from gcp_stacks.project import ServiceAgents
from gcp_stacks.recovery import StandbyKeys, StandbyReplicaLag
from gcp_stacks.secrets import Secrets
from gcp_stacks.security import Keys, ServiceAccounts
from gcp_stacks.security_findings import SecurityFindings
from gcp_stacks.slos import ServiceLevelObjectives
from shared import Settings, load_all, load_settings
from shared.alerts import Severity
from shared.names import gcp_stack_name
from shared.stacks import components, dependencies, gcp_stack_names


class DataStack(GcpStack):
    """Everything stateful, plus what must exist before the first release: keys, identities, secrets, registry.

    Between this stack and `app`, an operator adds the secret versions and pushes the bootstrap images.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="data")
        agents = ServiceAgents(self, "ServiceAgents", settings=settings)
        keys = Keys(self, "Keys", settings=settings, agents=agents)
        standby = StandbyKeys(self, settings=settings, agents=agents)
        accounts = ServiceAccounts(self, "ServiceAccounts", settings=settings)
        secrets = Secrets(
            self,
            "Secrets",
            settings=settings,
            key=keys.keys["secrets"],
            topic_key=keys.keys["pubsub"],
            standby_key=standby.region_key("secrets") if settings.recovery.gcp_cross_region_storage else None,
            agents=agents,
            accounts=accounts,
        )
        database = Database(
            self, "Database", settings=settings, key=keys.keys["database"], accounts=accounts,
            standby_key=standby.region_key("database"),
        )  # fmt: skip
        DatabaseBootstrapIdentities(
            self,
            "DatabaseBootstrap",
            settings=settings,
            instance=database.primary,
            password_secret=secrets.secrets[PASSWORD_SECRET],
        )
        cache = SessionCache(self, "SessionCache", settings=settings, key=keys.keys["cache"])
        if settings.recovery.has_standby:
            # Cold: nothing replicates into it, so sessions and cached values start empty after a failover.
            SessionCache(self, "StandbySessionCache", settings=settings, key=standby.region_key("cache"), standby=True)
        Buckets(
            self, "Buckets", settings=settings, key=keys.keys["storage"], accounts=accounts,
            replicated_key=standby.multi_region_key("storage"),
        )  # fmt: skip
        Registry(self, "Registry", settings=settings, key=standby.multi_region_key("registry") or keys.keys["registry"])
        data_outputs(self, settings=settings, database=database, cache=cache)


class ComplianceStack(GcpStack):
    """Log retention, the audit-log archive (encrypted with the data stack's storage key), Data Access audit
    logs, the monthly budget, and the security findings and asset-change feeds (security_findings.py)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="compliance", bill_calls_to_project=True)
        LogRetention(
            self,
            "LogRetention",
            project_id=settings.gcp.project_id,
            retention_days=settings.resilience.log_retention_days,
        )
        AuditLogArchive(self, "AuditLogArchive", settings=settings)
        DataAccessAuditLogs(self, "DataAccessAuditLogs", settings=settings)
        MonthlyBudget(self, "MonthlyBudget", settings=settings)
        SecurityFindings(self, "SecurityFindings", settings=settings)


class AppStack(GcpStack):
    """Stateless serving: the Cloud Run services and the load balancer in front of them, and the one-off database
    bootstrap job (here, not in `data`: Cloud Run refuses a job whose secret has no version yet)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="app")
        DatabaseBootstrapJob(self, "DatabaseBootstrap", settings=settings)
        services = Services(self, "Services", settings=settings)
        standby = {}
        if settings.recovery.has_standby:
            placement = Placement.standby(settings)
            standby_services = Services(self, "StandbyServices", settings=settings, placement=placement)
            standby = {"api": standby_services.api.service, "web": standby_services.web.service}
        load_balancer = LoadBalancer(
            self, "LoadBalancer", settings=settings, api=services.api.service, web=services.web.service, standby=standby
        )
        app_outputs(self, settings=settings, services=services, load_balancer=load_balancer)


class ObservabilityStack(GcpStack):
    """Alerting and the dashboard. Last: its policies watch the services, database and cache by their names,
    and its channels read tokens the operator stored in Secret Manager (docs/gcp.md)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="observability")
        channels = NotificationChannels(self, "Channels", settings=settings)
        uptime = UptimeChecks(self, "UptimeChecks", settings=settings)
        log_metrics = LogMetrics(self, "LogMetrics", settings=settings)
        AlertPolicies(
            self, "AlertPolicies", settings=settings, channels=channels, uptime=uptime, log_metrics=log_metrics
        )
        InfoEvents(self, "InfoEvents", settings=settings, channels=channels)
        ServiceLevelObjectives(self, "Slos", settings=settings, channels=channels)
        if settings.recovery.has_standby:
            warning = channels.by_severity[Severity.WARNING]
            StandbyReplicaLag(self, "StandbyReplicaLag", settings=settings, channels=warning)
        SecurityEventPolicies(self, "SecurityEvents", settings=settings, channels=channels)
        Dashboard(self, "Dashboard", settings=settings)


def stack_names(environment: str) -> list[str]:
    return gcp_stack_names(load_settings(environment))


def add_environment(app: App, settings: Settings) -> list[TerraformStack]:
    """The environment's rows of the component table (shared/stacks.py), in its order, with its dependencies.

    Every GCP stack takes only the settings: the stacks find each other by names derived from settings."""
    built = {
        component.name: component.resolve()(app, gcp_stack_name(settings, component.name), settings=settings)
        for component in components("gcp", settings)
    }
    for later, earlier in dependencies("gcp", settings):
        built[later].add_dependency(built[earlier])
    return list(built.values())


def build_platform(app: App, all_settings: Iterable[Settings] | None = None) -> list[TerraformStack]:
    """Every environment's stacks; `all_settings` defaults to `load_all()` (environment-variable overrides)."""
    chosen = load_all().values() if all_settings is None else all_settings
    app.node.set_context("targetVersions", TARGET_VERSIONS)
    return [stack for settings in chosen for stack in add_environment(app, settings)]
