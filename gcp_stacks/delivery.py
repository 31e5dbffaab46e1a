"""Delivery: the trust GitHub Actions deploys through (workload identity federation, no service account keys).

One pool and GitHub provider per environment's project. The provider accepts only tokens of our numeric
repository id whose `sub` is one of the environment's subjects (shared/delivery.py: context, calling workflow and
branch; four, and the quarterly drill's where settings drill), and maps each to the identity it names
(`attribute.delivery`); each service account is impersonable only by its one identity. The subjects are too long
for `google.subject` (127 bytes), which holds the run instead, for the audit logs.

No CI identity holds a basic role, project-level service account administration or user rights, or secret
values: deploys get a custom role for service accounts without `setIamPolicy`, act only as the two runtime
service accounts, and manage secrets without reading them. Managing secrets includes their IAM (the data stack
grants each runtime account its secrets), so an IAM deny policy, which no allow grant overrides, denies every CI
identity `versions.access` on any secret but those the operator tagged as alert channel tokens. This stack is
applied by an operator, never by CI.
"""

from __future__ import annotations

from urllib.parse import quote

from cdktn_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.iam_deny_policy import (
    IamDenyPolicy,
    IamDenyPolicyRules,
    IamDenyPolicyRulesDenyRule,
    IamDenyPolicyRulesDenyRuleDenialCondition,
)
from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from cdktn_provider_google.tags_tag_key import TagsTagKey
from cdktn_provider_google.tags_tag_value import TagsTagValue
from constructs import Construct

from gcp_stacks.base import GcpStack
from gcp_stacks.names import custom_role_id, drill_sql_instance_name, sql_instance_name
from gcp_stacks.project import enable_services
from gcp_stacks.security import WORKLOAD_ROLES, Identity
from shared import Settings
from shared.delivery import GCP_PROVIDER_ID, GITHUB_OIDC_URL, gcp_kinds, subject
from shared.names import gcp_account_id, gcp_pool_id, gcp_repository_id, secret_manager_id

# Token exchange and short-lived service account tokens, beside the platform's own APIs.
FEDERATION_APIS = ("sts.googleapis.com", "iamcredentials.googleapis.com")

