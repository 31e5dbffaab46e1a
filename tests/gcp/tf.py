"""Small readers for Terraform JSON, so assertions say what they check rather than how to dig."""

from __future__ import annotations

from shared import ENVIRONMENTS, load_settings
from shared.names import gcp_stack_name as stack_name


def stack(gcp_stacks: dict[str, dict], environment: str, component: str) -> dict:
    return gcp_stacks[stack_name(load_settings(environment), component)]


def resources(terraform: dict, resource_type: str) -> list[dict]:
    return list(terraform.get("resource", {}).get(resource_type, {}).values())


def one(terraform: dict, resource_type: str, **match) -> dict:
    """The single resource of `resource_type` whose top-level fields equal `match`."""
    found = [r for r in resources(terraform, resource_type) if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one {resource_type} matching {match}, found {len(found)}"
    return found[0]


def by_name(terraform: dict, resource_type: str) -> dict[str, dict]:
    return {r["name"]: r for r in resources(terraform, resource_type)}


def reference(terraform: dict, resource_type: str, attribute: str, **match) -> str:
    """The `${type.logical_id.attribute}` expression that points at the matching resource."""
    for logical_id, body in terraform["resource"][resource_type].items():
        if all(body.get(k) == v for k, v in match.items()):
            return f"${{{resource_type}.{logical_id}.{attribute}}}"
    raise AssertionError(f"no {resource_type} matching {match}")


ALL = list(ENVIRONMENTS)
