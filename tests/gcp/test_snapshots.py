"""One snapshot per GCP stack per environment. Update with `make snapshot-update`."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, load_settings
from shared.stacks import gcp_stack_names

STACKS = [name for environment in ENVIRONMENTS for name in gcp_stack_names(load_settings(environment))]


def test_every_stack_is_snapshotted(gcp_stacks):
    assert sorted(gcp_stacks) == sorted(STACKS)


@pytest.mark.parametrize("stack_name", STACKS)
def test_stack_snapshot(gcp_stacks, tf_snapshot, stack_name):
    assert gcp_stacks[stack_name] == tf_snapshot