# Project-level predefined roles per job. `terraform apply` of the platform's stacks needs admin of each service
# they use; plans read configuration only (and run with -lock=false, so they never write state).
DEPLOY_ROLES = (
    "roles/artifactregistry.admin",
    "roles/cloudkms.admin",
    "roles/cloudsql.admin",
    "roles/compute.admin",
    "roles/dns.admin",  # the app domain's records (dns.py), in the zone of this project by default
    "roles/logging.configWriter",
    "roles/monitoring.admin",
    "roles/pubsub.admin",
    "roles/memorystore.admin",
    "roles/networkconnectivity.consumerNetworkAdmin",  # the cache's service connection policies only
    "roles/run.admin",
    "roles/servicenetworking.networksAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
)
# One read-only role per service the stacks use (no roles/viewer: it reads far more, logs included).
PLAN_ROLES = (
    "roles/artifactregistry.reader",
    "roles/cloudkms.viewer",
    "roles/cloudsql.viewer",
    "roles/compute.viewer",
    "roles/dns.reader",
    "roles/iam.securityReviewer",  # every IAM policy the stacks set, read only
    "roles/monitoring.viewer",
    "roles/pubsub.viewer",
    "roles/memorystore.viewer",
    "roles/run.viewer",
    "roles/secretmanager.viewer",  # secret metadata; values need secretAccessor, which no CI identity holds
    "roles/serviceusage.serviceUsageViewer",
    # The compliance stack bills its calls to the project (user_project_override): serviceusage.services.use, in
    # plans too. The alert tokens observability reads at plan and apply time: `_alert_token_readers`.
    "roles/serviceusage.serviceUsageConsumer",
)
RELEASE_ROLES: tuple[str, ...] = ()
# Custom roles per job, for what no predefined role grants without more (permission lists, no wildcards).
CUSTOM_ROLES = {
    # Service accounts of the platform, without setIamPolicy (no impersonation grants, no trust changes).
    "deploy": (
        "iam.serviceAccounts.create",
        "iam.serviceAccounts.delete",
        "iam.serviceAccounts.disable",
        "iam.serviceAccounts.enable",
        "iam.serviceAccounts.get",
        "iam.serviceAccounts.list",
        "iam.serviceAccounts.update",
        # Secret Manager without versions.access: the secrets, their metadata and their IAM, never a value.
        "secretmanager.secrets.create",
        "secretmanager.secrets.delete",
        "secretmanager.secrets.get",
        "secretmanager.secrets.getIamPolicy",
        "secretmanager.secrets.list",
        "secretmanager.secrets.setIamPolicy",
        "secretmanager.secrets.update",
        "secretmanager.versions.get",
        "secretmanager.versions.list",
        # The compliance stack's security feeds (security_findings.py): no predefined role without asset reads.
        "cloudasset.feeds.create",
        "cloudasset.feeds.delete",
        "cloudasset.feeds.get",
        "cloudasset.feeds.list",
        "cloudasset.feeds.update",
        "securitycenter.notificationconfig.create",
        "securitycenter.notificationconfig.delete",
        "securitycenter.notificationconfig.get",
        "securitycenter.notificationconfig.list",
        "securitycenter.notificationconfig.update",
    ),
    # Configuration reads of logging, service networking and connection policies, buckets and the trust itself,
    # without log contents.
    "plan": (
        "cloudasset.feeds.get",
        "cloudasset.feeds.list",
        "iam.roles.get",
        "iam.serviceAccounts.get",
        "iam.serviceAccounts.list",
        "iam.workloadIdentityPoolProviders.get",
        "iam.workloadIdentityPools.get",
        "logging.buckets.get",
        "logging.buckets.list",
        "logging.logMetrics.get",
        "logging.logMetrics.list",
        "logging.sinks.get",
        "logging.sinks.list",
        "networkconnectivity.serviceConnectionPolicies.get",
        "networkconnectivity.serviceConnectionPolicies.list",
        "resourcemanager.projects.get",
        "securitycenter.notificationconfig.get",
        "securitycenter.notificationconfig.list",
        "servicenetworking.services.get",
        "storage.buckets.get",
        "storage.buckets.list",
    ),
    # Deploy revisions of the existing services and move their traffic; no create, delete or IAM.
    "release": (
        "run.configurations.get",
        "run.configurations.list",
        "run.operations.get",
        "run.revisions.get",
        "run.revisions.list",
        "run.routes.get",
        "run.routes.list",
        "run.services.get",
        "run.services.list",
        "run.services.update",
    ),
}
# Deploys set project IAM, but an IAM condition lets them grant or revoke only the roles the runtime identities
# hold (security.py), never an admin role: the deploy identity cannot escalate through the policy it manages.
PROJECT_IAM_ADMIN = "roles/resourcemanager.projectIamAdmin"
GRANTABLE_ROLES = tuple(sorted({role for roles in WORKLOAD_ROLES.values() for role in roles}))
# The services run as these identities; deploys and releases must act as them (and only them).
RUNTIME_WORKLOADS = ("api", "web")
ACTS_AS_RUNTIME = ("deploy", "release")


# The permission to read a secret's value, in the IAM v2 form deny policies take (and its v1 name in roles).
SECRET_VALUE_PERMISSION = "secretmanager.googleapis.com/versions.access"
# The CI identities that open the observability stack's ephemeral reads of the alert channel tokens.
ALERT_TOKEN_READERS = ("plan", "deploy")
# The tag value an operator binds to exactly those two secrets (docs/gcp.md); CI identities cannot bind tags.
ALERT_TOKEN_TAG_VALUE = "alert-channel-token"


def deny_policy_parent(settings: Settings) -> str:
    """A deny policy's attachment point: the project's full resource name, URL-encoded (`/` as `%2F`)."""
    return quote(f"cloudresourcemanager.googleapis.com/projects/{settings.gcp.project_id}", safe="")


# The nightly drift run (drift.yml) is `terraform plan -detailed-exitcode`: exactly a plan's reads, as its own
# identity, so the scheduled workflow's subject never shares one with pull requests.
CUSTOM_ROLES["drift"] = CUSTOM_ROLES["plan"]
# Identities that run `terraform plan`: they read state and open the alert tokens' ephemeral reads.
PLANNING = ("plan", "drift")

# The quarterly drill (drill.yml's gcp job, ops/drill_gcp.py), where settings drill. Unconditionally it only reads:
# `gcloud sql instances describe` and `gcloud sql operations wait/describe` both need cloudsql.instances.get (Cloud
# SQL "Required permissions for gcloud sql commands"), and the replica lag comes from monitoring.timeSeries.list.
# What it changes is granted per instance by IAM conditions on the instance's name (Cloud SQL supports resource
# name conditions, `projects/<project>/instances/<name>`): fail over the primary, and create, promote and delete
# only the throwaway rehearsal replica. No IAM, service account or secret permission: it cannot widen its trust.
CUSTOM_ROLES["drill"] = ("cloudsql.instances.get", "monitoring.timeSeries.list")
DRILL_FAILOVER = ("cloudsql.instances.failover",)
DRILL_REHEARSAL = ("cloudsql.instances.create", "cloudsql.instances.delete", "cloudsql.instances.promoteReplica")

