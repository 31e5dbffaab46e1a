"""Every settings field declares where it reaches (shared/reach.py); `make reach` proves each row by synthesis."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, SettingsError, load_settings, reach
from shared.environments import DEFINITIONS
from shared.reach import NOT_YET_READ, REACH, Where, apply, leaf_fields, variant, variants


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_field_of_every_section_is_classified(environment):
    fields = leaf_fields(load_settings(environment, environ={}))
    assert sorted(set(fields) - set(REACH)) == [], "classify these in shared/reach.py REACH"
    assert sorted(set(REACH) - set(fields)) == [], "REACH names fields the settings no longer have"


def test_a_new_field_is_caught(monkeypatch):
    """The classification test fails on a field without a row: shown with a field taken away from the table."""
    monkeypatch.delitem(REACH, "edge.cdn_max_ttl_seconds")
    assert set(leaf_fields(load_settings("dev", environ={}))) - set(REACH) == {"edge.cdn_max_ttl_seconds"}


def test_every_one_cloud_or_tooling_row_says_why():
    for field, row in REACH.items():
        if row.where is not Where.BOTH:
            assert len(row.why) > 20, f"{field}: say why it reaches {row.where.value}"
        if row.where is Where.TOOLING:
            assert row.readers, f"{field}: name the module that reads it"


def test_no_field_is_left_unread():
    assert NOT_YET_READ == ()


def test_every_field_has_another_valid_value():
    found = variants()
    assert [v.field for v in found] == leaf_fields(DEFINITIONS["production"]())
    for item in found:
        apply(item)  # raises SettingsError when the value no longer validates
        assert item.field in item.changes


def test_a_field_without_another_valid_value_is_reported(monkeypatch):
    """A text field without a special value has no generic alternative: the table must give one."""
    monkeypatch.delitem(reach.SPECIAL, "domain.zone_name")
    with pytest.raises(LookupError, match=r"domain\.zone_name: no other valid value found"):
        variant("domain.zone_name", DEFINITIONS)


def test_an_invalid_special_value_fails_validation():
    from shared.reach import Variant

    with pytest.raises(SettingsError):
        apply(Variant("cache.aws_nodes", "staging", {"cache.high_availability": False}))


def test_the_readme_and_the_settings_reference_show_the_table():
    """README "Where the clouds differ" and docs/settings.md are generated from REACH: run `make docs` when stale."""
    from reports import reach_table

    assert reach_table.main(["--check"]) == 0, "README.md or docs/settings.md is stale: run make docs"
    assert "| `resilience.rpo_minutes` |" in reach_table.settings_doc()
    assert "the targets the recovery strategy's arithmetic must meet" in reach_table.settings_doc()
