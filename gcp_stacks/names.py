"""Deterministic names and ids of the GCP platform's resources, derived from settings: how the other stacks (and
alert filters) find them without a cross-stack reference. One module, so a name is built in one place; provider-free,
so pure-data modules can import it without loading the provider. Cross-cloud names live in shared/names.py."""

from __future__ import annotations

from shared import Settings
from shared.names import service_name
from shared.slos import Slo

DATABASE_BOOTSTRAP = "database-bootstrap"  # the bootstrap job and its identities


def sql_instance_name(settings: Settings) -> str:
    return settings.name("postgres")


def sql_database_id(settings: Settings) -> str:
    """`project:instance`: how Cloud Monitoring and Cloud Logging label the Cloud SQL database."""
    return f"{settings.gcp.project_id}:{sql_instance_name(settings)}"


def redis_instance_name(settings: Settings) -> str:
    return settings.name("redis")


def bucket_name(settings: Settings, purpose: str) -> str:
    return settings.name(purpose)


def log_metric_name(settings: Settings, metric: str) -> str:
    return settings.name(metric)


def job_name(settings: Settings) -> str:
    return settings.name(DATABASE_BOOTSTRAP)


def custom_role_id(settings: Settings, kind: str) -> str:
    """Custom role ids allow letters, digits, '_' and '.': `bookedbarber_production_deploy`."""
    return settings.name(f"ci-{kind}").replace("-", "_")


def secret_id(settings: Settings, name: str) -> str:
    return settings.name(name)


def key_ring_name(settings: Settings) -> str:
    return settings.name("keys")


def key_id(settings: Settings, purpose: str, *, location: str | None = None) -> str:
    """The id of the `purpose` key created by `Keys` (in `location`, default the primary region), for stacks that
    use it without a reference."""
    location = location or settings.gcp.region
    ring = f"projects/{settings.gcp.project_id}/locations/{location}/keyRings/{key_ring_name(settings)}"
    return f"{ring}/cryptoKeys/{purpose}"


def slo_resource_name(settings: Settings, slo: Slo) -> str:
    """`projects/<project>/services/<prefix>-<service>/serviceLevelObjectives/<indicator>`."""
    return (
        f"projects/{settings.gcp.project_id}/services/{service_name(settings, slo.service)}"
        f"/serviceLevelObjectives/{slo.indicator.value}"
    )


def drill_sql_instance_name(settings: Settings) -> str:
    """The throwaway cross-region replica the drill's promotion rehearsal creates, promotes and deletes
    (ops/drill_gcp.py); the drill identity may change no other instance but the primary's failover."""
    return settings.name("postgres-drill")


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


def topic_name(settings: Settings, key: str) -> str:
    """`bookedbarber-<env>-security-findings` / `-asset-changes`: topic and subscription of one security event."""
    return settings.name(key.replace("_", "-") + "s")