# Project-level predefined roles per kind of job.
JOB_ROLES = {"deploy": DEPLOY_ROLES, "plan": PLAN_ROLES, "release": RELEASE_ROLES, "drift": PLAN_ROLES, "drill": ()}


def sql_instance_condition(settings: Settings, instance: str) -> str:
    """CEL for "this one Cloud SQL instance" (IAM resource attributes: service, type and name)."""
    return (
        "resource.service == 'sqladmin.googleapis.com' && resource.type == 'sqladmin.googleapis.com/Instance' && "
        f"resource.name == 'projects/{settings.gcp.project_id}/instances/{instance}'"
    )


def grantable_roles_condition() -> str:
    allowed = ", ".join(f"'{role}'" for role in GRANTABLE_ROLES)
    return f"api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([{allowed}])"


def subject_matches(pattern: str) -> str:
    """CEL for "the token's sub is `pattern`": exact, or around its one `*` (a pull request number)."""
    if "*" not in pattern:
        return f"assertion.sub == '{pattern}'"
    start, end = pattern.split("*")
    return f"(assertion.sub.startsWith('{start}') && assertion.sub.endsWith('{end}'))"


def identity_mapping(settings: Settings) -> str:
    """CEL naming the identity a token's subject belongs to, `none` for any other subject."""
    expression = "'none'"
    for kind in reversed(gcp_kinds(settings)):
        expression = f"{subject_matches(subject(settings, kind))} ? '{kind}' : {expression}"
    return expression


