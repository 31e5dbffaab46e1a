"""The log entries behind each info event of `shared.alerts.INFO_EVENTS` (log-match alert conditions)."""

from __future__ import annotations

from collections.abc import Callable

from gcp_stacks.alert_conditions import WORKLOADS
from gcp_stacks.names import sql_database_id
from shared import Settings
from shared.names import service_name

# Deploying (gcloud run deploy, Terraform) replaces or updates the service, which creates a revision.
DEPLOY_METHODS = (
    "google.cloud.run.v1.Services.CreateService",
    "google.cloud.run.v1.Services.ReplaceService",
    "google.cloud.run.v2.Services.CreateService",
    "google.cloud.run.v2.Services.UpdateService",
)
# Scheduled backups are System Event entries; on-demand ones are Admin Activity.
BACKUP_METHODS = ("cloudsql.instances.automatedBackup", "cloudsql.backupRuns.create")
# Google renews managed certificates without an audit entry; what is logged is a certificate being created,
# replaced or swapped on the proxy. A renewal that fails is caught by the critical certificate_expiry alert.
CERTIFICATE_METHODS = (
    "v1.compute.sslCertificates.insert",
    "v1.compute.sslCertificates.delete",
    "v1.compute.targetHttpsProxies.setSslCertificates",
)


def any_of(values: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f'"{value}"' for value in values) + ")"


def log(settings: Settings, name: str) -> str:
    return f'logName="projects/{settings.gcp.project_id}/logs/{name.replace("/", "%2F")}"'


def services(settings: Settings) -> str:
    return f"resource.labels.service_name={any_of(tuple(service_name(settings, workload) for workload in WORKLOADS))}"


def deployment(settings: Settings) -> str:
    return " AND ".join(
        (
            log(settings, "cloudaudit.googleapis.com/activity"),
            'protoPayload.serviceName="run.googleapis.com"',
            f"protoPayload.methodName={any_of(DEPLOY_METHODS)}",
            services(settings),
        )
    )


def scaling(settings: Settings) -> str:
    # Cloud Run logs each instance it starts for load with this reason; scale-in is not logged.
    return " AND ".join(
        (
            log(settings, "run.googleapis.com/varlog/system"),
            'resource.type="cloud_run_revision"',
            services(settings),
            'textPayload:"Reason: AUTOSCALING"',
        )
    )


def backup(settings: Settings) -> str:
    database = sql_database_id(settings)
    return " AND ".join(
        (
            f'resource.type="cloudsql_database" AND resource.labels.database_id="{database}"',
            f"protoPayload.methodName={any_of(BACKUP_METHODS)}",
        )
    )


def certificate_renewal(settings: Settings) -> str:
    return " AND ".join(
        (
            log(settings, "cloudaudit.googleapis.com/activity"),
            'protoPayload.serviceName="compute.googleapis.com"',
            f"protoPayload.methodName={any_of(CERTIFICATE_METHODS)}",
        )
    )


FILTERS: dict[str, Callable[[Settings], str]] = {
    "deployment": deployment,
    "scaling": scaling,
    "backup": backup,
    "certificate_renewal": certificate_renewal,
}


def info_event_filter(settings: Settings, key: str) -> str:
    """The logging filter of one info event; an event without one fails synth rather than go silent."""
    try:
        return FILTERS[key](settings)
    except KeyError:
        raise KeyError(f"info event '{key}' has no log filter in {__name__}") from None
