"""The Valkey node that holds each environment's cache, and the sizes no single node can hold."""

from __future__ import annotations

import pytest

from shared import ENVIRONMENTS, load_settings
from shared.valkey import VALKEY_MAX_NODE_GIB, valkey_node_type


def test_each_size_gets_the_smallest_node_whose_writable_keyspace_holds_it():
    # Writable keyspace, not node capacity: 1 GiB fits nano's 1.12 GB; 5 GiB (5.37 GB) exceeds standard-small's 5.2.
    assert valkey_node_type(1) == "SHARED_CORE_NANO"
    assert valkey_node_type(2) == valkey_node_type(4) == "STANDARD_SMALL"
    assert valkey_node_type(5) == valkey_node_type(9) == "HIGHMEM_MEDIUM"
    assert valkey_node_type(VALKEY_MAX_NODE_GIB) == "HIGHMEM_XLARGE"
    with pytest.raises(ValueError, match="largest Valkey node"):
        valkey_node_type(VALKEY_MAX_NODE_GIB + 1)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_environment_fits_one_node(environment):
    valkey_node_type(load_settings(environment).cache.gcp_memory_size_gib)
