"""Builds the GCP platform: one set of stacks per environment, all from shared settings."""

from __future__ import annotations

from cdktf import App, TerraformStack

from gcp_stacks.network import NetworkStack
from shared import Settings, load_all

# Stack name suffixes; every stack is `bookedbarber-<env>-gcp-<component>`.
COMPONENTS = ("network",)


def stack_names(environment: str) -> list[str]:
    return [f"bookedbarber-{environment}-gcp-{component}" for component in COMPONENTS]


def add_environment(app: App, settings: Settings) -> list[TerraformStack]:
    network = NetworkStack(app, settings.name("gcp-network"), settings=settings)
    return [network]


def build_platform(app: App) -> list[TerraformStack]:
    return [stack for settings in load_all().values() for stack in add_environment(app, settings)]
