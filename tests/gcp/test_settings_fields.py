"""The settings fields the GCP stacks added (resilience.key_rotation_days, secret_rotation_days) validate."""

from __future__ import annotations

import pytest

from shared import SettingsError, load_settings, replace_field


@pytest.mark.parametrize(("field", "value"), [("key_rotation_days", 90), ("secret_rotation_days", 1)])
def test_the_smallest_accepted_value_passes(field, value):
    assert getattr(replace_field(load_settings("dev"), f"resilience.{field}", value).resilience, field) == value


@pytest.mark.parametrize(
    ("field", "value"), [("key_rotation_days", 30), ("key_rotation_days", 3000), ("secret_rotation_days", 0)]
)
def test_out_of_range_values_name_the_field(field, value):
    with pytest.raises(SettingsError, match=f"resilience.{field}"):
        replace_field(load_settings("dev"), f"resilience.{field}", value)
