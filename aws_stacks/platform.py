"""Builds the AWS platform: picks environments and settings, instantiates stacks.

`app.py` and the tests both call `build_platform`, so the tests synthesize exactly
what `cdk synth` does.
"""

from __future__ import annotations

import aws_cdk as cdk

from aws_stacks import template_validation
from aws_stacks.deploy_policy import apply_boundary
from aws_stacks.guardrails import apply_guardrails
from aws_stacks.nag import register_checks
from aws_stacks.replication import StandbyPrerequisites
from aws_stacks.selection import select
from aws_stacks.standby import standby_settings
from shared import Settings, load_settings
from shared.stacks import (
    AWS_RECOVERY_COMPONENT,
    AWS_STANDBY_COMPONENT,
    aws_region,
    aws_stack_names,
    components,
    dependencies,
)
from shared.stacks import stack_description as description

# CDK treats these as taggable, but CloudFormation rejects `Tags` on them.
UNTAGGABLE = ("AWS::RDS::DBProxyTargetGroup",)
# Left untagged on purpose: ECS points the listener rules at whichever target group serves after each blue/green
# deployment, and a CloudFormation update of a rule writes its template action back over that (aws/aws-cdk#36649):
# with tags from settings, a new cost-centre tag would be such an update. Rules cost nothing to allocate.
UNTAGGED = ("AWS::ElasticLoadBalancingV2::ListenerRule",)


def stack_names(environment: str) -> list[str]:
    return aws_stack_names(load_settings(environment))


def pin_availability_zones(app: cdk.App, settings: Settings) -> None:
    """Answer CDK's AZ lookups from settings, as a committed cdk.context.json would, so synth never asks AWS: the
    primary region's zones, and where a standby runs, the recovery region's (the standby's network uses them)."""
    zones = {settings.aws.region: settings.aws.availability_zones}
    if settings.recovery.has_standby:
        standby = standby_settings(settings).aws
        zones[standby.region] = standby.availability_zones
    for region, names in zones.items():
        app.node.set_context(f"availability-zones:account={settings.aws.account_id}:region={region}", list(names))


def add_environment(app: cdk.App, settings: Settings) -> list[cdk.Stack]:
    """The environment's rows of the component table (shared/stacks.py), in its order; here only the wiring."""
    rows = {component.name: component for component in components("aws", settings)}

    def stack(name: str, **wiring) -> cdk.Stack:
        component = rows[name]
        return component.resolve()(
            app,
            settings.name(name),
            settings=settings,
            env=cdk.Environment(account=settings.aws.account_id, region=aws_region(settings, component)),
            description=description(settings, component),
            # Production's stacks refuse `cdk destroy` / DeleteStack until someone turns protection off on purpose.
            termination_protection=settings.resilience.deletion_protection,
            **wiring,
        )

    built: dict[str, cdk.Stack] = {}
    prerequisites = None
    if AWS_RECOVERY_COMPONENT in rows:
        recovery = built[AWS_RECOVERY_COMPONENT] = stack(AWS_RECOVERY_COMPONENT)
        if settings.recovery.has_standby:
            prerequisites = StandbyPrerequisites(recovery, "Standby", settings=settings)
    network = built["network"] = stack("network")
    data = built["data"] = stack(
        "data",
        vpc=network.vpc,
        logs_key=network.logs_key,
        security_groups=network.security_groups,
    )
    if AWS_STANDBY_COMPONENT in rows:
        # The replicas' keys, from the recovery stack in the same region (no reference into the primary region).
        built[AWS_STANDBY_COMPONENT] = stack(
            AWS_STANDBY_COMPONENT, secrets_key=prerequisites.secrets_key, uploads_key=prerequisites.storage_key
        )
    compute = built["compute"] = stack(
        "compute",
        vpc=network.vpc,
        logs_key=network.logs_key,
        security_groups=network.security_groups,
        database=data.database,
        cache=data.cache,
        secrets=data.secrets,
        secrets_key=data.secrets_key,
        uploads=data.uploads,
    )
    standby = built.get(AWS_STANDBY_COMPONENT)
    edge = built["edge"] = stack(
        "edge",
        load_balancer=compute.load_balancer.alb,
        standby_load_balancer=standby.tier.load_balancer.alb if standby else None,
    )
    built["compliance"] = stack("compliance")
    built["observability"] = stack(
        "observability",
        services=[compute.api, compute.web],
        load_balancer=compute.load_balancer,
        database=data.database,
        cache=data.cache,
    )
    built["edge-observability"] = stack(
        "edge-observability",
        certificate=edge.cdn.certificate,
        distribution=edge.cdn.distribution if standby else None,
    )
    built["delivery"] = stack("delivery")
    # The table's order edges; where a reference already implies one, CDK keeps it once.
    for later, earlier in dependencies("aws", settings):
        built[later].add_stack_dependency(built[earlier], f"{later} comes after {earlier} (shared/stacks.py)")
    stacks = [built[name] for name in rows]
    for each in stacks:
        # Function logs need the logs key of the stack's own region (network's); elsewhere only the acknowledgement.
        in_region = each.region == settings.aws.region
        standby = built.get(AWS_STANDBY_COMPONENT)
        logs_key = network.logs_key if in_region else (standby.logs_key if each is standby else None)
        apply_guardrails(each, settings=settings, key=logs_key)
        if each is not built["delivery"]:  # CI deploys these through the bootstrap, whose execution policy demands it
            apply_boundary(each, settings=settings)
        for key, value in settings.aws_tags.items():
            cdk.Tags.of(each).add(key, value, exclude_resource_types=[*UNTAGGABLE, *UNTAGGED])
    return stacks


def new_app(**props) -> cdk.App:
    """Every AWS app of this project: aws-cdk-lib's built-in template validation off, because `register_checks` runs
    the same validation beside the app (aws_stacks/template_validation.py)."""
    return cdk.App(builtin_cloud_formation_validation=False, **props)


def build_platform(app: cdk.App, all_settings: list[Settings] | None = None) -> list[cdk.Stack]:
    """Every selected environment's stacks; `all_settings` defaults to what the app's context selects."""
    if all_settings is None:
        all_settings = select(app.node.get_all_context())
    for settings in all_settings:
        pin_availability_zones(app, settings)
    register_checks(app)
    stacks = [stack for settings in all_settings for stack in add_environment(app, settings)]
    template_validation.expect(app.outdir, stacks)
    return stacks
