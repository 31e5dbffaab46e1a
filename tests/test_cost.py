"""The cost report: every synthesized billable type has a price (or a reason to be free), every price its source.

Each test takes one session fixture at most, so it runs on that cloud's xdist worker and synthesizes nothing more.
"""

from __future__ import annotations

import pytest

from reports.cost import AWS_RULES, COMPONENTS, GCP_RULES, aws_lines, gcp_lines, totals, unpriced
from reports.outputs import of_environment
from reports.prices import AWS_FREE, AWS_OPTIONAL, AWS_PRICES, GCP_FREE, GCP_OPTIONAL, GCP_PRICES
from reports.usage import USAGE, UsageAssumptions, usage
from shared import ENVIRONMENTS, SettingsError, load_settings, replace_fields
from tests.synth import ROOT

ALL = list(ENVIRONMENTS)
# What an environment cannot run without: an estimate missing one of these has lost a resource.
ESSENTIAL = ("compute", "database", "cache", "load balancing", "networking", "security")


def test_every_synthesized_aws_type_has_a_price_or_a_reason(aws):
    assert unpriced(aws.templates, {}) == []


def test_every_synthesized_gcp_type_has_a_price_or_a_reason(gcp_stacks):
    assert unpriced({}, gcp_stacks) == []


def test_an_unknown_type_is_reported():
    aws = {"s": {"Resources": {"Graph": {"Type": "AWS::Neptune::DBCluster"}, "Vpc": {"Type": "AWS::EC2::VPC"}}}}
    gcp = {"s": {"resource": {"google_alloydb_cluster": {"c": {}}, "google_compute_network": {"n": {}}}}}
    assert unpriced(aws, gcp) == ["AWS::Neptune::DBCluster", "google_alloydb_cluster"]


def test_a_type_is_either_priced_or_free_never_both():
    assert set(AWS_RULES) & set(AWS_FREE) == set()
    assert set(GCP_RULES) & set(GCP_FREE) == set()
    assert all(reason.strip() for reason in {**AWS_FREE, **GCP_FREE}.values())


def test_every_price_names_its_page_and_date():
    for name, price in {**AWS_PRICES, **GCP_PRICES}.items():
        assert price.source.startswith("https://"), name
        assert price.as_of and price.unit and price.usd >= 0, name


@pytest.mark.parametrize("environment", ALL)
def test_aws_estimate_covers_every_essential_component(aws, environment):
    settings = load_settings(environment)
    found = totals(aws_lines(of_environment(aws.templates, settings), settings, usage(environment)))
    assert set(found) == set(COMPONENTS)
    assert [c for c in ESSENTIAL if found[c] <= 0] == []


@pytest.mark.parametrize("environment", ALL)
def test_gcp_estimate_covers_every_essential_component(gcp_stacks, environment):
    settings = load_settings(environment)
    found = totals(gcp_lines(of_environment(gcp_stacks, settings), settings, usage(environment)))
    assert [c for c in ESSENTIAL if found[c] <= 0] == []


def test_production_costs_more_than_dev_on_aws(aws):
    def total(environment):
        settings = load_settings(environment)
        return sum(totals(aws_lines(of_environment(aws.templates, settings), settings, usage(environment))).values())

    assert total("dev") < total("staging") < total("production")


def test_every_environment_states_its_usage():
    assert set(USAGE) == set(ENVIRONMENTS)
    for environment in ENVIRONMENTS:
        assert isinstance(usage(environment), UsageAssumptions)


def test_bad_usage_is_refused_naming_the_field(monkeypatch):
    from dataclasses import replace

    monkeypatch.setitem(USAGE, "dev", replace(USAGE["dev"], static_egress_share=1.5))
    with pytest.raises(SettingsError, match="static_egress_share"):
        usage("dev")


def _readme_estimates() -> dict[str, tuple[str, str]]:
    """environment -> (AWS, GCP) as the README's Cost table shows them."""
    section = (ROOT / "README.md").read_text().split("\n## Cost\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] in ENVIRONMENTS:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


@pytest.mark.parametrize("environment", ALL)
def test_readme_shows_the_aws_estimate(aws, environment):
    settings = load_settings(environment)
    total = sum(totals(aws_lines(of_environment(aws.templates, settings), settings, usage(environment))).values())
    assert _readme_estimates()[environment][0] == f"${total:,.0f}", "the README's Cost table is stale: run `make docs`"


@pytest.mark.parametrize("environment", ALL)
def test_readme_shows_the_gcp_estimate(gcp_stacks, environment):
    settings = load_settings(environment)
    total = sum(totals(gcp_lines(of_environment(gcp_stacks, settings), settings, usage(environment))).values())
    assert _readme_estimates()[environment][1] == f"${total:,.0f}", "the README's Cost table is stale: run `make docs`"


def test_every_aws_rule_and_free_entry_names_a_synthesized_type(aws):
    """No rule is kept alive for a resource the platform never creates: add it with the resource."""
    synthesized = {resource["Type"] for t in aws.templates.values() for resource in t.get("Resources", {}).values()}
    assert sorted((set(AWS_RULES) | set(AWS_FREE)) - synthesized - set(AWS_OPTIONAL)) == []


def test_every_optional_type_names_settings_that_exist():
    for resource_type, fields in {**AWS_OPTIONAL, **GCP_OPTIONAL}.items():
        for dotted in fields.split(" and "):
            section, name = dotted.split(".")
            assert hasattr(getattr(load_settings("dev"), section), name), (resource_type, dotted)


def test_every_gcp_rule_and_free_entry_names_a_synthesized_type(gcp_stacks):
    synthesized = {kind for document in gcp_stacks.values() for kind in document.get("resource", {})}
    assert sorted((set(GCP_RULES) | set(GCP_FREE)) - synthesized - set(GCP_OPTIONAL)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_recovery_strategy_is_priced_and_dearer_as_it_stands_by_more(environment):
    from reports.cost import standby_costs, standby_line
    from reports.usage import usage
    from shared.recovery import STRATEGIES

    settings = load_settings(environment)
    costs = standby_costs(settings, usage(environment))
    assert list(costs) == list(STRATEGIES)
    assert costs["none"] == 0 <= costs["backup_restore"] < costs["pilot_light"] < costs["warm_standby"]
    assert f"{settings.recovery.strategy} $" in standby_line(settings, usage(environment))
    assert "(chosen)" in standby_line(settings, usage(environment))


def test_the_standby_prices_its_cache_and_regional_web_acl_as_built():
    from aws_stacks.firewall import MANAGED_RULE_GROUPS, REGIONAL
    from reports.cost import REGIONAL_WAF_RULES, standby_costs
    from reports.usage import usage

    assert len(MANAGED_RULE_GROUPS[REGIONAL]) == REGIONAL_WAF_RULES
    settings = load_settings("production")
    bigger = replace_fields(settings, {"recovery.aws_standby_cache_node_type": "cache.r6g.xlarge"})
    delta = (
        standby_costs(bigger, usage("production"))["pilot_light"]
        - standby_costs(settings, usage("production"))["pilot_light"]
    )
    assert delta > 0  # the cache's node type is priced, per node
