"""Project-level plumbing: the APIs a stack needs and the project's service agents."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformResource
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.project_service import ProjectService
from constructs import Construct

from gcp_stacks.google_beta import GoogleBetaProvider, GoogleProjectServiceIdentity
from shared import Settings

# Every API the platform uses, whether a provider calls it for us or the applications do (tests/gcp/test_project.py
# maps every resource type synthesized to its API). The network stack deploys first and enables them all, so
# resources in the later stacks never race an API that is still being enabled. Service Usage (which enables APIs)
# and Cloud Resource Manager (project IAM, project data sources, the budget's quota project) must already be on
# for the first apply: the operator enables both once (docs/gcp.md); listing them keeps them on.
PROJECT_APIS = (
    "serviceusage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "servicenetworking.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "sqladmin.googleapis.com",
    "memorystore.googleapis.com",
    "networkconnectivity.googleapis.com",
    "serviceconsumermanagement.googleapis.com",
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
    # Security monitoring (security_findings.py): SCC notifications, asset feeds, scanning on push (before the
    # first image is pushed, so the bootstrap images are scanned too).
    "securitycenter.googleapis.com",
    "cloudasset.googleapis.com",
    "containerscanning.googleapis.com",
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


@dataclass(frozen=True)
class ServiceAgent:
    """A Google-managed identity the platform grants something to: `service-<number>@<domain>...`."""

    api: str
    domain: str
    # Google creates these agents only when first needed or asked (generateServiceIdentity), not when the API is
    # enabled: a grant to one that does not exist yet fails, so the data stack creates it first.
    on_demand: bool

    def member(self, project_number: str) -> str:
        return f"serviceAccount:service-{project_number}@{self.domain}.iam.gserviceaccount.com"


# Every service agent the platform grants a key or a role to. Cloud Storage's agent comes from its own data source
# (security.py), the load balancer's from the first backend bucket (edge.py).
SERVICE_AGENTS = {
    "cloud_sql": ServiceAgent("sqladmin.googleapis.com", "gcp-sa-cloud-sql", on_demand=True),
    "memorystore": ServiceAgent("memorystore.googleapis.com", "gcp-sa-memorystore", on_demand=True),
    "artifact_registry": ServiceAgent("artifactregistry.googleapis.com", "gcp-sa-artifactregistry", on_demand=True),
    "secret_manager": ServiceAgent("secretmanager.googleapis.com", "gcp-sa-secretmanager", on_demand=True),
    "pubsub": ServiceAgent("pubsub.googleapis.com", "gcp-sa-pubsub", on_demand=True),
    # Publishes the asset feeds to their topic (security_findings.py).
    "cloud_asset": ServiceAgent("cloudasset.googleapis.com", "gcp-sa-cloudasset", on_demand=True),
}
# The external load balancer reads a private backend bucket as this agent; it exists once the project has a
# backend bucket (Cloud CDN "private bucket access").
LOAD_BALANCER_AGENT = ServiceAgent("compute.googleapis.com", "https-lb", on_demand=False)


def project_number(scope: Construct, settings: Settings) -> str:
    return DataGoogleProject(scope, "Project", project_id=settings.gcp.project_id).number


class ServiceAgents(Construct):
    """The agents of `SERVICE_AGENTS`, the on-demand ones created here (google-beta's service identity).

    Members are built from the project number, not read from the identity: the API returns no e-mail for some
    services. Grants depend on `ready[name]` instead, so none runs before its agent exists.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        beta = GoogleBetaProvider(self, "GoogleBeta", project=settings.gcp.project_id, region=settings.gcp.region)
        number = project_number(self, settings)
        self.members = {name: agent.member(number) for name, agent in SERVICE_AGENTS.items()}
        self.ready: dict[str, list[TerraformResource]] = {
            name: [
                GoogleProjectServiceIdentity(
                    self, f"{pascal(name)}Agent", provider=beta, project=settings.gcp.project_id, service=agent.api
                )
            ]
            if agent.on_demand
            else []
            for name, agent in SERVICE_AGENTS.items()
        }


def pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
