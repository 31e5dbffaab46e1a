"""Small readers over synthesized CloudFormation templates, for the property tests."""

from __future__ import annotations

from collections.abc import Iterator

from aws_cdk.assertions import Template

from shared import Settings


def template(aws, settings: Settings, component: str) -> Template:
    return Template.from_json(aws.templates[settings.name(component)])


def resources(aws, settings: Settings, component: str, resource_type: str) -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in aws.templates[settings.name(component)]["Resources"].items()
        if resource["Type"] == resource_type
    }


def only(found: dict[str, dict]) -> dict:
    assert len(found) == 1, f"expected one resource, found {sorted(found)}"
    return next(iter(found.values()))


def walk(node, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Every (path, value) pair of a JSON document, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))
