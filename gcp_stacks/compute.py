"""Compute: the Artifact Registry repository and the two Cloud Run services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktn import TerraformResourceLifecycle
from cdktn_provider_google.artifact_registry_repository import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryCleanupPolicies,
    ArtifactRegistryRepositoryCleanupPoliciesCondition,
    ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions,
    ArtifactRegistryRepositoryDockerConfig,
    ArtifactRegistryRepositoryVulnerabilityScanningConfig,
)
from cdktn_provider_google.cloud_run_v2_service import (
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateContainersEnvValueSource,
    CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2ServiceTemplateContainersLivenessProbe,
    CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet,
    CloudRunV2ServiceTemplateContainersPorts,
    CloudRunV2ServiceTemplateContainersResources,
    CloudRunV2ServiceTemplateContainersStartupProbe,
    CloudRunV2ServiceTemplateContainersStartupProbeHttpGet,
    CloudRunV2ServiceTemplateScaling,
    CloudRunV2ServiceTemplateVpcAccess,
    CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces,
    CloudRunV2ServiceTraffic,
)
from cdktn_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember
from cdktn_provider_google.data_google_memorystore_instance import DataGoogleMemorystoreInstance
from cdktn_provider_google.data_google_sql_database_instance import DataGoogleSqlDatabaseInstance
from constructs import Construct

from gcp_stacks.base import retained
from gcp_stacks.data import cache_endpoint
from gcp_stacks.names import (
    bucket_name,
    redis_instance_name,
    secret_id,
    sql_instance_name,
    standby_redis_instance_name,
    standby_sql_instance_name,
)
from gcp_stacks.network import NetworkRefs
from gcp_stacks.security import SECONDS_PER_DAY, Identity, ServiceKey
from shared import Settings
from shared.compute import ServiceSizing
from shared.contract import (
    API,
    CLOUD_RUN_RESERVED,
    DATABASE_NAME,
    DATABASE_PORT,
    GCP_REDIS_AUTH,
    WEB,
    Service,
    cloud_neutral_values,
    render,
)
from shared.names import gcp_repository_id, service_name
from shared.release import gcp_image, gcp_registry_location

# Where Cloud Trace's exporters send spans (the API's gRPC host); the runtime identity holds roles/cloudtrace.agent.
CLOUD_TRACE_ENDPOINT = "cloudtrace.googleapis.com:443"


class Registry(Construct):
    """The Docker repository both services pull from, encrypted with our key.

    Cloud Run pulls with its own service agent, which may read same-project repositories already,
    so the runtime service accounts get no registry role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: ServiceKey,
    ) -> None:
        super().__init__(scope, construct_id)
        # In the multi-region when the standby must pull after a region loss; the location and key are fixed at
        # creation (a change replaces the repository and its images), so a retained one refuses the change.
        self.repository = ArtifactRegistryRepository(
            self,
            "Repository",
            repository_id=gcp_repository_id(settings),
            location=gcp_registry_location(settings),
            format="DOCKER",
            kms_key_name=key.id,
            docker_config=ArtifactRegistryRepositoryDockerConfig(immutable_tags=True),
            # Scanned on push, as ECR's scan on push (containerscanning API, project.py); critical findings reach
            # Security Command Center and page from there (security_findings.py).
            vulnerability_scanning_config=ArtifactRegistryRepositoryVulnerabilityScanningConfig(
                enablement_config="INHERITED"
            ),
            cleanup_policy_dry_run=False,
            cleanup_policies=cleanup_policies(settings),
            depends_on=[key.grant],
            lifecycle=retained(settings),
        )


def cleanup_policies(settings: Settings) -> list[ArtifactRegistryRepositoryCleanupPolicies]:
    """ECR's lifecycle rules in Artifact Registry terms. KEEP wins over DELETE: the newest `kept_images` of
    each image survive, and every other version goes once `untagged_image_expiry_days` old, tagged or not,
    as ECR's count rule expires the oldest tagged images too."""
    compute = settings.compute
    return [
        ArtifactRegistryRepositoryCleanupPolicies(
            id="keep-recent",
            action="KEEP",
            most_recent_versions=ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions(
                keep_count=compute.kept_images
            ),
        ),
        ArtifactRegistryRepositoryCleanupPolicies(
            id="delete-old",
            action="DELETE",
            condition=ArtifactRegistryRepositoryCleanupPoliciesCondition(
                tag_state="ANY", older_than=f"{compute.untagged_image_expiry_days * SECONDS_PER_DAY}s"
            ),
        ),
    ]


