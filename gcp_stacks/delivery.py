"""Delivery: the trust GitHub Actions deploys through (workload identity federation, no service account keys).

One pool and GitHub provider per environment's project. The provider refuses every token whose numeric
repository id is not ours, so a deleted-and-recreated repository of the same name gets nothing. Each service
account is impersonable by exactly one OIDC subject (`repo:<owner>/<name>:pull_request` or
`...:environment:<env>`): the subject is always in the token, whereas PR tokens carry no `environment` claim.
"""

from __future__ import annotations

from cdktn_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from gcp_stacks.base import GcpStack
from gcp_stacks.project import enable_services
from gcp_stacks.security import WORKLOAD_ROLES, Identity
from shared import Settings
from shared.contract import secret_manager_id
from shared.delivery import GCP_PROVIDER_ID, GITHUB_OIDC_URL, gcp_account_id, gcp_pool_id, subject
from shared.release import gcp_repository_id

# Token exchange and short-lived service account tokens, beside the platform's own APIs.
FEDERATION_APIS = ("sts.googleapis.com", "iamcredentials.googleapis.com")

# Project-level roles per job. `terraform apply` of the platform's stacks needs admin of each service they use;
# plans read only (and run with -lock=false, so they never write state). This stack itself is applied by an
# operator, never by CI, so a workflow cannot widen its own trust.
DEPLOY_ROLES = (
    "roles/artifactregistry.admin",
    "roles/cloudkms.admin",
    "roles/cloudsql.admin",
    "roles/compute.admin",
    "roles/dns.admin",  # the app domain's records (dns.py), in the zone of this project by default
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/logging.configWriter",
    "roles/monitoring.admin",
    "roles/pubsub.admin",
    "roles/redis.admin",
    "roles/run.admin",
    "roles/secretmanager.admin",
    "roles/servicenetworking.networksAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
)
# serviceUsageConsumer: the compliance stack bills its calls to the project (user_project_override), which needs
# serviceusage.services.use, in plans too. The alert tokens observability reads at plan time: `_plan_alert_secrets`.
PLAN_ROLES = ("roles/viewer", "roles/iam.securityReviewer", "roles/serviceusage.serviceUsageConsumer")
# Releases create Cloud Run revisions and move traffic; the services live in the app stack, hence project level.
RELEASE_ROLES = ("roles/run.developer",)
# Deploys set project IAM, but an IAM condition lets them grant or revoke only the roles the runtime identities
# hold (security.py), never an admin role: the deploy identity cannot escalate through the policy it manages.
PROJECT_IAM_ADMIN = "roles/resourcemanager.projectIamAdmin"
GRANTABLE_ROLES = tuple(sorted({role for roles in WORKLOAD_ROLES.values() for role in roles}))
# The released services run as these identities; a release must be allowed to act as them (and only them).
RUNTIME_WORKLOADS = ("api", "web")


# Project-level roles per kind of job.
JOB_ROLES = {"deploy": DEPLOY_ROLES, "plan": PLAN_ROLES, "release": RELEASE_ROLES}


def grantable_roles_condition() -> str:
    allowed = ", ".join(f"'{role}'" for role in GRANTABLE_ROLES)
    return f"api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([{allowed}])"


def attribute_condition(settings: Settings) -> str:
    return f"assertion.repository_id == '{settings.github.repository_id}'"


