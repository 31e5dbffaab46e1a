"""The table of components: each cloud's stacks per environment, in deployment order, without importing jsii.

One row per component: its stack class (as `module:Class`, resolved only by the platform, so the deploy wrapper
and the docs read this table without starting jsii), the region it deploys to, the components it comes after,
and the settings flag an environment needs to have it at all. Both platforms (`aws_stacks/platform.py`,
`gcp_stacks/platform.py`) build exactly these rows, in this order, with these dependencies; `ops/deploy.py`
selects them by name; `reports/components.py` writes the README's table; a test compares the rows with the
synthesized apps. A stack's description is its class's docstring (first paragraph).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shared.names import gcp_stack_name
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Where an AWS component deploys: the settings' region, CloudFront's region, or the backup copies' region.
HOME, EDGE, RECOVERY = "home", "edge", "recovery"
# Where CloudFront reads certificates and CLOUDFRONT-scope web ACLs: the edge stacks live here.
AWS_EDGE_REGION = "us-east-1"


def _flag(settings: Settings, path: str) -> bool:
    value: object = settings
    for part in path.split("."):
        value = getattr(value, part)
    return bool(value)


@dataclass(frozen=True)
class Component:
    name: str  # AWS: stack `bookedbarber-<env>-<name>`; GCP: `bookedbarber-<env>-gcp-<name>`
    stack_class: str  # "package.module:Class"
    after: tuple[str, ...] = ()  # deployed before this one (where the environment has them)
    region: str = HOME  # AWS only: HOME, EDGE or RECOVERY
    # Boolean settings fields (dotted, joined by " or "): the environment has this component where any is true.
    only_where: str = ""

    def present(self, settings: Settings) -> bool:
        return not self.only_where or any(_flag(settings, path) for path in self.only_where.split(" or "))

    def resolve(self) -> type:
        """The stack class (imports its module: jsii for the platforms, never for the table's other readers)."""
        module, name = self.stack_class.split(":")
        return getattr(importlib.import_module(module), name)

    def summary(self) -> str:
        """The first paragraph of the stack class's docstring, on one line, read from source (no import)."""
        return docstring_summary(self.stack_class)


AWS_TABLE: tuple[Component, ...] = (
    # The backup copies' vault and what the data stack's replication needs first (keys, the uploads replica bucket,
    # the image repository template).
    Component(
        "recovery",
        "aws_stacks.backup:RecoveryVaultStack",
        region=RECOVERY,
        only_where="resilience.copy_backups_to_recovery_region or recovery.has_standby",
    ),
    Component("network", "aws_stacks.network:NetworkStack"),
    # The copy target exists before the plan that copies to it.
    Component("data", "aws_stacks.data:DataStack", after=("recovery", "network")),
    # The standby's network and the cross-region replica of the data stack's primary database; its tasks decrypt
    # with the recovery stack's keys (same region, named by ARN).
    Component(
        "standby",
        "aws_stacks.standby:StandbyStack",
        after=("recovery", "data"),
        region=RECOVERY,
        only_where="recovery.has_standby",
    ),
    Component("compute", "aws_stacks.compute:ComputeStack", after=("network", "data")),
    # CloudFront's VPC origins name the load balancers (compute, and the standby's where one stands by).
    Component("edge", "aws_stacks.edge:EdgeStack", after=("compute", "standby"), region=EDGE),
    Component("compliance", "aws_stacks.compliance:ComplianceStack"),
    Component("observability", "aws_stacks.observability:ObservabilityStack", after=("compute", "data")),
    Component("edge-observability", "aws_stacks.observability:EdgeObservabilityStack", after=("edge",), region=EDGE),
    # No dependency: `cdk deploy` of the trust alone must not deploy the platform it trusts.
    Component("delivery", "aws_stacks.delivery:DeliveryStack"),
)
GCP_TABLE: tuple[Component, ...] = (
    Component("network", "gcp_stacks.network:NetworkStack"),
    Component("data", "gcp_stacks.platform:DataStack", after=("network",)),
    Component("compliance", "gcp_stacks.platform:ComplianceStack", after=("data",)),
    Component("app", "gcp_stacks.platform:AppStack", after=("data",)),
    Component("observability", "gcp_stacks.platform:ObservabilityStack", after=("app",)),
    Component("delivery", "gcp_stacks.delivery:DeliveryStack", after=("data",)),
)
TABLES = {"aws": AWS_TABLE, "gcp": GCP_TABLE}

# The GitHub Actions trust: deployed by an operator on request, never by the workflows it trusts.
TRUST_COMPONENT = "delivery"
AWS_RECOVERY_COMPONENT = "recovery"
AWS_STANDBY_COMPONENT = "standby"
AWS_COMPONENTS = tuple(component.name for component in AWS_TABLE if not component.only_where)
GCP_COMPONENTS = tuple(component.name for component in GCP_TABLE)
# Components deployed to the edge region rather than the settings' region.
AWS_EDGE_COMPONENTS = tuple(component.name for component in AWS_TABLE if component.region == EDGE)


def components(cloud: str, settings: Settings) -> tuple[Component, ...]:
    """The rows the environment has, in deployment order."""
    return tuple(component for component in TABLES[cloud] if component.present(settings))


def dependencies(cloud: str, settings: Settings) -> list[tuple[str, str]]:
    """(component, the one it comes after) for every row the environment has, both ends present."""
    present = {component.name for component in components(cloud, settings)}
    return [
        (component.name, earlier)
        for component in components(cloud, settings)
        for earlier in component.after
        if earlier in present
    ]


def aws_region(settings: Settings, component: Component) -> str:
    return {HOME: settings.aws.region, EDGE: AWS_EDGE_REGION, RECOVERY: settings.aws.recovery_region}[component.region]


def has_recovery_stack(settings: Settings) -> bool:
    return any(c.name == AWS_RECOVERY_COMPONENT for c in components("aws", settings))


def aws_components(settings: Settings) -> tuple[str, ...]:
    return tuple(component.name for component in components("aws", settings))


def aws_regions(settings: Settings) -> tuple[str, ...]:
    """Every region the environment's AWS stacks deploy to (each needs `cdk bootstrap`), in a stable order."""
    regions = {component.region: aws_region(settings, component) for component in components("aws", settings)}
    return tuple(dict.fromkeys(regions[where] for where in (HOME, EDGE, RECOVERY) if where in regions))


def aws_stack_regions(settings: Settings) -> dict[str, str]:
    """Each AWS stack's name and the region it deploys to."""
    return {settings.name(c.name): aws_region(settings, c) for c in components("aws", settings)}


def aws_stack_names(settings: Settings) -> list[str]:
    return [settings.name(component) for component in aws_components(settings)]


def gcp_stack_names(settings: Settings) -> list[str]:
    return [gcp_stack_name(settings, component.name) for component in components("gcp", settings)]


def stack_description(settings: Settings, component: Component) -> str:
    """What the stack's template says it is: the environment and its class's docstring summary."""
    return f"BookedBarber {settings.environment}: {component.summary()}"


@cache
def docstring_summary(stack_class: str) -> str:
    module, name = stack_class.split(":")
    loaded = getattr(sys.modules.get(module), name, None)
    if isinstance(loaded, type):  # the app building the stack has its class: no need to parse the module's source
        return _summary(loaded.__doc__ or "")
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return _summary(ast.get_docstring(node, clean=False) or "")
    raise LookupError(f"{stack_class}: no such class in {path.relative_to(ROOT)}")


def _summary(docstring: str) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join(inspect.cleandoc(docstring).split("\n\n", 1)[0].split())