@dataclass(frozen=True)
class SecretRef:
    """A contract variable Cloud Run fills from Secret Manager at start (secret id suffix, see secrets.SECRETS)."""

    secret: str


def container_env(settings: Settings, environment: Mapping[str, str | SecretRef]) -> list:
    """The rendered contract as Cloud Run env entries; the variables Cloud Run sets itself (PORT) are left out."""
    env = []
    for name, value in environment.items():
        if name in CLOUD_RUN_RESERVED:
            continue
        if isinstance(value, SecretRef):
            source = CloudRunV2ServiceTemplateContainersEnvValueSource(
                secret_key_ref=CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef(
                    secret=secret_id(settings, value.secret), version="latest"
                )
            )
            env.append(CloudRunV2ServiceTemplateContainersEnv(name=name, value_source=source))
        else:
            env.append(CloudRunV2ServiceTemplateContainersEnv(name=name, value=value))
    return env


# What a release changes outside Terraform, so that no apply rolls it back: the image, the revision it names
# (gcloud sets one; a plan would null it and create a revision), who gets traffic (candidate tag, promotion,
# rollback) and gcloud's client stamps. An apply that changes the template still creates a revision, with the
# running image, and once a release has pinned traffic to a revision, with no traffic: it serves from the next
# release on.
RELEASE_OWNED = (
    "template[0].containers[0].image",
    "template[0].revision",
    "template[0].annotations",
    "traffic",
    "client",
    "client_version",
)


@dataclass(frozen=True)
class Placement:
    """Where a set of services runs: the region, its egress subnet, the data it talks to, its minimum instances."""

    region: str
    subnet_id: str
    sql_instance: str
    redis_instance: str
    min_instances: int | None = None  # None: each service's own `cloud_run_min_instances`

    @classmethod
    def primary(cls, settings: Settings) -> Placement:
        network = NetworkRefs.of(settings)
        return cls(settings.gcp.region, network.subnet_id, sql_instance_name(settings), redis_instance_name(settings))

    @classmethod
    def standby(cls, settings: Settings) -> Placement:
        """The standby region: the replica and the standby's own cache; warm standby runs `standby_tasks` instances
        per service, pilot light none (Cloud Run starts one on the first request, or the failover raises it)."""
        return cls(
            settings.recovery.gcp_standby_region,
            NetworkRefs.of(settings).standby_subnet_id,
            standby_sql_instance_name(settings),
            standby_redis_instance_name(settings),
            min_instances=settings.recovery.running_standby_tasks,
        )


