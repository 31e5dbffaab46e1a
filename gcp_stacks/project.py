"""Project-level plumbing: the APIs a stack needs and the project's service agents."""

from __future__ import annotations

from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.project_service import ProjectService
from constructs import Construct

from shared import Settings

# Every API the platform uses. The network stack deploys first and enables them all, so resources in
# the later stacks never race an API that is still being enabled.
PROJECT_APIS = (
    "compute.googleapis.com",
    "servicenetworking.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "sqladmin.googleapis.com",
    "redis.googleapis.com",
    "secretmanager.googleapis.com",
    "pubsub.googleapis.com",
    "artifactregistry.googleapis.com",
    "storage.googleapis.com",
    "run.googleapis.com",
    "dns.googleapis.com",
    "logging.googleapis.com",
    "billingbudgets.googleapis.com",
    "monitoring.googleapis.com",
    "clouderrorreporting.googleapis.com",
    "cloudtrace.googleapis.com",
)


def enable_services(scope: Construct, settings: Settings, apis: tuple[str, ...]) -> list[ProjectService]:
    """Enable `apis`; disabling on destroy would break whatever else in the project uses them."""
    return [
        ProjectService(
            scope,
            "Api" + "".join(part.capitalize() for part in api.split(".")[0].split("-")),
            project=settings.gcp.project_id,
            service=api,
            disable_on_destroy=False,
            disable_dependent_services=False,
        )
        for api in apis
    ]


class ServiceAgents(Construct):
    """Google-managed identities that use our keys; their e-mails embed the project number."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        number = DataGoogleProject(self, "Project", project_id=settings.gcp.project_id).number
        self.cloud_sql = f"serviceAccount:service-{number}@gcp-sa-cloud-sql.iam.gserviceaccount.com"
        self.redis = f"serviceAccount:service-{number}@cloud-redis.iam.gserviceaccount.com"
        self.artifact_registry = f"serviceAccount:service-{number}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
        self.secret_manager = f"serviceAccount:service-{number}@gcp-sa-secretmanager.iam.gserviceaccount.com"
        self.cdn_fill = f"serviceAccount:service-{number}@cloud-cdn-fill.iam.gserviceaccount.com"
        self.pubsub = f"serviceAccount:service-{number}@gcp-sa-pubsub.iam.gserviceaccount.com"
