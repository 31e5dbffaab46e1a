"""What each synthesized stack reads from outside itself, and what it creates, as `shared.first_deployment.Needs`
keys: the first-deployment check compares them step by step (tests/test_first_deployment.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from shared.first_deployment import Needs, Step
from shared.settings import Settings
from shared.stacks import aws_stack_regions

RESOLVE = re.compile(r"\{\{resolve:(ssm|secretsmanager):([^:}]+)")
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value"


def strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def walk(value, key: str = "") -> Iterator[tuple[str, object]]:
    """Every (key, value) pair, at any depth."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield name, item
            yield from walk(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)


# AWS ---------------------------------------------------------------------------------------------------------------


def aws_region(settings: Settings, stack_name: str) -> str:
    return aws_stack_regions(settings).get(stack_name, settings.aws.region)


def aws_produced(settings: Settings, name: str, template: dict) -> set[str]:
    region = aws_region(settings, name)
    made = {Needs.aws_stack(name)}
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::SSM::Parameter" and isinstance(properties.get("Name"), str):
            made.add(Needs.aws_parameter(region, properties["Name"]))
        if resource["Type"] == "AWS::SecretsManager::Secret" and isinstance(properties.get("Name"), str):
            replicas = [replica["Region"] for replica in properties.get("ReplicaRegions", [])]
            made |= {Needs.aws_secret(where, properties["Name"]) for where in (region, *replicas)}
    return made


def aws_needs(settings: Settings, name: str, template: dict) -> set[str]:
    region = aws_region(settings, name)
    needs = set()
    for key, value in walk(template.get("Resources", {})):
        if key == "Fn::GetStackOutput":
            needs.add(Needs.aws_stack(value["StackName"]))
        elif key == "HostedZoneId" and isinstance(value, str):
            needs.add(Needs.aws_hosted_zone(value))
    for text in strings(template.get("Resources", {})):
        for kind, target in RESOLVE.findall(text):
            needs.add(Needs.aws_parameter(region, target) if kind == "ssm" else Needs.aws_secret(region, target))
    for parameter in template.get("Parameters", {}).values():
        if parameter.get("Type", "").startswith(SSM_PARAMETER_TYPE):
            needs.add(Needs.aws_parameter(region, parameter["Default"]))
    return needs - {Needs.aws_stack(name)}


def aws_output_references(template: dict) -> Iterator[tuple[str, str]]:
    """(producer stack, output name) of every weak cross-stack reference."""
    for key, value in walk(template.get("Resources", {})):
        if key == "Fn::GetStackOutput":
            yield value["StackName"], value["OutputName"]


# GCP ---------------------------------------------------------------------------------------------------------------

# Arguments that name the resource itself; other stacks refer to it by this name (or a path or e-mail holding it).
NAMING_ARGUMENTS = ("name", "instance_id", "secret_id", "account_id", "repository_id", "workload_identity_pool_id")


def gcp_produced(settings: Settings, terraform: dict) -> set[str]:
    made = set()
    for resource_type, bodies in terraform.get("resource", {}).items():
        for body in bodies.values():
            for argument in NAMING_ARGUMENTS:
                value = body.get(argument)
                if isinstance(value, str) and "${" not in value and value.startswith(f"{settings.prefix}-"):
                    made.add(Needs.gcp_name(value))
                    if resource_type == "google_secret_manager_secret":
                        made.add(Needs.gcp_secret(value))
    return made


def gcp_needs(settings: Settings, terraform: dict, known_names: set[str]) -> set[str]:
    """What the stack reads: names other stacks create (found in any argument, bounded as a whole name), secrets
    read by id, the DNS zone, the images, the project."""
    blocks = {block: terraform.get(block, {}) for block in ("resource", "data", "ephemeral")}
    own = gcp_produced(settings, terraform)
    names = sorted((key.removeprefix("gcp-name:") for key in known_names - own), key=len, reverse=True)
    needs = set()
    if names:
        pattern = re.compile(r"(?<![A-Za-z0-9_-])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_-])")
        for text in strings(blocks):
            needs |= {Needs.gcp_name(found) for found in pattern.findall(text)}
    for block in ("data", "ephemeral"):
        for body in blocks[block].get("google_secret_manager_secret_version", {}).values():
            needs.add(Needs.gcp_secret(body["secret"]))
        for body in blocks[block].get("google_project", {}).values():
            needs.add(Needs.gcp_project(body["project_id"]))
    for body in blocks["resource"].get("google_dns_record_set", {}).values():
        needs.add(Needs.gcp_dns_zone(body.get("project", settings.gcp.project_id), body["managed_zone"]))
    for body in blocks["resource"].get("google_cloud_run_v2_service", {}).values():
        needs |= {Needs.gcp_image(container["image"]) for container in body["template"]["containers"]}
    return needs


# Both --------------------------------------------------------------------------------------------------------------


def unmet(steps: list[Step], produced: dict[str, set[str]], needs: dict[str, set[str]]) -> list[str]:
    """Each need no earlier step (nor the stack itself) creates, as `stack: key`."""
    available: set[str] = set()
    problems = []
    for step in steps:
        if step.stack is None:
            available |= step.creates
            continue
        if step.stack not in produced:  # a step this environment does not have (settings turn it off)
            continue
        problems += [f"{step.stack}: {key}" for key in sorted(needs[step.stack] - available - produced[step.stack])]
        available |= produced[step.stack]
    return problems


def describe(needs: dict[str, set[str]]) -> str:
    return json.dumps({stack: sorted(keys) for stack, keys in needs.items()}, indent=1)
