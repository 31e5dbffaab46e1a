"""Builds the GCP platform: five stacks per environment, all from shared settings.

network -> data -> compliance -> app -> observability, deployed in that order. Stacks refer to each other
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
from gcp_stacks.compute import Registry, Services
from gcp_stacks.dashboard import Dashboard
from gcp_stacks.data import Buckets, Database, SessionCache
from gcp_stacks.database_bootstrap import PASSWORD_SECRET, DatabaseBootstrapIdentities, DatabaseBootstrapJob
from gcp_stacks.delivery import DeliveryStack
from gcp_stacks.edge import LoadBalancer
from gcp_stacks.network import NetworkStack
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
from gcp_stacks.secrets import Secrets
from gcp_stacks.security import Keys, ServiceAccounts
from gcp_stacks.security_findings import SecurityFindings
from shared import Settings, load_all, load_settings
from shared.stacks import gcp_stack_name as stack_name
from shared.stacks import gcp_stack_names

# Stack name suffixes, in deployment order; every stack is `bookedbarber-<env>-gcp-<component>`.


class DataStack(GcpStack):
    """Everything stateful, plus what must exist before the first release: keys, identities, secrets, registry.

    Between this stack and `app`, an operator adds the secret versions and pushes the bootstrap images.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="data")
        agents = ServiceAgents(self, "ServiceAgents", settings=settings)
        keys = Keys(self, "Keys", settings=settings, agents=agents)
        accounts = ServiceAccounts(self, "ServiceAccounts", settings=settings)
        secrets = Secrets(
            self,
            "Secrets",
            settings=settings,
            key=keys.keys["secrets"],
            topic_key=keys.keys["pubsub"],
            agents=agents,
            accounts=accounts,
        )
        database = Database(self, "Database", settings=settings, key=keys.keys["database"], accounts=accounts)
        DatabaseBootstrapIdentities(
            self,
            "DatabaseBootstrap",
            settings=settings,
            instance=database.primary,
            password_secret=secrets.secrets[PASSWORD_SECRET],
        )
        cache = SessionCache(self, "SessionCache", settings=settings, key=keys.keys["cache"])
        Buckets(self, "Buckets", settings=settings, key=keys.keys["storage"], accounts=accounts)
        Registry(self, "Registry", settings=settings, key=keys.keys["registry"])
        data_outputs(self, settings=settings, database=database, cache=cache)


class ComplianceStack(GcpStack):
    """Log retention, the audit-log archive (encrypted with the data stack's storage key), Data Access audit
    logs, the monthly budget, and the security findings and asset-change feeds (security_findings.py)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="compliance", bill_calls_to_project=True)
        LogRetention(self, "LogRetention", settings=settings)
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
        load_balancer = LoadBalancer(
            self, "LoadBalancer", settings=settings, api=services.api.service, web=services.web.service
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
        SecurityEventPolicies(self, "SecurityEvents", settings=settings, channels=channels)
        Dashboard(self, "Dashboard", settings=settings)


def stack_names(environment: str) -> list[str]:
    return gcp_stack_names(load_settings(environment))


def add_environment(app: App, settings: Settings) -> list[TerraformStack]:
    network = NetworkStack(app, stack_name(settings, "network"), settings=settings)
    data = DataStack(app, stack_name(settings, "data"), settings=settings)
    data.add_dependency(network)
    compliance = ComplianceStack(app, stack_name(settings, "compliance"), settings=settings)
    compliance.add_dependency(data)
    application = AppStack(app, stack_name(settings, "app"), settings=settings)
    application.add_dependency(data)
    observability = ObservabilityStack(app, stack_name(settings, "observability"), settings=settings)
    observability.add_dependency(application)
    # The GitHub Actions trust: applied by an operator (README "Deploying"), never by the workflows it trusts.
    delivery = DeliveryStack(app, stack_name(settings, "delivery"), settings=settings)
    delivery.add_dependency(data)
    return [network, data, compliance, application, observability, delivery]


def build_platform(app: App, all_settings: Iterable[Settings] | None = None) -> list[TerraformStack]:
    """Every environment's stacks; `all_settings` defaults to `load_all()` (environment-variable overrides)."""
    chosen = load_all().values() if all_settings is None else all_settings
    app.node.set_context("targetVersions", TARGET_VERSIONS)
    return [stack for settings in chosen for stack in add_environment(app, settings)]
