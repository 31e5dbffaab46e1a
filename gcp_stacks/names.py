"""Deterministic names and ids of the GCP platform's resources, derived from settings: how the other stacks (and
alert filters) find them without a cross-stack reference. One module, so a name is built in one place; provider-free,
so pure-data modules can import it without loading the provider. Cross-cloud names live in shared/."""

from __future__ import annotations

from shared import Settings
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


def key_id(settings: Settings, purpose: str) -> str:
    """The id of the `purpose` key created by `Keys`, for stacks that use it without a reference."""
    ring = f"projects/{settings.gcp.project_id}/locations/{settings.gcp.region}/keyRings/{key_ring_name(settings)}"
    return f"{ring}/cryptoKeys/{purpose}"


def slo_resource_name(settings: Settings, slo: Slo) -> str:
    """`projects/<project>/services/<prefix>-<service>/serviceLevelObjectives/<indicator>`."""
    return (
        f"projects/{settings.gcp.project_id}/services/{settings.name(slo.service)}"
        f"/serviceLevelObjectives/{slo.indicator.value}"
    )
