"""Deterministic names are built in one module per cloud (aws_stacks/names.py, gcp_stacks/names.py); cross-cloud
names in shared/ (shared.stacks, shared.delivery, shared.release). Read with ast: nothing is imported."""

from __future__ import annotations

import ast
import re

from tests.synth import ROOT

# Builds one resource's name, ARN or id: a function named so belongs in names.py.
BUILDER = re.compile(r"_(name|arn|id)$")
NOT_BUILDERS = {
    "aws_stacks.nag.rule_id": "a cdk-nag rule id, not a resource's name",
    "aws_stacks.delivery.acknowledge_stack_arn": "acknowledges a finding on a stack ARN; builds no name",
}


def builders_outside_names() -> list[str]:
    found = []
    for package in ("aws_stacks", "gcp_stacks"):
        for path in sorted((ROOT / package).glob("*.py")):
            if path.name == "names.py":
                continue
            for node in ast.parse(path.read_text()).body:
                qualified = f"{package}.{path.stem}.{getattr(node, 'name', '')}"
                builder = isinstance(node, ast.FunctionDef) and BUILDER.search(node.name) and node.name[0] != "_"
                if builder and qualified not in NOT_BUILDERS:
                    found.append(qualified)
    return found


def test_names_are_built_in_one_module_per_cloud():
    assert builders_outside_names() == [], "move these into the cloud's names.py"


def test_the_exemptions_still_exist():
    for qualified in NOT_BUILDERS:
        package, module, name = qualified.split(".")
        tree = ast.parse((ROOT / package / f"{module}.py").read_text())
        assert any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body), qualified


def test_names_modules_import_no_other_module_of_their_package():
    """names.py sits below every stack module, so any of them can import it without a circle."""
    for package in ("aws_stacks", "gcp_stacks"):
        tree = ast.parse((ROOT / package / "names.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert {module for module in imported if module.startswith(f"{package}.")} == set(), package
