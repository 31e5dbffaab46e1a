"""One snapshot per AWS stack per environment. Update with `make snapshot-update`."""

from __future__ import annotations

import pytest

from aws_stacks.platform import stack_names
from shared import ENVIRONMENTS

STACKS = [name for environment in ENVIRONMENTS for name in stack_names(environment)]


def test_every_stack_is_snapshotted(aws):
    assert sorted(aws.templates) == sorted(STACKS)


@pytest.mark.parametrize("stack_name", STACKS)
def test_stack_snapshot(aws, cfn_snapshot, stack_name):
    assert aws.templates[stack_name] == cfn_snapshot
