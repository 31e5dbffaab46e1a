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
