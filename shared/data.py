"""Where the data lives: PostgreSQL (RDS, Cloud SQL), Redis (ElastiCache, Memorystore) and object storage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.checks import Problems, check, positive_problem
from shared.provider_facts import MEMORYSTORE_SNAPSHOT_HOURS, RDS_CLASS_MEMORY_GIB, REDIS_MAJOR_VERSIONS
from shared.valkey import VALKEY_MAX_NODE_GIB

_RDS_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
_CLOUD_SQL_TIER = re.compile(r"^db-(custom-\d+-\d+|f1-micro|g1-small|perf-optimized-N-\d+)$")
_POSTGRES_VERSION = re.compile(r"^1[4-8]\.\d+$")


@dataclass(frozen=True)
class DatabaseSettings:
    """PostgreSQL on RDS and Cloud SQL. Storage numbers are shared by both clouds."""

    aws_instance_class: str  # e.g. db.r6g.xlarge
    gcp_tier: str  # e.g. db-custom-4-16384
    multi_az: bool  # RDS Multi-AZ / Cloud SQL REGIONAL
    read_replicas: int
    allocated_storage_gib: int  # initial gp3 / PD-SSD size
    max_allocated_storage_gib: int  # storage auto-scaling ceiling
    performance_insights_retention_days: int  # 7 is free; 31-731 are paid months
    postgres_version: str = "17.6"  # RDS engine version; Cloud SQL runs the same major and manages minors

    @property
    def postgres_major_version(self) -> str:
        return self.postgres_version.partition(".")[0]

    def problems(self) -> Problems:
        if not _RDS_CLASS.match(self.aws_instance_class):
            yield "aws_instance_class", f"'{self.aws_instance_class}' is not an RDS instance class"
        elif self.aws_instance_class not in RDS_CLASS_MEMORY_GIB:
            yield (
                "aws_instance_class",
                f"'{self.aws_instance_class}' has no memory size in RDS_CLASS_MEMORY_GIB (the memory alert needs it)",
            )
        if not _CLOUD_SQL_TIER.match(self.gcp_tier):
            yield "gcp_tier", f"'{self.gcp_tier}' is not a Cloud SQL tier"
        if self.read_replicas < 0:
            yield "read_replicas", f"{self.read_replicas} must not be negative"
        if self.allocated_storage_gib < 20:
            yield "allocated_storage_gib", f"{self.allocated_storage_gib} GiB is below the 20 GiB gp3 minimum"
        if self.max_allocated_storage_gib < self.allocated_storage_gib:
            yield (
                "max_allocated_storage_gib",
                f"{self.max_allocated_storage_gib} GiB is below allocated_storage_gib "
                f"{self.allocated_storage_gib} GiB (min above max)",
            )
        elif self.allocated_storage_gib < self.max_allocated_storage_gib < self.allocated_storage_gib * 1.1:
            # RDS User Guide, "Managing capacity automatically with Amazon RDS storage autoscaling".
            yield (
                "max_allocated_storage_gib",
                f"{self.max_allocated_storage_gib} GiB is less than 10 % above allocated_storage_gib "
                f"{self.allocated_storage_gib} GiB, which RDS refuses for storage autoscaling",
            )
        if self.max_allocated_storage_gib > 65536:
            yield "max_allocated_storage_gib", f"{self.max_allocated_storage_gib} GiB exceeds the 64 TiB limit"
        if not _POSTGRES_VERSION.match(self.postgres_version):
            yield "postgres_version", f"'{self.postgres_version}' is not a PostgreSQL 14-18 'major.minor' version"
        retention = self.performance_insights_retention_days
        if retention != 7 and not ((31 <= retention <= 731 and retention % 31 == 0) or retention == 731):
            yield "performance_insights_retention_days", f"{retention} must be 7, a multiple of 31, or 731"


@dataclass(frozen=True)
class CacheSettings:
    """Redis on ElastiCache and Memorystore."""

    aws_node_type: str  # e.g. cache.r6g.large
    aws_nodes: int  # primary plus replicas
    gcp_memory_size_gib: int
    high_availability: bool  # ElastiCache failover + Multi-AZ / Memorystore STANDARD_HA
    snapshot_retention_days: int  # ElastiCache daily snapshots kept; Memorystore keeps only its latest RDB snapshot
    redis_major_version: int = 7  # each cloud runs its newest minor of this major (ElastiCache 7.1, Memorystore 7.2)
    gcp_snapshot_period_hours: int = 24  # Memorystore RDB snapshot interval; ElastiCache snapshots daily

    def problems(self) -> Problems:
        if not _CACHE_NODE.match(self.aws_node_type):
            yield "aws_node_type", f"'{self.aws_node_type}' is not an ElastiCache node type"
        if not 1 <= self.aws_nodes <= 6:
            yield "aws_nodes", f"{self.aws_nodes} is outside 1-6 (a primary and up to 5 replicas)"
        if self.high_availability and self.aws_nodes < 2:
            yield "aws_nodes", "high availability needs at least 2 nodes for automatic failover"
        if not self.high_availability and self.aws_nodes > 1:
            # CloudFormation's own check (E3026, run by CDK at synth) refuses replicas without automatic failover.
            yield "aws_nodes", f"{self.aws_nodes} nodes need high_availability (automatic failover); without it, 1"
        if not 1 <= self.gcp_memory_size_gib <= VALKEY_MAX_NODE_GIB:
            yield (
                "gcp_memory_size_gib",
                f"{self.gcp_memory_size_gib} GiB is outside one Valkey node's writable 1-{VALKEY_MAX_NODE_GIB} GiB",
            )
        if not 1 <= self.snapshot_retention_days <= 35:
            yield "snapshot_retention_days", f"{self.snapshot_retention_days} is outside ElastiCache's 1-35"
        if self.redis_major_version not in REDIS_MAJOR_VERSIONS:
            yield (
                "redis_major_version",
                f"{self.redis_major_version} is not a Redis major both clouds offer {sorted(REDIS_MAJOR_VERSIONS)}",
            )
        if self.gcp_snapshot_period_hours not in MEMORYSTORE_SNAPSHOT_HOURS:
            yield (
                "gcp_snapshot_period_hours",
                f"{self.gcp_snapshot_period_hours} is not a Memorystore period {sorted(MEMORYSTORE_SNAPSHOT_HOURS)}",
            )


@dataclass(frozen=True)
class StorageSettings:
    """Object storage for static assets and uploads."""

    versioning: bool
    infrequent_access_after_days: int  # S3 Standard-IA / GCS Nearline
    archive_after_days: int  # S3 Glacier / GCS Archive
    noncurrent_version_expiry_days: int

    def problems(self) -> Problems:
        if self.infrequent_access_after_days < 30:
            yield "infrequent_access_after_days", f"{self.infrequent_access_after_days} is below S3's 30-day minimum"
        if self.archive_after_days <= self.infrequent_access_after_days:
            yield (
                "archive_after_days",
                f"{self.archive_after_days} must come after infrequent_access_after_days "
                f"{self.infrequent_access_after_days}",
            )
        yield from check("noncurrent_version_expiry_days", positive_problem(self.noncurrent_version_expiry_days))
