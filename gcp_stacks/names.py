"""Names of the data stack's resources, derived from settings: how the other stacks (and alert filters) find them
without a cross-stack reference. Provider-free, so pure-data modules can import it without loading the provider."""

from __future__ import annotations

from shared import Settings


def sql_instance_name(settings: Settings) -> str:
    return settings.name("postgres")


def sql_database_id(settings: Settings) -> str:
    """`project:instance`: how Cloud Monitoring and Cloud Logging label the Cloud SQL database."""
    return f"{settings.gcp.project_id}:{sql_instance_name(settings)}"


def redis_instance_name(settings: Settings) -> str:
    return settings.name("redis")


def bucket_name(settings: Settings, purpose: str) -> str:
    return settings.name(purpose)


def standby_sql_instance_name(settings: Settings) -> str:
    """The cross-region read replica that becomes the primary on a failover (Cloud SQL names are project-wide)."""
    return settings.name("postgres-standby")


def standby_redis_instance_name(settings: Settings) -> str:
    return settings.name("redis-standby")


def neg_name(settings: Settings, workload: str, *, standby: bool = False) -> str:
    """The serverless NEG of a workload's Cloud Run service in the primary region, or in the standby region."""
    return settings.name(f"{workload}-standby-neg" if standby else f"{workload}-neg")


# Cloud SQL's replication lag of a replica, in seconds (Cloud Monitoring's "cloudsql" metrics): the standby's alert
# and the drill's data-loss reading.
REPLICA_LAG_METRIC = "cloudsql.googleapis.com/database/replication/replica_lag"
