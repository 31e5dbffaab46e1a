"""One snapshot per stack per environment, both clouds. Update with `make snapshot-update`."""

from __future__ import annotations

import pytest

from aws_stacks.platform import stack_names as aws_stack_names
from gcp_stacks.platform import stack_names as gcp_stack_names
from shared import ENVIRONMENTS

AWS_STACKS = [name for environment in ENVIRONMENTS for name in aws_stack_names(environment)]
GCP_STACKS = [name for environment in ENVIRONMENTS for name in gcp_stack_names(environment)]


def test_every_aws_stack_is_snapshotted(aws):
    assert sorted(aws.templates) == sorted(AWS_STACKS)


def test_every_gcp_stack_is_snapshotted(gcp_stacks):
    assert sorted(gcp_stacks) == sorted(GCP_STACKS)


@pytest.mark.parametrize("stack_name", AWS_STACKS)
def test_aws_stack_snapshot(aws, cfn_snapshot, stack_name):
    assert aws.templates[stack_name] == cfn_snapshot


@pytest.mark.parametrize("stack_name", GCP_STACKS)
def test_gcp_stack_snapshot(gcp_stacks, tf_snapshot, stack_name):
    assert gcp_stacks[stack_name] == tf_snapshot
