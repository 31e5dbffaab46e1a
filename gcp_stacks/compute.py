"""Compute: the Artifact Registry repository and the two Cloud Run services."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformResourceLifecycle, Token
from cdktn_provider_google.artifact_registry_repository import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryCleanupPolicies,
    ArtifactRegistryRepositoryCleanupPoliciesCondition,
    ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions,
    ArtifactRegistryRepositoryDockerConfig,
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
from cdktn_provider_google.data_google_redis_instance import DataGoogleRedisInstance
from constructs import Construct

from gcp_stacks.names import bucket_name, redis_instance_name, sql_connection_name
from gcp_stacks.network import NetworkRefs
from gcp_stacks.secrets import secret_id
from gcp_stacks.security import SECONDS_PER_DAY, Identity, ServiceKey
from shared import Settings
from shared.contract import BACKEND_HEALTH_PATH, DATABASE_NAME, FRONTEND_HEALTH_PATH, UPLOADS_BUCKET_ENV
from shared.model import ServiceSizing
from shared.release import gcp_image, gcp_repository_id


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
        self.repository = ArtifactRegistryRepository(
            self,
            "Repository",
            repository_id=gcp_repository_id(settings),
            location=settings.gcp.region,
            format="DOCKER",
            kms_key_name=key.id,
            docker_config=ArtifactRegistryRepositoryDockerConfig(immutable_tags=True),
            cleanup_policy_dry_run=False,
            cleanup_policies=cleanup_policies(settings),
            depends_on=[key.grant],
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
class ServiceSpec:
    """What differs between the two services; everything else is the same code path."""

    workload: str  # service account and name suffix: "api" or "web"
    image_name: str
    sizing: ServiceSizing
    health_path: str
    data_client: bool  # joins the firewall's data-client tag (Cloud SQL and Redis)
    env: dict[str, str]
    secret_env: dict[str, str]  # env var -> secret name suffix (secrets.SECRETS)


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


class CloudRunService(Construct):
    """A Cloud Run service reachable only through the load balancer, with Direct VPC egress."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, spec: ServiceSpec) -> None:
        super().__init__(scope, construct_id)
        network = NetworkRefs.of(settings)
        sizing = spec.sizing
        env = [CloudRunV2ServiceTemplateContainersEnv(name=name, value=value) for name, value in spec.env.items()]
        env += [
            CloudRunV2ServiceTemplateContainersEnv(
                name=name,
                value_source=CloudRunV2ServiceTemplateContainersEnvValueSource(
                    secret_key_ref=CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef(
                        secret=secret_id(settings, secret), version="latest"
                    )
                ),
            )
            for name, secret in spec.secret_env.items()
        ]
        self.service = CloudRunV2Service(
            self,
            "Service",
            name=settings.name(spec.workload),
            location=settings.gcp.region,
            ingress="INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
            deletion_protection=settings.resilience.deletion_protection,
            template=CloudRunV2ServiceTemplate(
                service_account=Identity.of(settings, spec.workload).email,
                execution_environment="EXECUTION_ENVIRONMENT_GEN2",
                # Requests one instance serves at once, derived from AWS's per-task request target (shared.model).
                max_instance_request_concurrency=settings.cloud_run_concurrency,
                scaling=CloudRunV2ServiceTemplateScaling(
                    min_instance_count=sizing.cloud_run_min_instances,
                    max_instance_count=sizing.cloud_run_max_instances,
                ),
                vpc_access=CloudRunV2ServiceTemplateVpcAccess(
                    egress="PRIVATE_RANGES_ONLY",
                    network_interfaces=[
                        CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces(
                            network=network.network_id,
                            subnetwork=network.subnet_id,
                            tags=[network.data_client_tag] if spec.data_client else None,
                        )
                    ],
                ),
                containers=[
                    CloudRunV2ServiceTemplateContainers(
                        image=gcp_image(settings, spec.image_name),  # the first apply; releases own it after
                        ports=CloudRunV2ServiceTemplateContainersPorts(container_port=sizing.container_port),
                        resources=CloudRunV2ServiceTemplateContainersResources(
                            limits={"cpu": str(sizing.cloud_run_cpus), "memory": f"{sizing.cloud_run_memory_mib}Mi"},
                            cpu_idle=True,
                            startup_cpu_boost=True,
                        ),
                        env=env,
                        startup_probe=CloudRunV2ServiceTemplateContainersStartupProbe(
                            http_get=CloudRunV2ServiceTemplateContainersStartupProbeHttpGet(path=spec.health_path),
                            initial_delay_seconds=0,
                            period_seconds=5,
                            timeout_seconds=3,
                            failure_threshold=24,
                        ),
                        liveness_probe=CloudRunV2ServiceTemplateContainersLivenessProbe(
                            http_get=CloudRunV2ServiceTemplateContainersLivenessProbeHttpGet(path=spec.health_path),
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
            location=settings.gcp.region,
            role="roles/run.invoker",
            member="allUsers",
        )


class Services(Construct):
    """The FastAPI backend and the Next.js frontend."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        redis = DataGoogleRedisInstance(
            self, "SessionCache", name=redis_instance_name(settings), region=settings.gcp.region
        )
        # Both services see the flags, as both ECS services do on AWS.
        flags = {f"FEATURE_{flag.upper()}": str(on).lower() for flag, on in sorted(settings.feature_flags.items())}
        api = ServiceSpec(
            workload="api",
            image_name="backend",
            sizing=settings.compute.backend,
            health_path=BACKEND_HEALTH_PATH,
            data_client=True,
            env={
                "ENVIRONMENT": settings.environment,
                "CLOUD_SQL_CONNECTION_NAME": sql_connection_name(settings),
                "DATABASE_NAME": DATABASE_NAME,
                "DATABASE_USER": Identity.of(settings, "api").database_user,
                "DATABASE_IAM_AUTH": "true",
                "REDIS_HOST": redis.host,
                "REDIS_PORT": Token.as_string(redis.port),
                "REDIS_TLS": "true",
                UPLOADS_BUCKET_ENV: bucket_name(settings, "uploads"),
                **flags,
            },
            secret_env={"REDIS_PASSWORD": "redis-auth", "SECRET_KEY": "app-secret-key"},
        )
        web = ServiceSpec(
            workload="web",
            image_name="frontend",
            sizing=settings.compute.frontend,
            health_path=FRONTEND_HEALTH_PATH,
            data_client=False,
            env={
                "ENVIRONMENT": settings.environment,
                "NEXT_PUBLIC_API_URL": f"https://{settings.domain.app_domain}/api",
                **flags,
            },
            secret_env={},
        )
        self.api = CloudRunService(self, "ApiService", settings=settings, spec=api)
        self.web = CloudRunService(self, "WebService", settings=settings, spec=web)
