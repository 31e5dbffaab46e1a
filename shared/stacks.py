"""Which stacks each cloud has per environment, in deployment order, without importing jsii.

The platforms (`aws_stacks/platform.py`, `gcp_stacks/platform.py`) build exactly these, and
`scripts/deploy.py` selects them by name; a test compares both lists with the synthesized apps.
"""

from __future__ import annotations

from shared.model import Settings

# AWS: every stack is `bookedbarber-<env>-<component>`.
AWS_COMPONENTS = (
    "network",
    "data",
    "compute",
    "edge",
    "compliance",
    "observability",
    "edge-observability",
    "delivery",
)
# In `aws.recovery_region`, where settings copy backups there or keep a standby (its keys, the uploads replica
# bucket, the image template: what the data stack's replication needs first); deployed before the data stack.
AWS_RECOVERY_COMPONENT = "recovery"
# In `aws.recovery_region`, where `recovery.strategy` keeps a standby: its network and the database replica of the
# data stack's primary, so it deploys right after the data stack.
AWS_STANDBY_COMPONENT = "standby"
# Where CloudFront reads certificates and CLOUDFRONT-scope web ACLs: the edge stacks live here.
AWS_EDGE_REGION = "us-east-1"
# GCP: every stack is `bookedbarber-<env>-gcp-<component>`; the `gcp-` keeps its state apart from AWS stacks.
GCP_COMPONENTS = ("network", "data", "compliance", "app", "observability", "delivery")
# The GitHub Actions trust: deployed by an operator on request, never by the workflows it trusts.
TRUST_COMPONENT = "delivery"


def has_recovery_stack(settings: Settings) -> bool:
    return settings.resilience.copy_backups_to_recovery_region or settings.recovery.has_standby


def aws_components(settings: Settings) -> tuple[str, ...]:
    recovery = (AWS_RECOVERY_COMPONENT,) if has_recovery_stack(settings) else ()
    standby = (AWS_STANDBY_COMPONENT,) if settings.recovery.has_standby else ()
    network, data, *rest = AWS_COMPONENTS
    return (*recovery, network, data, *standby, *rest)


def aws_regions(settings: Settings) -> tuple[str, ...]:
    """Every region the environment's AWS stacks deploy to (each needs `cdk bootstrap`), in a stable order."""
    recovery = (settings.aws.recovery_region,) if has_recovery_stack(settings) else ()
    return tuple(dict.fromkeys((settings.aws.region, AWS_EDGE_REGION, *recovery)))


# Components deployed to the edge region rather than the settings' region.
AWS_EDGE_COMPONENTS = ("edge", "edge-observability")


def aws_stack_regions(settings: Settings) -> dict[str, str]:
    """Each AWS stack's name and the region it deploys to."""
    regions = dict.fromkeys(AWS_EDGE_COMPONENTS, AWS_EDGE_REGION)
    regions[AWS_RECOVERY_COMPONENT] = regions[AWS_STANDBY_COMPONENT] = settings.aws.recovery_region
    return {settings.name(part): regions.get(part, settings.aws.region) for part in aws_components(settings)}


def aws_stack_names(settings: Settings) -> list[str]:
    return [settings.name(component) for component in aws_components(settings)]


def gcp_stack_name(settings: Settings, component: str) -> str:
    return settings.name(f"gcp-{component}")


def gcp_stack_names(settings: Settings) -> list[str]:
    return [gcp_stack_name(settings, component) for component in GCP_COMPONENTS]