class GithubFederation(Construct):
    """Pool, GitHub provider, and one service account per job, each impersonable by its one subject."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        project = settings.gcp.project_id
        apis = enable_services(self, settings, FEDERATION_APIS)
        self.pool = IamWorkloadIdentityPool(
            self,
            "Pool",
            workload_identity_pool_id=gcp_pool_id(settings),
            display_name=f"GitHub Actions {settings.environment}",
            description=f"Workflows of {settings.github.full_name}",
            depends_on=apis,
        )
        self.provider = IamWorkloadIdentityPoolProvider(
            self,
            "Provider",
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=GCP_PROVIDER_ID,
            display_name="GitHub",
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository_id": "assertion.repository_id",
            },
            attribute_condition=attribute_condition(settings),
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_OIDC_URL),
        )
        self.accounts: dict[str, ServiceAccount] = {}
        for kind, roles in JOB_ROLES.items():
            title = kind.capitalize()
            account = ServiceAccount(
                self,
                f"{title}ServiceAccount",
                account_id=gcp_account_id(settings, kind),
                display_name=f"{settings.prefix} GitHub Actions {kind}",
            )
            ServiceAccountIamMember(
                self,
                f"{title}WorkloadIdentityUser",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=f"principal://iam.googleapis.com/{self.pool.name}/subject/{subject(settings, kind)}",
            )
            for role in roles:
                ProjectIamMember(
                    self,
                    f"{title}{''.join(p.capitalize() for p in role.removeprefix('roles/').split('.'))}",
                    project=project,
                    role=role,
                    member=account.member,
                )
            self.accounts[kind] = account
        ProjectIamMember(
            self,
            "DeployProjectIamAdminForRuntimeRoles",
            project=project,
            role=PROJECT_IAM_ADMIN,
            member=self.accounts["deploy"].member,
            condition=ProjectIamMemberCondition(
                title="runtime-roles-only",
                description="Grant or revoke only the roles the platform's runtime service accounts hold",
                expression=grantable_roles_condition(),
            ),
        )
        self._release_grants(settings)
        self._state_grant(settings)
        self._plan_alert_secrets(settings)

    def _release_grants(self, settings: Settings) -> None:
        release = self.accounts["release"]
        ArtifactRegistryRepositoryIamMember(
            self,
            "ReleaseRegistryWriter",
            repository=gcp_repository_id(settings),
            location=settings.gcp.region,
            role="roles/artifactregistry.writer",
            member=release.member,
        )
        for workload in RUNTIME_WORKLOADS:
            identity = Identity.of(settings, workload)
            ServiceAccountIamMember(
                self,
                f"ReleaseActsAs{workload.capitalize()}",
                service_account_id=f"projects/{settings.gcp.project_id}/serviceAccounts/{identity.email}",
                role="roles/iam.serviceAccountUser",
                member=release.member,
            )

    def _state_grant(self, settings: Settings) -> None:
        """Plans read Terraform state; project viewer does not include object contents."""
        if settings.gcp.state_bucket:
            StorageBucketIamMember(
                self,
                "PlanStateReader",
                bucket=settings.gcp.state_bucket,
                role="roles/storage.objectViewer",
                member=self.accounts["plan"].member,
            )

    def _plan_alert_secrets(self, settings: Settings) -> None:
        """Plans open the observability stack's ephemeral reads of the two alert tokens, so the plan identity may
        access exactly those secrets. The operator creates them (docs/gcp.md) after this stack: a condition on
        their names, unlike a grant on each secret, needs neither to exist yet."""
        number = DataGoogleProject(self, "Project", project_id=settings.gcp.project_id).number
        names = [
            f"projects/{number}/secrets/{secret_manager_id(name)}"
            for name in (settings.routes.pagerduty_secret_name, settings.routes.slack_webhook_secret_name)
        ]
        ProjectIamMember(
            self,
            "PlanAlertSecretsAccessor",
            project=settings.gcp.project_id,
            role="roles/secretmanager.secretAccessor",
            member=self.accounts["plan"].member,
            condition=ProjectIamMemberCondition(
                title="alert-channel-tokens-only",
                description="Read only the alert channel tokens the observability stack reads at plan time",
                expression=" || ".join(f"resource.name.startsWith('{name}/versions/')" for name in names),
            ),
        )


class DeliveryStack(GcpStack):
    """The GitHub Actions trust. Deployed after `data`: it grants on the registry and runtime identities."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="delivery")
        self.federation = GithubFederation(self, "GithubFederation", settings=settings)