def attribute_condition(settings: Settings) -> str:
    subjects = " || ".join(subject_matches(subject(settings, kind)) for kind in gcp_kinds(settings))
    return f"assertion.repository_id == '{settings.github.repository_id}' && ({subjects})"


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
                "google.subject": "'run/' + assertion.run_id + '/' + assertion.run_attempt",
                "attribute.repository_id": "assertion.repository_id",
                "attribute.delivery": identity_mapping(settings),
            },
            attribute_condition=attribute_condition(settings),
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_OIDC_URL),
        )
        self.accounts: dict[str, ServiceAccount] = {}
        for kind in gcp_kinds(settings):
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
                member=f"principalSet://iam.googleapis.com/{self.pool.name}/attribute.delivery/{kind}",
            )
            custom = ProjectIamCustomRole(
                self,
                f"{title}Role",
                role_id=custom_role_id(settings, kind),
                title=f"{settings.prefix} CI {kind}",
                description=f"What GitHub Actions {kind} jobs need beyond predefined roles (gcp_stacks/delivery.py)",
                permissions=list(CUSTOM_ROLES[kind]),
            )
            ProjectIamMember(self, f"{title}CustomRole", project=project, role=custom.name, member=account.member)
            for role in JOB_ROLES[kind]:
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
        if "drill" in self.accounts:
            self._drill_grants(settings)
        self._state_grant(settings)
        self._alert_token_readers(settings)
        self._deny_secret_values(settings)

    def _release_grants(self, settings: Settings) -> None:
        ArtifactRegistryRepositoryIamMember(
            self,
            "ReleaseRegistryWriter",
            repository=gcp_repository_id(settings),
            location=settings.gcp.region,
            role="roles/artifactregistry.writer",
            member=self.accounts["release"].member,
        )
        # Deploys and releases run the services as their runtime identities; no other service account.
        for kind in ACTS_AS_RUNTIME:
            for workload in RUNTIME_WORKLOADS:
                identity = Identity.of(settings, workload)
                ServiceAccountIamMember(
                    self,
                    f"{kind.capitalize()}ActsAs{workload.capitalize()}",
                    service_account_id=f"projects/{settings.gcp.project_id}/serviceAccounts/{identity.email}",
                    role="roles/iam.serviceAccountUser",
                    member=self.accounts[kind].member,
                )

    def _drill_grants(self, settings: Settings) -> None:
        """The drill's two changes, each a custom role bound under a condition naming its one instance."""
        grants = (
            ("Failover", "fail over the primary", DRILL_FAILOVER, sql_instance_name(settings)),
            ("Rehearsal", "the rehearsal replica", DRILL_REHEARSAL, drill_sql_instance_name(settings)),
        )
        for title, purpose, permissions, instance in grants:
            role = ProjectIamCustomRole(
                self,
                f"Drill{title}Role",
                role_id=custom_role_id(settings, f"drill-{title.lower()}"),
                title=f"{settings.prefix} CI drill {title.lower()}",
                description=f"The quarterly drill: {purpose} (gcp_stacks/delivery.py, granted on {instance} only)",
                permissions=list(permissions),
            )
            ProjectIamMember(
                self,
                f"Drill{title}OnItsInstance",
                project=settings.gcp.project_id,
                role=role.name,
                member=self.accounts["drill"].member,
                condition=ProjectIamMemberCondition(
                    title=f"{instance}-only",
                    description=f"The drill may {purpose} on {instance} and no other instance",
                    expression=sql_instance_condition(settings, instance),
                ),
            )

    def _state_grant(self, settings: Settings) -> None:
        """Plans (and drift runs) read Terraform state; project viewer does not include object contents."""
        if settings.gcp.state_bucket:
            for kind in PLANNING:
                StorageBucketIamMember(
                    self,
                    f"{kind.title()}StateReader",
                    bucket=settings.gcp.state_bucket,
                    role="roles/storage.objectViewer",
                    member=self.accounts[kind].member,
                )

    def _alert_token_readers(self, settings: Settings) -> None:
        """Plans and applies open the observability stack's ephemeral reads of the two alert tokens (they go to
        Cloud Monitoring as write-only arguments), so the plan and deploy identities may access exactly those two
        secrets, no other value. The operator creates them (docs/gcp.md) after this stack: a condition on their
        names, unlike a grant on each secret, needs neither to exist yet."""
        number = DataGoogleProject(self, "Project", project_id=settings.gcp.project_id).number
        names = [
            f"projects/{number}/secrets/{secret_manager_id(name)}"
            for name in (settings.routes.pagerduty_secret_name, settings.routes.slack_webhook_secret_name)
        ]
        for kind in (*PLANNING, "deploy"):
            ProjectIamMember(
                self,
                f"{kind.title()}AlertSecretsAccessor",
                project=settings.gcp.project_id,
                role="roles/secretmanager.secretAccessor",
                member=self.accounts[kind].member,
                condition=ProjectIamMemberCondition(
                    title="alert-channel-tokens-only",
                    description="Read only the alert channel tokens the observability stack sends to Monitoring",
                    expression=" || ".join(f"resource.name.startsWith('{name}/versions/')" for name in names),
                ),
            )

    def _deny_secret_values(self, settings: Settings) -> None:
        """No CI identity reads a secret value, whatever IAM it could grant itself: the deploy identity sets IAM on
        secrets (the data stack's per-secret readers) and could otherwise grant itself `secretAccessor`. Deny
        outranks allow. Deny conditions may test only tags, so the two alert tokens plans and deploys must open are
        exempt by a tag, which the operator binds and no CI identity may bind (no `resourcemanager.tagUser`)."""
        project = settings.gcp.project_id
        key = TagsTagKey(
            self,
            "CiReadableSecretTag",
            parent=f"projects/{project}",
            short_name=settings.name("ci-readable"),
            description="Secrets whose value CI identities may read: only the two alert channel tokens",
        )
        alert_token = TagsTagValue(
            self,
            "AlertTokenTagValue",
            parent=key.id,
            short_name=ALERT_TOKEN_TAG_VALUE,
            description="The PagerDuty and Slack tokens the observability stack sends to Cloud Monitoring",
        )

        def principals(kinds) -> list[str]:
            return [
                f"principal://iam.googleapis.com/projects/-/serviceAccounts/{self.accounts[kind].email}"
                for kind in kinds
            ]

        untagged = [kind for kind in gcp_kinds(settings) if kind not in ALERT_TOKEN_READERS]
        IamDenyPolicy(
            self,
            "CiSecretValuesDeny",
            parent=deny_policy_parent(settings),
            name=settings.name("ci-secret-values"),
            display_name="CI identities read no secret value",
            rules=[
                IamDenyPolicyRules(
                    description="Releases read no secret value",
                    deny_rule=IamDenyPolicyRulesDenyRule(
                        denied_principals=principals(untagged), denied_permissions=[SECRET_VALUE_PERMISSION]
                    ),
                ),
                IamDenyPolicyRules(
                    description="Plans and deploys read only the secrets tagged as alert channel tokens",
                    deny_rule=IamDenyPolicyRulesDenyRule(
                        denied_principals=principals(ALERT_TOKEN_READERS),
                        denied_permissions=[SECRET_VALUE_PERMISSION],
                        denial_condition=IamDenyPolicyRulesDenyRuleDenialCondition(
                            title="not-an-alert-channel-token",
                            expression=f"!resource.matchTagId('{key.id}', '{alert_token.id}')",
                        ),
                    ),
                ),
            ],
        )


class DeliveryStack(GcpStack):
    """The GitHub Actions trust. Deployed after `data`: it grants on the registry and runtime identities."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id, settings=settings, component="delivery")
        self.federation = GithubFederation(self, "GithubFederation", settings=settings)
