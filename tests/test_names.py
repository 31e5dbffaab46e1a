"""Deterministic names are built in one module per cloud (aws_stacks/names.py, gcp_stacks/names.py), and the names
both clouds, the operator commands and the reports share in shared/names.py. Read with ast: nothing is imported."""

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


PACKAGES = ("aws_stacks", "gcp_stacks", "shared")


def builders_outside_names(root=ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).glob("*.py")):
            if path.name == "names.py":
                continue
            for node in ast.parse(path.read_text()).body:
                qualified = f"{package}.{path.stem}.{getattr(node, 'name', '')}"
                builder = isinstance(node, ast.FunctionDef) and BUILDER.search(node.name) and node.name[0] != "_"
                if builder and qualified not in NOT_BUILDERS:
                    found.append(qualified)
    return found


def test_names_are_built_in_one_module_per_cloud():
    assert builders_outside_names() == [], "move these into the cloud's names.py (cross-cloud: shared/names.py)"


def test_a_builder_outside_names_is_found(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "names.py").write_text("def bucket_name(settings):\n    return settings.name('b')\n")
    (tmp_path / "shared" / "release.py").write_text(
        "def tag_parameter_name(settings, image):\n    return image\n\n\ndef _private_name():\n    return ''\n"
    )
    assert builders_outside_names(tmp_path) == ["shared.release.tag_parameter_name"]


def test_the_exemptions_still_exist():
    for qualified in NOT_BUILDERS:
        package, module, name = qualified.split(".")
        tree = ast.parse((ROOT / package / f"{module}.py").read_text())
        assert any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body), qualified


def _imported(path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_names_modules_import_no_other_module_of_their_package():
    """names.py sits below every stack module, so any of them can import it without a circle."""
    for package in ("aws_stacks", "gcp_stacks"):
        imported = _imported(ROOT / package / "names.py")
        assert {module for module in imported if module.startswith(f"{package}.")} == set(), package


def test_shared_names_sit_just_above_the_settings():
    """shared/names.py reads only the settings, so every shared module (delivery, release, stacks) can use it."""
    assert {module for module in _imported(ROOT / "shared" / "names.py") if module.startswith("shared")} == {
        "shared.settings"
    }
