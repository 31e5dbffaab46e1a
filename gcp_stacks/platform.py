"""Builds the GCP platform: three stacks per environment, all from shared settings.

network -> data -> app, deployed in that order. Stacks refer to each other through names and ids
derived from settings (`NetworkRefs`, `Identity`, `sql_connection_name`, ...) or data sources, not
cdktf cross-stack references, so no stack reads another's Terraform state.

The first deployment of an environment needs a few manual steps between the stacks: see docs/gcp.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdktn import App, TerraformStack
from constructs import Construct

from gcp_stacks.base import GcpStack
from gcp_stacks.compute import Registry, Services
from gcp_stacks.data import Buckets, Database, SessionCache
from gcp_stacks.delivery import DeliveryStack
from gcp_stacks.edge import LoadBalancer
from gcp_stacks.network import NetworkStack
from gcp_stacks.project import ServiceAgents
from gcp_stacks.secrets import Secrets
from gcp_stacks.security import Keys, ServiceAccounts
from shared import Settings, load_all, load_settings

# Stack name suffixes, in deployment order; every stack is `bookedbarber-<env>-gcp-<component>`.
COMPONENTS = ("network", "data", "app", "delivery")


class DataStack(GcpStack):
    """Everything stateful, plus what must exist before the first release: keys, identities, secrets, registry.

    Between this stack and `app`, an operator adds the secret versions and pushes the bootstrap images.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="data")
        agents = ServiceAgents(self, "ServiceAgents", settings=settings)
        keys = Keys(self, "Keys", settings=settings, agents=agents)
        accounts = ServiceAccounts(self, "ServiceAccounts", settings=settings)
        Secrets(self, "Secrets", settings=settings, key=keys.keys["secrets"], agents=agents, accounts=accounts)
        Database(self, "Database", settings=settings, key=keys.keys["database"], accounts=accounts)
        SessionCache(self, "SessionCache", settings=settings, key=keys.keys["cache"])
        Buckets(self, "Buckets", settings=settings, key=keys.keys["storage"], accounts=accounts)
        Registry(self, "Registry", settings=settings, key=keys.keys["registry"])


class AppStack(GcpStack):
    """Stateless serving: the Cloud Run services and the load balancer in front of them."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="app")
        services = Services(self, "Services", settings=settings)
        LoadBalancer(self, "LoadBalancer", settings=settings, api=services.api.service, web=services.web.service)


def stack_name(settings: Settings, component: str) -> str:
    """`bookedbarber-<env>-gcp-<component>`: the `gcp-` keeps GCP state apart from same-named AWS stacks."""
    return settings.name(f"gcp-{component}")


def stack_names(environment: str) -> list[str]:
    settings = load_settings(environment)
    return [stack_name(settings, component) for component in COMPONENTS]


def add_environment(app: App, settings: Settings) -> list[TerraformStack]:
    network = NetworkStack(app, stack_name(settings, "network"), settings=settings)
    data = DataStack(app, stack_name(settings, "data"), settings=settings)
    data.add_dependency(network)
    application = AppStack(app, stack_name(settings, "app"), settings=settings)
    application.add_dependency(data)
    # The GitHub Actions trust: applied by an operator (README "Deploying"), never by the workflows it trusts.
    delivery = DeliveryStack(app, stack_name(settings, "delivery"), settings=settings)
    delivery.add_dependency(data)
    return [network, data, application, delivery]


def build_platform(app: App, all_settings: Iterable[Settings] | None = None) -> list[TerraformStack]:
    """Every environment's stacks; `all_settings` defaults to `load_all()` (environment-variable overrides)."""
    chosen = load_all().values() if all_settings is None else all_settings
    return [stack for settings in chosen for stack in add_environment(app, settings)]
