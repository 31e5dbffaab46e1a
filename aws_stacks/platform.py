"""Builds the AWS platform: picks environments and settings, instantiates stacks.

`app.py` and the tests both call `build_platform`, so the tests synthesize exactly
what `cdk synth` does.
"""

from __future__ import annotations

import aws_cdk as cdk

from aws_stacks.backup import RecoveryVaultStack
from aws_stacks.compliance import ComplianceStack
from aws_stacks.compute import ComputeStack
from aws_stacks.data import DataStack
from aws_stacks.delivery import DeliveryStack
from aws_stacks.deploy_policy import apply_boundary
from aws_stacks.edge import EDGE_REGION, EdgeStack
from aws_stacks.guardrails import apply_guardrails
from aws_stacks.nag import register_checks
from aws_stacks.network import NetworkStack
from aws_stacks.observability import EdgeObservabilityStack, ObservabilityStack
from aws_stacks.replication import StandbyPrerequisites
from aws_stacks.selection import select
from aws_stacks.standby import StandbyStack
from shared import Settings, load_settings
from shared.stacks import AWS_RECOVERY_COMPONENT as RECOVERY_COMPONENT
from shared.stacks import AWS_STANDBY_COMPONENT as STANDBY_COMPONENT
from shared.stacks import aws_stack_names, has_recovery_stack

# CDK treats these as taggable, but CloudFormation rejects `Tags` on them.
UNTAGGABLE = ("AWS::RDS::DBProxyTargetGroup",)


def stack_names(environment: str) -> list[str]:
    return aws_stack_names(load_settings(environment))


def _pin_availability_zones(app: cdk.App, settings: Settings) -> None:
    """Answer CDK's AZ lookup from settings, as a committed cdk.context.json would, so synth never asks AWS."""
    key = f"availability-zones:account={settings.aws.account_id}:region={settings.aws.region}"
    app.node.set_context(key, list(settings.aws.availability_zones))


def add_environment(app: cdk.App, settings: Settings) -> list[cdk.Stack]:
    env = cdk.Environment(account=settings.aws.account_id, region=settings.aws.region)
    # Production's stacks refuse `cdk destroy` / DeleteStack until someone turns protection off on purpose.
    protection = dict(termination_protection=settings.resilience.deletion_protection)
    recovery = standby = None
    recovery_env = cdk.Environment(account=settings.aws.account_id, region=settings.aws.recovery_region)
    if has_recovery_stack(settings):
        recovery = RecoveryVaultStack(
            app,
            settings.name(RECOVERY_COMPONENT),
            settings=settings,
            env=recovery_env,
            description=f"BookedBarber {settings.environment}: backup copies vault and standby prerequisites",
            **protection,
        )
        if settings.recovery.has_standby:
            StandbyPrerequisites(recovery, "Standby", settings=settings)
    network = NetworkStack(
        app,
        settings.name("network"),
        settings=settings,
        env=env,
        description=f"BookedBarber {settings.environment}: logs key, VPC, endpoints, flow logs, NACLs, security groups",
        **protection,
    )
    data = DataStack(
        app,
        settings.name("data"),
        settings=settings,
        vpc=network.vpc,
        logs_key=network.logs_key,
        security_groups=network.security_groups,
        edge_region=EDGE_REGION,
        env=env,
        description=(
            f"BookedBarber {settings.environment}: PostgreSQL, RDS Proxy, Redis, ECR, secrets, feature flags, backup"
        ),
        **protection,
    )
    if settings.recovery.has_standby:
        standby = StandbyStack(
            app,
            settings.name(STANDBY_COMPONENT),
            settings=settings,
            env=recovery_env,
            description=f"BookedBarber {settings.environment}: standby network and database replica",
            **protection,
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
        uploads=data.uploads,
        env=env,
        description=f"BookedBarber {settings.environment}: ECS Fargate services, ALB, regional WAF",
        **protection,
    )
    edge = EdgeStack(
        app,
        settings.name("edge"),
        settings=settings,
        env=cdk.Environment(account=settings.aws.account_id, region=EDGE_REGION),
        description=f"BookedBarber {settings.environment}: CloudFront, static assets, CloudFront WAF (us-east-1)",
        **protection,
    )
    compliance = ComplianceStack(
        app,
        settings.name("compliance"),
        settings=settings,
        env=env,
        description=f"BookedBarber {settings.environment}: GuardDuty, Security Hub, CloudTrail, Config, budget",
        **protection,
    )
    observability = ObservabilityStack(
        app,
        settings.name("observability"),
        settings=settings,
        services=[compute.api, compute.web],
        load_balancer=compute.load_balancer,
        database=data.database,
        cache=data.cache,
        env=env,
        description=f"BookedBarber {settings.environment}: alert topics, alarms, info and security events, dashboard",
        **protection,
    )
    edge_observability = EdgeObservabilityStack(
        app,
        settings.name("edge-observability"),
        settings=settings,
        certificate=edge.cdn.certificate,
        env=cdk.Environment(account=settings.aws.account_id, region=EDGE_REGION),
        description=f"BookedBarber {settings.environment}: CloudFront certificate alarm and events (us-east-1)",
        **protection,
    )
    delivery = DeliveryStack(
        app,
        settings.name("delivery"),
        settings=settings,
        env=env,
        description=f"BookedBarber {settings.environment}: GitHub Actions OIDC trust (diff, deploy, release roles)",
        **protection,
    )
    # Ordering only, no references: the copy target exists before the plan that copies to it, and CloudFront
    # sends the origin-verify header (edge) only once the ALB (compute) accepts it.
    if recovery is not None:
        data.add_stack_dependency(recovery, "the backup copy target and the replicas' keys exist before the data")
    if standby is not None:
        standby.add_stack_dependency(data, "the primary database exists before its cross-region replica")
    edge.add_stack_dependency(compute, "the load balancer accepts the origin-verify header before CloudFront sends it")
    stacks = [recovery] if recovery is not None else []
    stacks += [network, data, *([standby] if standby is not None else [])]
    stacks += [compute, edge, compliance, observability, edge_observability, delivery]
    for stack in stacks:
        # Function logs need the logs key of the stack's own region (network's); elsewhere only the acknowledgement.
        in_region = stack.region == settings.aws.region
        key = network.logs_key if in_region else (standby.logs_key if stack is standby else None)
        apply_guardrails(stack, settings=settings, key=key)
        if stack is not delivery:  # CI deploys these through the bootstrap, whose execution policy demands it
            apply_boundary(stack, settings=settings)
        for key, value in settings.aws_tags.items():
            cdk.Tags.of(stack).add(key, value, exclude_resource_types=list(UNTAGGABLE))
    return stacks


def build_platform(app: cdk.App, all_settings: list[Settings] | None = None) -> list[cdk.Stack]:
    """Every selected environment's stacks; `all_settings` defaults to what the app's context selects."""
    if all_settings is None:
        all_settings = select(app.node.get_all_context())
    for settings in all_settings:
        _pin_availability_zones(app, settings)
    register_checks(app)
    return [stack for settings in all_settings for stack in add_environment(app, settings)]
