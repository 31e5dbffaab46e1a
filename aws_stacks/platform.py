"""Builds the AWS platform: picks environments and settings, instantiates stacks.

`app.py` and the tests both call `build_platform`, so the tests synthesize exactly
what `cdk synth` does.
"""

from __future__ import annotations

import aws_cdk as cdk

from aws_stacks.compute import ComputeStack
from aws_stacks.data import DataStack
from aws_stacks.delivery import DeliveryStack
from aws_stacks.edge import EDGE_REGION, EdgeStack
from aws_stacks.nag import register_checks
from aws_stacks.network import NetworkStack
from shared import ENVIRONMENTS, OVERRIDES, Settings, SettingsError, load_settings
from shared.contract import BOOTSTRAP_IMAGE_TAG

# Stack name suffixes, in deployment order; every stack is `bookedbarber-<env>-<component>`.
COMPONENTS = ("network", "data", "compute", "edge", "delivery")

# CDK treats these as taggable, but CloudFormation rejects `Tags` on them.
UNTAGGABLE = ("AWS::RDS::DBProxyTargetGroup",)


def stack_names(environment: str) -> list[str]:
    settings = load_settings(environment)
    return [settings.name(component) for component in COMPONENTS]


def selected_environments(app: cdk.App) -> tuple[str, ...]:
    """`-c env=production` (or a comma list) picks environments; default: all."""
    chosen = app.node.try_get_context("env")
    if chosen in (None, "", "all"):
        return ENVIRONMENTS
    names = tuple(name.strip() for name in str(chosen).split(","))
    for name in names:
        if name not in ENVIRONMENTS:
            raise SettingsError(name, [("environment", f"unknown (from -c env); choose from {list(ENVIRONMENTS)}")])
    return names


def context_overrides(app: cdk.App, environments: tuple[str, ...]) -> dict[str, str]:
    overrides = {key: str(app.node.try_get_context(key)) for key in OVERRIDES if app.node.try_get_context(key)}
    if overrides and len(environments) != 1:
        raise SettingsError(
            ",".join(environments),
            [(key, "a context override applies to one environment; add -c env=<name>") for key in overrides],
        )
    return overrides


def load_selected(app: cdk.App) -> list[Settings]:
    environments = selected_environments(app)
    overrides = context_overrides(app, environments)
    return [load_settings(name, overrides=overrides) for name in environments]


def _pin_availability_zones(app: cdk.App, settings: Settings) -> None:
    """Answer CDK's AZ lookup from settings, as a committed cdk.context.json would, so synth never asks AWS."""
    key = f"availability-zones:account={settings.aws.account_id}:region={settings.aws.region}"
    app.node.set_context(key, list(settings.aws.availability_zones))


def add_environment(app: cdk.App, settings: Settings) -> list[cdk.Stack]:
    env = cdk.Environment(account=settings.aws.account_id, region=settings.aws.region)
    network = NetworkStack(
        app,
        settings.name("network"),
        settings=settings,
        env=env,
        description=f"BookedBarber {settings.environment}: logs key, VPC, endpoints, flow logs, NACLs, security groups",
    )
    data = DataStack(
        app,
        settings.name("data"),
        settings=settings,
        vpc=network.vpc,
        logs_key=network.logs_key,
        security_groups=network.security_groups,
        env=env,
        description=f"BookedBarber {settings.environment}: PostgreSQL, RDS Proxy, Redis, ECR, secrets, feature flags",
    )
    compute = ComputeStack(
        app,
        settings.name("compute"),
        settings=settings,
        vpc=network.vpc,
        logs_key=network.logs_key,
        security_groups=network.security_groups,
        database=data.database,
        cache=data.cache,
        secrets=data.secrets,
        secrets_key=data.secrets_key,
        feature_flags=data.feature_flags,
        image_tag=str(app.node.try_get_context("image_tag") or BOOTSTRAP_IMAGE_TAG),
        env=env,
        description=f"BookedBarber {settings.environment}: ECS Fargate services, ALB, regional WAF",
    )
    edge = EdgeStack(
        app,
        settings.name("edge"),
        settings=settings,
        env=cdk.Environment(account=settings.aws.account_id, region=EDGE_REGION),
        description=f"BookedBarber {settings.environment}: CloudFront, static assets, CloudFront WAF (us-east-1)",
    )
    delivery = DeliveryStack(
        app,
        settings.name("delivery"),
        settings=settings,
        env=env,
        description=f"BookedBarber {settings.environment}: GitHub Actions OIDC trust (diff, deploy, release roles)",
    )
    stacks = [network, data, compute, edge, delivery]
    for stack in stacks:
        for key, value in settings.aws_tags.items():
            cdk.Tags.of(stack).add(key, value, exclude_resource_types=list(UNTAGGABLE))
    return stacks


def build_platform(app: cdk.App) -> list[cdk.Stack]:
    all_settings = load_selected(app)
    for settings in all_settings:
        _pin_availability_zones(app, settings)
    register_checks(app)
    return [stack for settings in all_settings for stack in add_environment(app, settings)]
