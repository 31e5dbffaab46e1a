"""Each environment's whole Settings, pinned: reshaping shared/environments.py (a base plus each environment's
differences) must not change one value. The fixture was recorded from the definitions before that reshaping;
an intended change of a value re-records it (the diff then shows exactly what changed)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from shared.environments import DEFINITIONS

FIXTURE = Path(__file__).parent / "fixtures" / "environment_values.json"


def as_data(value: object) -> object:
    """Plain JSON-able data of a settings value: dataclasses by field, mappings sorted, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: as_data(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): as_data(item) for key, item in sorted(value.items())}
    if isinstance(value, (frozenset, set)):
        return sorted(as_data(item) for item in value)
    if isinstance(value, (tuple, list)):
        return [as_data(item) for item in value]
    return value


def recorded() -> dict[str, object]:
    return json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}


def current() -> dict[str, object]:
    return {name: as_data(define()) for name, define in DEFINITIONS.items()}


@pytest.mark.parametrize("environment", sorted(recorded()))
def test_each_recorded_environment_holds_exactly_its_recorded_values(environment):
    # An environment added later is not pinned here (it has no "before"); one removed fails by name.
    assert environment in DEFINITIONS, f"{environment} was recorded but is no longer defined"
    assert as_data(DEFINITIONS[environment]()) == recorded()[environment]


if __name__ == "__main__":  # re-record after an intended change: python -m tests.shared.test_environment_values
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
