"""Names both clouds, the operator commands and the reports build the same way, from an environment's settings.

Every name starts from `Settings.prefix` (`bookedbarber-<env>`, and `Settings.name(component)` =
`bookedbarber-<env>-<component>`) or `Settings.path` (`bookedbarber/<env>/...`, hierarchical names). The names
here are the ones more than one package needs without jsii: the services of the contract, the GitHub trust's
identities, the released-tag parameters and image repositories, the stacks of GCP and the drills. Each cloud's own
names live in aws_stacks/names.py and gcp_stacks/names.py, which build on these (tests/test_names.py keeps every
name builder in one of the three).
"""

from __future__ import annotations

import re

from shared.settings import Settings

# GCP service account ids are 6-30 characters and `bookedbarber-production-` leaves 6: "release" becomes "ship".
GCP_ACCOUNT_SUFFIXES = {"deploy": "deploy", "plan": "plan", "release": "ship", "drift": "drift", "drill": "drill"}


def service_name(settings: Settings, service: str) -> str:
    """`bookedbarber-<env>-api`: the ECS service and the Cloud Run service of one service of the contract."""
    return settings.name(service)


def secret_manager_id(name: str) -> str:
    """GCP Secret Manager ids allow letters, digits, - and _: `bookedbarber/dev/x` -> `bookedbarber-dev-x`.

    The settings name secrets the AWS way (hierarchical); both the GCP stacks and ops/setup_secrets.py derive
    the GCP id through this one function.
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


# The GitHub Actions trust (shared/delivery.py builds the subjects; both delivery stacks create these identities).


def aws_role_name(settings: Settings, kind: str) -> str:
    """diff, deploy, release or drift."""
    return settings.name(f"github-{kind}")


def aws_role_arn(settings: Settings, kind: str) -> str:
    return f"arn:aws:iam::{settings.aws.account_id}:role/{aws_role_name(settings, kind)}"


def aws_execution_policy_name(settings: Settings) -> str:
    """The policy `cdk bootstrap --cloudformation-execution-policies` gives CloudFormation (delivery stack)."""
    return settings.name("cdk-execution")


def aws_boundary_name(settings: Settings) -> str:
    """The permissions boundary of every role the platform creates, and of the bootstrap's execution role."""
    return settings.name("cdk-boundary")


def aws_release_execution_role_name(settings: Settings) -> str:
    """The role CloudFormation acts as when a release updates the compute stack: task definitions and services."""
    return settings.name("release-execution")


def ecs_load_balancers_role_name(settings: Settings) -> str:
    """The role ECS shifts listener rules with during blue/green (compute stack); a release may pass only it to ECS."""
    return settings.name("ecs-load-balancers")


def gcp_account_id(settings: Settings, kind: str) -> str:
    """plan, deploy, release, drift or drill."""
    return settings.name(GCP_ACCOUNT_SUFFIXES[kind])


def gcp_pool_id(settings: Settings) -> str:
    return settings.name("github")


# Releases (shared/release.py): where the released tags live and where the images are pushed.


def release_path(settings: Settings) -> str:
    """`/bookedbarber/<env>/release`: the Parameter Store path under which every released tag lives."""
    return "/" + settings.path("release")


def tag_parameter_name(settings: Settings, image: str) -> str:
    """`/bookedbarber/<env>/release/<image>/image-tag`: the Parameter Store parameter a release writes."""
    return f"{release_path(settings)}/{image}/image-tag"


def aws_repository_name(settings: Settings, image: str) -> str:
    return settings.name(image)


def gcp_repository_id(settings: Settings) -> str:
    return settings.name("containers")


# Stacks (shared/stacks.py lists them) and drills (shared/recovery_names.py).


def gcp_stack_name(settings: Settings, component: str) -> str:
    return settings.name(f"gcp-{component}")


def drill_name(settings: Settings, drill: str) -> str:
    """`bookedbarber-<env>-drill-<drill>`: each AWS FIS drill's `Name` tag."""
    return settings.name(f"drill-{drill}")
