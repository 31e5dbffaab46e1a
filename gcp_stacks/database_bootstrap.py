"""The one-off database bootstrap: a Cloud Run job running psql with shared/database_bootstrap.py's SQL.

Two halves, because Cloud Run checks a job's secret when the job is created: the identities (data stack: the
job's service account and its access to the `postgres` password secret, the migration login's account and Cloud
SQL IAM user) exist first; the job itself is created by the app stack, after the operator has stored the
password (docs/gcp.md step 4). The operator then runs `gcloud run jobs execute`; running it again changes nothing.
The job reaches the instance's private IP through Direct VPC egress, tagged for a firewall rule that opens
PostgreSQL only, and signs in as the built-in `postgres` user over TLS.
"""

from __future__ import annotations

from cdktn_provider_google.cloud_run_v2_job import (
    CloudRunV2Job,
    CloudRunV2JobTemplate,
    CloudRunV2JobTemplateTemplate,
    CloudRunV2JobTemplateTemplateContainers,
    CloudRunV2JobTemplateTemplateContainersEnv,
    CloudRunV2JobTemplateTemplateContainersEnvValueSource,
    CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2JobTemplateTemplateContainersResources,
    CloudRunV2JobTemplateTemplateVpcAccess,
    CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces,
)
from cdktn_provider_google.data_google_sql_database_instance import DataGoogleSqlDatabaseInstance
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.secret_manager_secret import SecretManagerSecret
from cdktn_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.sql_database_instance import SqlDatabaseInstance
from cdktn_provider_google.sql_user import SqlUser
from constructs import Construct

from gcp_stacks.names import DATABASE_BOOTSTRAP, job_name, secret_id, sql_instance_name
from gcp_stacks.network import NetworkRefs
from gcp_stacks.security import TELEMETRY_ROLES, Identity
from shared import Settings
from shared.contract import DATABASE_PORT
from shared.database_bootstrap import (
    GCP_ADMIN_USER,
    GCP_BOOTSTRAP_ACCOUNT,
    GCP_CLIENT_IMAGE,
    GCP_MIGRATE_ACCOUNT,
    DatabaseLogins,
    gcp_logins,
    psql_command,
)

NAME = DATABASE_BOOTSTRAP
PASSWORD_SECRET = "database-password"  # gcp_stacks.secrets.SECRETS: the `postgres` user's password
# Whatever runs migrations signs in to Cloud SQL with IAM, like the API (gcp_stacks.security.WORKLOAD_ROLES).
MIGRATE_ROLES = ("roles/cloudsql.client", "roles/cloudsql.instanceUser", *TELEMETRY_ROLES)
TIMEOUT_SECONDS = 300
# The SQL runs in one transaction: a retry after a dropped connection starts from a clean slate.
MAX_RETRIES = 1


def identity(settings: Settings, suffix: str) -> Identity:
    account_id = settings.name(suffix)
    return Identity(account_id, f"{account_id}@{settings.gcp.project_id}.iam.gserviceaccount.com")


def logins(settings: Settings) -> DatabaseLogins:
    return gcp_logins(
        api_email=Identity.of(settings, "api").email,
        migrate_email=identity(settings, GCP_MIGRATE_ACCOUNT).email,
    )


class DatabaseBootstrapIdentities(Construct):
    """Data stack: the job's account (reads the password secret, nothing else) and the migration login."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        instance: SqlDatabaseInstance,
        password_secret: SecretManagerSecret,
    ) -> None:
        super().__init__(scope, construct_id)
        project = settings.gcp.project_id
        job = identity(settings, GCP_BOOTSTRAP_ACCOUNT)
        job_account = ServiceAccount(
            self, "JobServiceAccount", account_id=job.account_id, display_name=f"{settings.prefix} database bootstrap"
        )
        SecretManagerSecretIamMember(
            self,
            "PasswordAccessor",
            secret_id=password_secret.id,
            role="roles/secretmanager.secretAccessor",
            member=job_account.member,
        )
        migrate = identity(settings, GCP_MIGRATE_ACCOUNT)
        migrate_account = ServiceAccount(
            self, "MigrateServiceAccount", account_id=migrate.account_id, display_name=f"{settings.prefix} migrations"
        )
        for role in MIGRATE_ROLES:
            ProjectIamMember(
                self,
                f"Migrate{''.join(part.capitalize() for part in role.removeprefix('roles/').split('.'))}",
                project=project,
                role=role,
                member=migrate_account.member,
            )
        SqlUser(
            self,
            "MigrateDatabaseUser",
            name=migrate.database_user,
            instance=instance.name,
            type="CLOUD_IAM_SERVICE_ACCOUNT",
            depends_on=[migrate_account],
        )


class DatabaseBootstrapJob(Construct):
    """App stack: the job, created once its secret has a version (Cloud Run refuses a job whose secret has none)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        network = NetworkRefs.of(settings)
        database = DataGoogleSqlDatabaseInstance(self, "Database", name=sql_instance_name(settings))
        psql, *arguments = psql_command(logins(settings))
        env = [
            CloudRunV2JobTemplateTemplateContainersEnv(name="PGHOST", value=database.private_ip_address),
            CloudRunV2JobTemplateTemplateContainersEnv(name="PGPORT", value=str(DATABASE_PORT)),
            CloudRunV2JobTemplateTemplateContainersEnv(name="PGUSER", value=GCP_ADMIN_USER),
            CloudRunV2JobTemplateTemplateContainersEnv(
                name="PGPASSWORD",
                value_source=CloudRunV2JobTemplateTemplateContainersEnvValueSource(
                    secret_key_ref=CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef(
                        secret=secret_id(settings, PASSWORD_SECRET), version="latest"
                    )
                ),
            ),
        ]
        self.job = CloudRunV2Job(
            self,
            "Job",
            name=job_name(settings),
            location=settings.gcp.region,
            deletion_protection=settings.resilience.deletion_protection,
            template=CloudRunV2JobTemplate(
                task_count=1,
                parallelism=1,
                template=CloudRunV2JobTemplateTemplate(
                    service_account=identity(settings, GCP_BOOTSTRAP_ACCOUNT).email,
                    execution_environment="EXECUTION_ENVIRONMENT_GEN2",
                    timeout=f"{TIMEOUT_SECONDS}s",
                    max_retries=MAX_RETRIES,
                    vpc_access=CloudRunV2JobTemplateTemplateVpcAccess(
                        egress="PRIVATE_RANGES_ONLY",
                        network_interfaces=[
                            CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces(
                                network=network.network_id,
                                subnetwork=network.subnet_id,
                                tags=[network.database_bootstrap_tag],
                            )
                        ],
                    ),
                    containers=[
                        CloudRunV2JobTemplateTemplateContainers(
                            name=NAME,
                            image=GCP_CLIENT_IMAGE,
                            # Straight to psql, past the image's entrypoint (which would start a server).
                            command=[psql],
                            args=arguments,
                            env=env,
                            resources=CloudRunV2JobTemplateTemplateContainersResources(
                                limits={"cpu": "1", "memory": "512Mi"}
                            ),
                        )
                    ],
                ),
            ),
        )
