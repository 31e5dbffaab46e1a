"""The table of components (shared/stacks.py): what both platforms build, in its order, with its dependencies, and
what the deploy wrapper and the README read, without jsii.

Each test takes one session fixture at most, so it runs on that cloud's xdist worker and synthesizes nothing more.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys

import pytest

from reports import components as report
from reports.readme_sections import README, section
from shared import ENVIRONMENTS, load_settings
from shared.stacks import (
    TABLES,
    aws_stack_names,
    aws_stack_regions,
    dependencies,
    gcp_stack_names,
    stack_description,
)
from shared.stacks import components as rows
from tests.synth import ROOT

# CloudFormation's limit on a template's Description, in bytes (template-description-structure.html).
DESCRIPTION_LIMIT = 1024


def test_the_table_and_its_readers_import_without_jsii():
    code = (
        "import sys, shared.stacks, ops.deploy, reports.components\n"
        "shared.stacks.docstring_summary('aws_stacks.data:DataStack')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'jsii', 'aws_cdk', 'cdktn', 'constructs'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("cloud", sorted(TABLES))
def test_each_row_comes_after_rows_before_it(cloud):
    seen: set[str] = set()
    for component in TABLES[cloud]:
        assert component.name not in seen, component.name
        assert set(component.after) <= seen, f"{component.name} comes after {component.after}, not all earlier rows"
        seen.add(component.name)


@pytest.mark.parametrize("cloud", sorted(TABLES))
def test_every_stack_class_says_what_it_is(cloud):
    for component in TABLES[cloud]:
        summary = component.summary()
        assert summary and summary.endswith("."), component.stack_class
        assert len(stack_description(load_settings("production"), component).encode()) <= DESCRIPTION_LIMIT


def test_a_loaded_class_gives_the_summary_its_source_gives(monkeypatch):
    """The apps read each summary from the class they imported; readers without jsii parse the source instead."""
    import importlib

    from shared.stacks import docstring_summary

    for component in TABLES["aws"]:
        module = component.stack_class.split(":")[0]
        importlib.import_module(module)
        loaded = docstring_summary.__wrapped__(component.stack_class)
        with monkeypatch.context() as patch:
            patch.delitem(sys.modules, module)
            assert docstring_summary.__wrapped__(component.stack_class) == loaded, component.stack_class


def test_a_missing_class_is_named():
    from shared.stacks import docstring_summary

    with pytest.raises(LookupError, match=r"aws_stacks\.data:NoSuchStack"):
        docstring_summary("aws_stacks.data:NoSuchStack")


def test_readme_component_tables_are_current():
    text = README.read_text()
    for cloud in report.CLOUDS:
        assert section(text, report.section_name(cloud)) == report.table(cloud), (
            "the README's component tables are stale: run `make docs` (or `python -m reports.components`)"
        )


@pytest.mark.parametrize("cloud", sorted(TABLES))
def test_readme_detail_tables_list_the_same_stacks_in_order(cloud):
    """The hand-written "what each stack holds" table of each cloud follows the generated one."""
    heading = {"aws": "\n## AWS\n", "gcp": "\n## GCP\n"}[cloud]
    part = README.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    detail = part.split(f"<!-- /generated:{report.section_name(cloud)} -->", 1)[1].split("| stack | what it holds |")[1]
    listed = re.findall(r"^\| `bookedbarber-<env>-([a-z-]+)` \|", detail.split("\n\n", 1)[0], re.M)
    prefix = "gcp-" if cloud == "gcp" else ""
    assert listed == [f"{prefix}{component.name}" for component in TABLES[cloud]]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_aws_app_builds_the_table(aws, environment):
    settings = load_settings(environment)
    built = [name for name in aws.templates if name.startswith(f"{settings.name('')}")]
    assert built == aws_stack_names(settings)
    manifest = json.loads((aws.directory / "manifest.json").read_text())["artifacts"]
    expected = {settings.name(later): set() for later in (c.name for c in rows("aws", settings))}
    for later, earlier in dependencies("aws", settings):
        expected[settings.name(later)].add(settings.name(earlier))
    for name, region in aws_stack_regions(settings).items():
        found = {d for d in manifest[name].get("dependencies", []) if not d.endswith(".assets")}
        assert found == expected[name], name
        assert manifest[name]["environment"] == f"aws://{settings.aws.account_id}/{region}"
    for component in rows("aws", settings):
        template = aws.templates[settings.name(component.name)]
        assert template["Description"] == stack_description(settings, component)


def test_aws_rows_resolve_to_the_classes_they_name(aws):
    for component in TABLES["aws"]:
        cls = component.resolve()
        assert f"{cls.__module__}:{cls.__name__}" == component.stack_class
        assert " ".join(inspect.getdoc(cls).split("\n\n")[0].split()) == component.summary()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_gcp_app_builds_the_table(gcp_stacks, gcp_outdir, environment):
    settings = load_settings(environment)
    built = [name for name in gcp_stacks if name.startswith(settings.name("gcp-"))]
    assert built == gcp_stack_names(settings)
    manifest = json.loads((gcp_outdir / "manifest.json").read_text())["stacks"]
    expected = {name: set() for name in built}
    for later, earlier in dependencies("gcp", settings):
        expected[settings.name(f"gcp-{later}")].add(settings.name(f"gcp-{earlier}"))
    assert {name: set(manifest[name]["dependencies"]) for name in built} == expected


def test_gcp_rows_resolve_to_the_classes_they_name(gcp_stacks):
    for component in TABLES["gcp"]:
        cls = component.resolve()
        assert f"{cls.__module__}:{cls.__name__}" == component.stack_class
        assert " ".join(inspect.getdoc(cls).split("\n\n")[0].split()) == component.summary()