class CloudRunService(Construct):
    """A Cloud Run service reachable only through the load balancer, with Direct VPC egress."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        service: Service,
        sizing: ServiceSizing,
        environment: Mapping[str, str | SecretRef],
        placement: Placement,
    ) -> None:
        super().__init__(scope, construct_id)
        network = NetworkRefs.of(settings)
        env = container_env(settings, environment)
        min_instances = sizing.cloud_run_min_instances if placement.min_instances is None else placement.min_instances
        self.service = CloudRunV2Service(
            self,
            "Service",
            name=service_name(settings, service.name),
            location=placement.region,
            ingress="INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
            deletion_protection=settings.resilience.deletion_protection,
            template=CloudRunV2ServiceTemplate(
                service_account=Identity.of(settings, service.name).email,
                execution_environment="EXECUTION_ENVIRONMENT_GEN2",
                # Requests one instance serves at once, derived from AWS's per-task request target (shared.settings).
                max_instance_request_concurrency=settings.cloud_run_concurrency,
                scaling=CloudRunV2ServiceTemplateScaling(
                    min_instance_count=min_instances,
                    max_instance_count=sizing.cloud_run_max_instances,
                ),
                vpc_access=CloudRunV2ServiceTemplateVpcAccess(
                    egress="PRIVATE_RANGES_ONLY",
                    network_interfaces=[
                        CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces(
                            network=network.network_id,
                            subnetwork=placement.subnet_id,
                            tags=[network.data_client_tag] if service.data_client else None,
                        )
                    ],
                ),
                containers=[
                    CloudRunV2ServiceTemplateContainers(
                        image=gcp_image(settings, service.name),  # the first apply; releases own it after
                        # Cloud Run tells the container this port through PORT, as the contract promises.
                        ports=CloudRunV2ServiceTemplateContainersPorts(container_port=service.port),
                        resources=CloudRunV2ServiceTemplateContainersResources(
                            limits={"cpu": str(sizing.cloud_run_cpus), "memory": f"{sizing.cloud_run_memory_mib}Mi"},
                            cpu_idle=True,
                            startup_cpu_boost=True,
                        ),
                        env=env,
                        startup_probe=CloudRunV2ServiceTemplateContainersStartupProbe(
                            http_get=CloudRunV2ServiceTemplateContainersStartupProbeHttpGet(path=service.health_path),
                            initial_delay_seconds=0,
                            period_seconds=5,
                            timeout_seconds=3,
                            failure_threshold=24,
                        ),
                        liveness_probe=CloudRunV2ServiceTemplateContainersLivenessProbe(
                            http_get=CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet(path=service.health_path),
                            period_seconds=15,
                            timeout_seconds=5,
                            failure_threshold=3,
                        ),
                    )
                ],
            ),
            # The first apply serves the bootstrap revision; from then on the release owns traffic (RELEASE_OWNED).
            traffic=[CloudRunV2ServiceTraffic(type="TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent=100)],
            lifecycle=TerraformResourceLifecycle(ignore_changes=list(RELEASE_OWNED)),
        )
        # Anyone may invoke, but ingress admits only the load balancer, which applies Cloud Armor first.
        CloudRunV2ServiceIamMember(
            self,
            "PublicInvoker",
            name=self.service.name,
            location=placement.region,
            role="roles/run.invoker",
            member="allUsers",
        )


def common_values(settings: Settings, service: Service) -> dict[str, str | SecretRef]:
    """The contract variables every service receives: the cloud-neutral ones, how GCP traces, and the DSN
    (PORT: Cloud Run sets it itself)."""
    return {
        **cloud_neutral_values(
            service,
            environment=settings.environment,
            app_domain=settings.domain.app_domain,
            feature_flags=settings.feature_flags,
        ),
        "CLOUD": "gcp",
        "TRACE_EXPORTER": "cloud-trace",
        "TRACE_ENDPOINT": CLOUD_TRACE_ENDPOINT,
        "SENTRY_DSN": SecretRef("sentry-dsn"),
    }


class Services(Construct):
    """The FastAPI backend (api) and the Next.js frontend (web), each given exactly the contract's variables, in the
    primary region or (`Placement.standby`) the standby region against its replica and cache."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, placement: Placement | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        placement = placement or Placement.primary(settings)
        cache = DataGoogleMemorystoreInstance(
            self, "SessionCache", instance_id=placement.redis_instance, location=placement.region
        )
        ca_certificates = f"{cache.fqn}.managed_server_ca[*].ca_certs[*].certificates"
        sql = DataGoogleSqlDatabaseInstance(self, "Database", name=placement.sql_instance)
        api_values = {
            # Cloud SQL's private IP, reached over Direct VPC egress; the login is the runtime service account's
            # IAM database user, whose password is an OAuth access token (no stored password).
            "DATABASE_HOST": sql.private_ip_address,
            "DATABASE_PORT": str(DATABASE_PORT),
            "DATABASE_NAME": DATABASE_NAME,
            "DATABASE_USER": Identity.of(settings, API.name).database_user,
            "DATABASE_AUTH": "gcp-cloud-sql-iam",
            # The instance's certificate names the instance, not its IP: verify the chain against its own CA.
            "DATABASE_SSLMODE": "verify-ca",
            "DATABASE_SSLROOTCERT": sql.server_ca_cert.get(0).cert,
            # The primary endpoint among the instance's PSC connections (the other is the reader endpoint).
            "REDIS_HOST": cache_endpoint(cache.fqn, "ip_address"),
            "REDIS_PORT": cache_endpoint(cache.fqn, "port"),
            "REDIS_TLS": "true",
            # Every CA certificate the instance lists (during a CA rotation, the old and the new): one PEM bundle.
            "REDIS_SSLROOTCERT": f'${{join("\\n", flatten({ca_certificates}))}}',
            # The password is an IAM access token of the runtime service account (no AUTH string exists).
            "REDIS_AUTH": GCP_REDIS_AUTH,
            "SECRET_KEY": SecretRef("app-secret-key"),
            "UPLOADS_BUCKET": bucket_name(settings, "uploads"),
        }
        api_environment = render("gcp", API, settings.feature_flags, {**common_values(settings, API), **api_values})
        web_environment = render("gcp", WEB, settings.feature_flags, common_values(settings, WEB))
        self.api = CloudRunService(
            self,
            "ApiService",
            settings=settings,
            service=API,
            sizing=settings.compute.api,
            environment=api_environment,
            placement=placement,
        )
        self.web = CloudRunService(
            self, "WebService", settings=settings, service=WEB, sizing=settings.compute.web,
            environment=web_environment, placement=placement,
        )  # fmt: skip
