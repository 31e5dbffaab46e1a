"""First deployment: every cross-stack reference of the synthesized output points at something an earlier step of
the documented order (shared/first_deployment.py, rendered into docs/deployment-guide.md) creates."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, load_settings
from shared.first_deployment import Needs, Step, aws_first_deployment, gcp_first_deployment
from shared.stacks import aws_stack_names, gcp_stack_names
from tests.references import aws_needs, aws_output_references, aws_produced, gcp_needs, gcp_produced, unmet


def aws_check(templates: dict[str, dict], environment: str) -> tuple[list[str], dict[str, set[str]]]:
    settings = load_settings(environment)
    names = aws_stack_names(settings)
    produced = {name: aws_produced(settings, name, templates[name]) for name in names}
    needs = {name: aws_needs(settings, name, templates[name]) for name in names}
    return unmet(aws_first_deployment(settings), produced, needs), needs


def gcp_check(documents: dict[str, dict], environment: str) -> tuple[list[str], dict[str, set[str]]]:
    settings = load_settings(environment)
    names = gcp_stack_names(settings)
    produced = {name: gcp_produced(settings, documents[name]) for name in names}
    known = set().union(*produced.values())
    needs = {name: gcp_needs(settings, documents[name], known) for name in names}
    return unmet(gcp_first_deployment(settings), produced, needs), needs


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_component_is_deployed_once_in_the_tables_order(environment):
    settings = load_settings(environment)
    assert [s.stack for s in aws_first_deployment(settings) if s.stack] == aws_stack_names(settings)
    assert [s.stack for s in gcp_first_deployment(settings) if s.stack] == gcp_stack_names(settings)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_aws_references_point_at_earlier_steps(aws, environment):
    problems, needs = aws_check(aws.templates, environment)
    assert not problems, problems
    # The check saw the references that matter: stack outputs, a parameter read by name, secrets, the hosted zone.
    settings = load_settings(environment)
    seen = set().union(*needs.values())
    assert Needs.aws_stack(settings.name("network")) in seen
    assert any(key.startswith("aws-ssm:") and "/release/" in key for key in seen)
    assert any(key.startswith("aws-secret:") and "pagerduty" in key for key in seen)
    assert Needs.aws_hosted_zone(settings.aws.hosted_zone_id) in seen
    # Every weak reference names an output its producer really has.
    for name in aws_stack_names(settings):
        for producer, output in aws_output_references(aws.templates[name]):
            assert output in aws.templates[producer].get("Outputs", {}), (name, producer, output)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_gcp_references_point_at_earlier_steps(gcp_stacks, environment):
    problems, needs = gcp_check(gcp_stacks, environment)
    assert not problems, problems
    settings = load_settings(environment)
    seen = set().union(*needs.values())
    assert Needs.gcp_name(settings.name("vpc")) in seen  # the network, by its path
    assert Needs.gcp_name(settings.name("redis")) in seen  # the cache, by a data source
    assert any(key.startswith("gcp-secret:") and "pagerduty" in key for key in seen)
    assert any(key.startswith("gcp-image:") for key in seen)
    assert any(key.startswith("gcp-dns-zone:") for key in seen)


def test_the_check_fails_when_a_stack_reads_what_comes_later():
    steps = [Step("operator", creates=frozenset({"zone"})), Step("a", stack="a"), Step("b", stack="b")]
    produced = {"a": {"a-thing"}, "b": {"b-thing"}}
    assert unmet(steps, produced, {"a": {"zone"}, "b": {"a-thing"}}) == []
    assert unmet(steps, produced, {"a": {"b-thing"}, "b": set()}) == ["a: b-thing"]
    assert unmet(steps, produced, {"a": {"secret"}, "b": set()}) == ["a: secret"]


def test_the_check_fails_on_a_gcp_name_no_earlier_stack_creates(gcp_stacks):
    """Moving the app stack before data must fail on the names the app reads from data."""
    settings = load_settings("dev")
    names = gcp_stack_names(settings)
    produced = {name: gcp_produced(settings, gcp_stacks[name]) for name in names}
    needs = {name: gcp_needs(settings, gcp_stacks[name], set().union(*produced.values())) for name in names}
    steps = gcp_first_deployment(settings)
    data = next(index for index, step in enumerate(steps) if step.stack == settings.name("gcp-data"))
    app = next(index for index, step in enumerate(steps) if step.stack == settings.name("gcp-app"))
    steps[data], steps[app] = steps[app], steps[data]
    problems = unmet(steps, produced, needs)
    assert any(problem.startswith(settings.name("gcp-app")) for problem in problems)


def test_the_guide_holds_the_generated_order():
    from reports import deployment_order

    assert deployment_order.main(["--check"]) == 0, "run: make docs"


def test_the_generator_notices_a_stale_guide(tmp_path, monkeypatch):
    from reports import deployment_order

    stale = tmp_path / "guide.md"
    stale.write_text(f"intro\n{deployment_order.BEGIN}\n1. old order\n{deployment_order.END}\nafter\n")
    monkeypatch.setattr(deployment_order, "GUIDE", stale)
    assert deployment_order.main(["--check"]) == 1
    assert deployment_order.main([]) == 0
    assert deployment_order.main(["--check"]) == 0
    assert stale.read_text().startswith("intro\n") and stale.read_text().endswith("\nafter\n")
