"""Memorystore for Valkey on GCP: the engine and the node type that holds the settings' cache size.

GCP runs Valkey (a Redis OSS 7.2 fork, wire-compatible) instead of Memorystore for Redis, because Valkey signs
clients in with IAM access tokens: Memorystore for Redis keeps its AUTH string in Terraform state.
"""

from __future__ import annotations

VALKEY_ENGINE_VERSION = "VALKEY_8_0"
VALKEY_MAJOR_VERSION = 8
# Node types by default writable keyspace (GB; the rest of the node is reserved against out-of-memory), smallest
# first: Memorystore for Valkey's node specification. shared-core-nano has no SLA: dev only in practice.
VALKEY_NODE_TYPES = (
    ("SHARED_CORE_NANO", 1.12),
    ("STANDARD_SMALL", 5.2),
    ("HIGHMEM_MEDIUM", 10.4),
    ("HIGHMEM_XLARGE", 46.4),
)
VALKEY_MAX_NODE_GB = VALKEY_NODE_TYPES[-1][1]
GB_PER_GIB = 2**30 / 10**9
VALKEY_MAX_NODE_GIB = int(VALKEY_MAX_NODE_GB / GB_PER_GIB)


def valkey_node_type(memory_gib: int) -> str:
    """The smallest node whose writable keyspace holds `memory_gib` (cluster mode off: one node holds it all)."""
    for node_type, memory_gb in VALKEY_NODE_TYPES:
        if memory_gib * GB_PER_GIB <= memory_gb:
            return node_type
    raise ValueError(f"{memory_gib} GiB exceeds the largest Valkey node ({VALKEY_MAX_NODE_GB} GB)")
