"""Compute: ECR repositories, the ECS cluster, the FastAPI and Next.js Fargate services, and the ALB in front."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from aws_stacks.alarms import rollback_alarm_names
from aws_stacks.data import Database, SessionCache
from aws_stacks.dns import hosted_zone
from aws_stacks.firewall import WebAcl
from aws_stacks.nag import NIST, acknowledge, acknowledge_in_every_pack
from aws_stacks.names import bucket_name, connect_policy_name
from aws_stacks.network import APP
from aws_stacks.outputs import compute_outputs
from aws_stacks.secrets import APP_SECRET_KEY_FIELD, CACHE_AUTH_FIELD, ApplicationSecrets
from aws_stacks.security import HTTPS, SecurityGroups, encrypted_log_group, frozen, log_bucket
from shared import Settings
from shared.compute import ComputeSettings, ServiceSizing
from shared.contract import (
    API,
    API_PATH_PATTERNS,
    CANDIDATE_HEADER,
    CANDIDATE_HEADER_VALUE,
    DATABASE_NAME,
    DATABASE_PORT,
    ELASTICACHE_PORT,
    SENTRY_DSN_FIELD,
    SYSTEM_TRUST_STORE,
    WEB,
    Service,
    aws_database_login,
    cloud_neutral_values,
    render,
)
from shared.names import aws_repository_name, ecs_load_balancers_role_name, tag_parameter_name
from shared.release import IMAGES
from shared.rollout import PAUSE_STAGE

SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
XRAY_DAEMON_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.14"
XRAY_DAEMON_PORT = 2000
# ELBSecurityPolicy-TLS13-1-2-Res-2021-06: TLS 1.3, and TLS 1.2 only with forward-secret AES-GCM ciphers.
ALB_SSL_POLICY = elbv2.SslPolicy.TLS13_RES
# Names of the internal load balancer CloudFront reaches through its VPC origin, and of its target groups. They
# changed with the move from the internet-facing ALB: a scheme change replaces the ALB, CloudFormation cannot
# replace a resource under the same custom name, and ELB attaches a target group to one load balancer only, so
# the target groups are replaced with it (docs/aws.md, "Moving to the VPC origin").
LOAD_BALANCER_NAME = "origin"
TARGET_GROUP_SUFFIX = "int"
# The candidate rule sits this many priorities before its production rule (same conditions, plus the header).
CANDIDATE_PRIORITY_OFFSET = 5
X_RAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)


class ContainerService(Construct):
    """One Fargate service: task definition with an X-Ray sidecar, encrypted logs, target group, auto scaling."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        service: Service,
        sizing: ServiceSizing,
        cluster: ecs.ICluster,
        repository: ecr.IRepository,
        image_tag: str,
        security_group: ec2.ISecurityGroup,
        logs_key: kms.IKey,
        environment: Mapping[str, str | ecs.Secret],
        desired_count: int | None = None,
        rollback_alarms: bool = True,
        candidate_check: bool = True,
    ) -> None:
        """`desired_count`: None where auto scaling owns the count (the primary); a standby starts at its size.
        `rollback_alarms`: the primary's deployments roll back on its observability stack's alarms (by name);
        a standby region has none of them. `candidate_check`: the primary's deployments wait for the check
        through the load balancer (ops/rollout.py); the candidate header never reaches a standby's load balancer
        (CloudFront sends it to the primary), so a standby's deployments shift once their tasks are healthy."""
        super().__init__(scope, construct_id)
        self.name = name = service.name
        self.target_group_port = service.port
        self.sizing = sizing
        self.log_group = log_group = encrypted_log_group(
            self, "LogGroup", settings=settings, key=logs_key, log_group_name=f"/{settings.prefix}/ecs/{name}"
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            family=settings.name(name),
            cpu=sizing.fargate_cpu_units,
            memory_limit_mib=sizing.fargate_memory_mib,
        )
        self.task_role = self.task_definition.task_role
        plain, secrets = split_secrets(environment)
        app = self.task_definition.add_container(
            "App",
            container_name=name,
            image=ecs.ContainerImage.from_ecr_repository(repository, image_tag),
            port_mappings=[ecs.PortMapping(container_port=service.port)],
            # The contract's variables, in its order; the X-Ray SDK's own variable points it at the sidecar.
            environment={**plain, "AWS_XRAY_DAEMON_ADDRESS": f"localhost:{XRAY_DAEMON_PORT}"},
            secrets=secrets or None,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=name, log_group=log_group),
            essential=True,
        )
        xray = self.task_definition.add_container(
            "XRayDaemon",
            container_name="xray-daemon",
            image=ecs.ContainerImage.from_registry(XRAY_DAEMON_IMAGE),
            cpu=32,
            memory_reservation_mib=256,
            port_mappings=[ecs.PortMapping(container_port=XRAY_DAEMON_PORT, protocol=ecs.Protocol.UDP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="xray", log_group=log_group),
            essential=True,
            readonly_root_filesystem=True,
        )
        app.add_container_dependencies(
            ecs.ContainerDependency(container=xray, condition=ecs.ContainerDependencyCondition.START)
        )
        self.task_role.add_to_principal_policy(
            iam.PolicyStatement(sid="XRayDaemon", actions=list(X_RAY_ACTIONS), resources=["*"])
        )
        acknowledge(
            self.task_role,
            "IAM5[Resource::*]",
            "X-Ray trace and sampling APIs (PutTraceSegments, PutTelemetryRecords, GetSampling*) support no "
            "resource-level permissions; the statement holds only those five X-Ray actions.",
        )
        acknowledge(
            self.task_definition,
            "ECS2",
            "The environment holds only non-secret configuration (environment name, domains, endpoints, feature "
            "flags); every credential comes from Secrets Manager through the container's `secrets`.",
        )
        execution_role = self.task_definition.obtain_execution_role()
        acknowledge(
            execution_role,
            "IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls themselves are limited to "
            "this service's repository ARN.",
        )
        # Blue serves production; green (the alternate group) receives the new revision during a blue/green
        # deployment, and ECS swaps their roles at each one. `-alt`: target group names stop at 32 characters.
        self.target_group = self._target_group(
            "TargetGroup", settings.name(f"{name}-{TARGET_GROUP_SUFFIX}"), cluster=cluster, service=service
        )
        self.alternate_target_group = self._target_group(
            "AlternateTargetGroup", settings.name(f"{name}-alt"), cluster=cluster, service=service
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=settings.name(name),
            cluster=cluster,
            task_definition=self.task_definition,
            # No desired count in the primary: auto scaling owns it, and a deploy must not reset a scaled-out service
            # to the minimum; a standby starts at its strategy's size.
            desired_count=desired_count,
            min_healthy_percent=100,
            max_healthy_percent=200,
            # Blue/green: the new revision starts beside the serving one and takes traffic only after the release's
            # check through the load balancer (the pause below); both run for the bake time, so a rollback is a
            # traffic switch, not a redeploy.
            deployment_strategy=ecs.DeploymentStrategy.BLUE_GREEN,
            bake_time=Duration.minutes(settings.rollout.bake_time_minutes),
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            # By name: the alarms live in the observability stack, deployed after this one (see alarms.py).
            deployment_alarms=ecs.DeploymentAlarmConfig(
                alarm_names=rollback_alarm_names(settings, name), behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM
            )
            if rollback_alarms
            else None,
            health_check_grace_period=Duration.seconds(60),
            security_groups=[security_group],
            vpc_subnets=APP,
            assign_public_ip=False,
            enable_ecs_managed_tags=True,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        if candidate_check:
            pause_for_candidate_check(self.service, timeout_minutes=settings.rollout.candidate_check_timeout_minutes)

    def _target_group(
        self, construct_id: str, name: str, *, cluster: ecs.ICluster, service: Service
    ) -> elbv2.ApplicationTargetGroup:
        return elbv2.ApplicationTargetGroup(
            self,
            construct_id,
            target_group_name=name,
            vpc=cluster.vpc,
            port=service.port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=service.health_path,
                healthy_http_codes="200-399",
                interval=Duration.seconds(30),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )

    def route(self, *, rules: ServiceRules, role: iam.IRole) -> None:
        """Behind the load balancer's rules for this service: production to blue, test (candidate) to green."""
        self.service.load_balancer_target(
            container_name=self.name,
            container_port=self.target_group_port,
            alternate_target=ecs.AlternateTarget(
                "AlternateTarget",
                alternate_target_group=self.alternate_target_group,
                production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(rules.production),
                test_listener=ecs.ListenerRuleConfiguration.application_listener_rule(rules.test),
                role=role,
            ),
        ).attach_to_application_target_group(self.target_group)

    def scale(self, *, compute: ComputeSettings, min_tasks: int | None = None) -> None:
        """CPU, memory and ALB requests per task; call once the target group is behind a listener. `min_tasks`:
        a standby's floor (the failover raises it to the primary's minimum)."""
        scaling = self.service.auto_scale_task_count(
            min_capacity=self.sizing.fargate_min_tasks if min_tasks is None else min_tasks,
            max_capacity=self.sizing.fargate_max_tasks,
        )
        cooldowns = dict(
            scale_in_cooldown=Duration.seconds(SCALE_IN_COOLDOWN_SECONDS),
            scale_out_cooldown=Duration.seconds(SCALE_OUT_COOLDOWN_SECONDS),
        )
        scaling.scale_on_cpu_utilization(
            "CpuScaling", target_utilization_percent=compute.scale_out_cpu_percent, **cooldowns
        )
        scaling.scale_on_memory_utilization(
            "MemoryScaling", target_utilization_percent=compute.scale_out_memory_percent, **cooldowns
        )
        # Requests per target of whichever group serves (blue/green moves production between them), as metric
        # math: the predefined ALBRequestCountPerTarget names one group and reads nothing after a swap.
        scaling.scale_to_track_custom_metric(
            "RequestScaling",
            metric=self.requests_per_target(self.target_group),
            target_value=compute.scale_out_requests_per_target,
            **cooldowns,
        )
        # Returns nothing in Python: the policy is the one construct of that id under the service.
        (policy,) = [c for c in self.service.node.find_all() if c.node.id == "RequestScaling"]
        cfn = policy.node.default_child
        spec = "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification"
        for field in ("MetricName", "Namespace", "Dimensions", "Statistic"):
            cfn.add_property_deletion_override(f"{spec}.{field}")
        groups = {"primary": self.target_group, "alternate": self.alternate_target_group}
        cfn.add_property_override(
            f"{spec}.Metrics",
            [
                *(
                    {
                        "Id": which,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/ApplicationELB",
                                "MetricName": "RequestCountPerTarget",
                                "Dimensions": [{"Name": "TargetGroup", "Value": group.target_group_full_name}],
                            },
                            "Stat": "Sum",
                        },
                        "ReturnData": False,
                    }
                    for which, group in groups.items()
                ),
                {
                    "Id": "requests_per_target",
                    "Expression": " + ".join(f"FILL({which}, 0)" for which in groups),
                    "Label": f"{self.name} requests per target (both target groups)",
                    "ReturnData": True,
                },
            ],
        )

    @staticmethod
    def requests_per_target(group: elbv2.ApplicationTargetGroup) -> cloudwatch.Metric:
        """The placeholder the override above replaces (CDK's target tracking takes one plain metric)."""
        return cloudwatch.Metric(
            namespace="AWS/ApplicationELB",
            metric_name="RequestCountPerTarget",
            dimensions_map={"TargetGroup": group.target_group_full_name},
            statistic="Sum",
        )


def pause_for_candidate_check(service: ecs.FargateService, *, timeout_minutes: int) -> None:
    """A PAUSE lifecycle hook after the test traffic shift: the new revision answers only requests carrying the
    candidate header until ops/rollout.py continues the deployment (or rolls it back), for a release and for an
    infrastructure deploy alike; past the timeout ECS
    rolls back by itself. The L2 hook targets need a Lambda ARN, hence the override (CloudFormation's
    DeploymentLifecycleHook accepts TargetType PAUSE without one)."""
    cfn = service.node.default_child
    cfn.add_property_override(
        "DeploymentConfiguration.LifecycleHooks",
        [
            {
                "TargetType": "PAUSE",
                "LifecycleStages": [PAUSE_STAGE],
                "TimeoutConfiguration": {"Action": "ROLLBACK", "TimeoutInMinutes": timeout_minutes},
            }
        ],
    )


@dataclass(frozen=True)
class ServiceRules:
    """One service's two listener rules: production (blue) and test (requests with the candidate header)."""

    production: elbv2.ApplicationListenerRule
    test: elbv2.ApplicationListenerRule


def candidate_and_production_rules(
    listener: elbv2.ApplicationListener,
    name: str,
    *,
    priority: int,
    conditions: list[elbv2.ListenerCondition],
    target_group: elbv2.IApplicationTargetGroup,
) -> ServiceRules:
    """The production rule, and just before it the same conditions plus the candidate header (GCP's header,
    shared/contract.py). Both forward to blue until a deployment: ECS points them at the target groups itself."""
    candidate = elbv2.ListenerCondition.http_header(CANDIDATE_HEADER, [CANDIDATE_HEADER_VALUE])
    forward = elbv2.ListenerAction.forward([target_group])
    # `<Name>Rule`: the ids `add_action` gave the production rules, so their logical ids stay.
    production = elbv2.ApplicationListenerRule(
        listener, f"{name}Rule", listener=listener, priority=priority, conditions=conditions, action=forward
    )
    test = elbv2.ApplicationListenerRule(
        listener,
        f"{name}CandidateRule",
        listener=listener,
        priority=priority - CANDIDATE_PRIORITY_OFFSET,
        conditions=[*conditions, candidate],
        action=forward,
    )
    return ServiceRules(production=production, test=test)


class LoadBalancerRole(Construct):
    """The role ECS assumes to move the listener rules and target groups during a blue/green deployment
    (AWS's managed policy for exactly that); named, so the release execution role may pass it and nothing else."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, primary: bool = True) -> None:
        """`primary`: the release may pass this one by name; a standby's (IAM names are global) carries its region."""
        super().__init__(scope, construct_id)
        name = ecs_load_balancers_role_name(settings)
        self.role = iam.Role(
            self,
            "Role",
            role_name=name if primary else f"{name}-{Stack.of(self).region}",
            description="ECS blue/green: shifts the ALB listener rules between the services' target groups",
            assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonECSInfrastructureRolePolicyForLoadBalancers")
            ],
        )
        acknowledge(
            self.role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]",
            "AWS's policy for ECS blue/green traffic shifting (listener rules, target groups), maintained by AWS as "
            "the deployment feature changes; ECS alone can assume the role",
        )


class LoadBalancer(Construct):
    """Internal ALB in the app subnets, HTTPS only (TLS 1.3), DNS-validated certificate, access logs: `/api/*` to
    the api, the rest to the web service. It has no public address: CloudFront reaches it through a VPC origin
    (edge.py), so no shared header locks the origin and nothing in CloudFront's configuration is a secret."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        zone: route53.IHostedZone,
        web: elbv2.IApplicationTargetGroup,
        api: elbv2.IApplicationTargetGroup,
        origin_record: bool = True,
    ) -> None:
        """`origin_record`: the origin domain's alias to this ALB; one region owns the name (the primary's), a
        standby's CloudFront VPC origin connects by ARN and only checks the certificate's name."""
        super().__init__(scope, construct_id)
        self.access_logs = log_bucket(self, "AccessLogsBucket", settings=settings, name="alb-logs")
        acknowledge_in_every_pack(
            self.access_logs,
            "S1",
            "This bucket only receives ALB access logs; logging its own accesses would need yet another "
            "bucket, and writes come solely from the ELB log delivery service.",
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            load_balancer_name=settings.name(LOAD_BALANCER_NAME),
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=APP,
            security_group=security_group,
            deletion_protection=settings.resilience.deletion_protection,
            drop_invalid_header_fields=True,
        )
        self.alb.log_access_logs(self.access_logs, prefix="alb")
        if not settings.resilience.deletion_protection:
            acknowledge(
                self.alb,
                "ELBDeletionProtectionEnabled",
                f"settings.resilience.deletion_protection is off in {settings.environment} so the environment can "
                "be torn down and rebuilt; production enables it (enforced by settings validation).",
                packs=(NIST,),
            )
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=settings.domain.origin_domain,
            validation=acm.CertificateValidation.from_dns(zone),
        )
        https = self.alb.add_listener(
            "HttpsListener",
            port=HTTPS,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[self.certificate],
            ssl_policy=ALB_SSL_POLICY,
            open=False,
            # Every path is one of the rules below; anything else is refused.
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="text/plain", message_body="Forbidden"
            ),
        )
        api_paths = elbv2.ListenerCondition.path_patterns(list(API_PATH_PATTERNS))
        everything = elbv2.ListenerCondition.path_patterns(["/*"])
        self.rules = {
            API.name: candidate_and_production_rules(
                https, "Api", priority=10, conditions=[api_paths], target_group=api
            ),
            WEB.name: candidate_and_production_rules(
                https, "Web", priority=20, conditions=[everything], target_group=web
            ),
        }
        if not origin_record:
            return
        # The certificate's name, which CloudFront checks over TLS; it now resolves to private addresses, reachable
        # only inside the VPC: CloudFront itself reaches the ALB by the VPC origin's ARN, not through this record.
        route53.ARecord(
            self,
            "OriginAlias",
            zone=zone,
            record_name=settings.domain.origin_domain,
            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(self.alb)),
        )


def uploads_policy(role: iam.IRole, *, uploads: str, key_arn: str, region: str) -> None:
    """The API reads, writes and deletes users' uploads: objects only, never the bucket's settings. On the task
    role, by the bucket's settings-derived name, so neither the bucket's nor the key's policy in the data stack
    changes (which would make the data stack depend on this one)."""
    bucket_arn = f"arn:{Aws.PARTITION}:s3:::{uploads}"
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="UploadsObjects",
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=[f"{bucket_arn}/*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="UploadsList", actions=["s3:ListBucket"], resources=[bucket_arn])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="UploadsKey",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        )
    )
    acknowledge(
        role.node.find_child("DefaultPolicy"),
        f"IAM5[Resource::arn:<AWS::Partition>:s3:::{uploads}/*]",
        "Users' uploads are objects under keys the API chooses at run time; the statement names only this "
        "environment's uploads bucket and only object get, put and delete.",
    )


@dataclass(frozen=True)
class ServiceEndpoints:
    """Where the services find their data, the narrow inputs the primary (data stack) and a standby supply."""

    database_host: str  # RDS Proxy (primary) or the replica instance (standby)
    cache_host: str  # the Redis primary endpoint
    uploads_bucket: str  # bucket name (the primary's by reference: the data stack's output)
    uploads_key_arn: str  # the uploads bucket's KMS key
    secrets: ServiceSecrets  # the application secrets of this region
    secrets_key_arn: str  # the key those secrets are encrypted with in this region
    # The CA the database's certificate chains to: the proxy's ACM certificate is in the OS store; an instance's
    # (a standby replica's) chains to the RDS CA, so a PEM bundle from a parameter.
    database_root_cert: str | ecs.Secret = SYSTEM_TRUST_STORE
    # The name the task role's policy names, derived from settings (no reference); None: `uploads_bucket`.
    uploads_bucket_policy_name: str | None = None


@dataclass(frozen=True)
class ServiceSecrets:
    """The application secrets, as this region's Secrets Manager names them."""

    cache_auth: secretsmanager.ISecret
    app_secret_key: secretsmanager.ISecret
    sentry_dsn: secretsmanager.ISecret


def api_values(
    *, settings: Settings, endpoints: ServiceEndpoints, secrets: Mapping[str, ecs.Secret]
) -> dict[str, str | ecs.Secret]:
    """What the api's contract variables hold on AWS: the database with IAM auth, Redis with TLS and AUTH."""
    return {
        "DATABASE_HOST": endpoints.database_host,
        "DATABASE_PORT": str(DATABASE_PORT),
        "DATABASE_NAME": DATABASE_NAME,
        "DATABASE_USER": aws_database_login(API),
        "DATABASE_AUTH": "aws-rds-iam",
        "DATABASE_SSLMODE": "verify-full",
        "DATABASE_SSLROOTCERT": endpoints.database_root_cert,
        "REDIS_HOST": endpoints.cache_host,
        "REDIS_PORT": str(ELASTICACHE_PORT),
        "REDIS_TLS": "true",
        # ElastiCache's in-transit encryption uses Amazon-issued certificates, also in every OS trust store.
        "REDIS_SSLROOTCERT": SYSTEM_TRUST_STORE,
        "UPLOADS_BUCKET": endpoints.uploads_bucket,
        **secrets,
    }


def common_values(settings: Settings, service: Service) -> dict[str, str]:
    """The contract variables every service receives: the cloud-neutral ones, and how AWS traces."""
    return {
        **cloud_neutral_values(
            service,
            environment=settings.environment,
            app_domain=settings.domain.app_domain,
            feature_flags=settings.feature_flags,
        ),
        "CLOUD": "aws",
        "TRACE_EXPORTER": "xray",
        "TRACE_ENDPOINT": f"localhost:{XRAY_DAEMON_PORT}",
    }


def split_secrets(environment: Mapping[str, str | ecs.Secret]) -> tuple[dict[str, str], dict[str, ecs.Secret]]:
    plain = {name: value for name, value in environment.items() if isinstance(value, str)}
    return plain, {name: value for name, value in environment.items() if not isinstance(value, str)}


class ApplicationTier:
    """The cluster, the api and web services, the internal ALB with its certificate and the regional web ACL, built
    into `scope` itself (not a child construct, so the primary's logical ids stay what they were) by the primary's
    compute stack and by the standby stack. Inputs are narrow: endpoints, secrets, keys, security groups."""

    def __init__(
        self,
        scope: Stack,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
        endpoints: ServiceEndpoints,
        database_connect: Callable[[iam.IRole], None],
        standby_tasks: int | None = None,
    ) -> None:
        """`database_connect` grants the api's task role its IAM database login. `standby_tasks`: None in the
        primary (auto scaling from the primary's minimum); a standby's running tasks per service (0 in a pilot
        light), with no origin record, no rollback alarms of the primary's region and no candidate-check pause."""
        primary = standby_tasks is None
        # By name, not by reference: the data stack creates them (see registry.py), and a name from settings
        # keeps the image URI a plain string in this template.
        repositories = {
            name: ecr.Repository.from_repository_name(
                scope, f"{name.title()}Repository", aws_repository_name(settings, name)
            )
            for name in IMAGES
        }
        # The released tags, as template parameters of type AWS::SSM::Parameter::Value<String>: CloudFormation
        # reads them on every create and update of this stack, so an infrastructure deploy keeps the running
        # release and a release's deploy rolls out the new tag. (A `{{resolve:ssm:...}}` reference would not do:
        # CloudFormation does not re-read it when only the parameter's value changed.)
        released_tags = {
            name: ssm.StringParameter.value_for_string_parameter(scope, tag_parameter_name(settings, name))
            for name in IMAGES
        }
        self.cluster = cluster = ecs.Cluster(
            scope,
            "Cluster",
            cluster_name=settings.name("cluster"),
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
        )
        secrets = endpoints.secrets

        def common(service: Service) -> dict[str, str | ecs.Secret]:
            return {
                **common_values(settings, service),
                "SENTRY_DSN": ecs.Secret.from_secrets_manager(secrets.sentry_dsn, SENTRY_DSN_FIELD),
            }

        api_environment = render(
            "aws",
            API,
            settings.feature_flags,
            {
                **common(API),
                **api_values(
                    settings=settings,
                    endpoints=endpoints,
                    secrets={
                        "REDIS_AUTH": ecs.Secret.from_secrets_manager(secrets.cache_auth, CACHE_AUTH_FIELD),
                        "SECRET_KEY": ecs.Secret.from_secrets_manager(secrets.app_secret_key, APP_SECRET_KEY_FIELD),
                    },
                ),
            },
        )
        web_environment = render("aws", WEB, settings.feature_flags, common(WEB))

        def service(construct_id: str, contract: Service, environment, group: ec2.ISecurityGroup):
            return ContainerService(
                scope,
                construct_id,
                settings=settings,
                service=contract,
                sizing=getattr(settings.compute, contract.name),
                cluster=cluster,
                repository=repositories[contract.name],
                image_tag=released_tags[contract.name],
                security_group=frozen(scope, f"{construct_id.removesuffix('Service')}SecurityGroup", group),
                logs_key=logs_key,
                environment=environment,
                desired_count=standby_tasks,
                rollback_alarms=primary,
                candidate_check=primary,
            )

        self.api = service("ApiService", API, api_environment, security_groups.api)
        database_connect(self.api.task_role)
        uploads_policy(
            self.api.task_role,
            uploads=endpoints.uploads_bucket_policy_name or endpoints.uploads_bucket,
            key_arn=endpoints.uploads_key_arn,
            region=settings.aws.region,
        )
        self.web = service("WebService", WEB, web_environment, security_groups.web)
        # Both services read secrets (the Sentry DSN; the api also its own): each execution role may decrypt with the
        # secrets key only through Secrets Manager.
        for each in (self.api, self.web):
            each.task_definition.obtain_execution_role().add_to_principal_policy(
                iam.PolicyStatement(
                    sid="DecryptSecretsThroughSecretsManager",
                    actions=["kms:Decrypt"],
                    resources=[endpoints.secrets_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{scope.region}.amazonaws.com"}},
                )
            )
        zone = hosted_zone(scope, "Zone", settings=settings)
        self.load_balancer = LoadBalancer(
            scope,
            "LoadBalancer",
            settings=settings,
            vpc=vpc,
            security_group=frozen(scope, "LoadBalancerSecurityGroup", security_groups.load_balancer),
            zone=zone,
            web=self.web.target_group,
            api=self.api.target_group,
            origin_record=primary,
        )
        load_balancer_role = LoadBalancerRole(scope, "LoadBalancerRole", settings=settings, primary=primary).role
        for each in (self.api, self.web):
            each.route(rules=self.load_balancer.rules[each.name], role=load_balancer_role)
            each.scale(compute=settings.compute, min_tasks=standby_tasks)
        compute_outputs(scope, settings=settings, load_balancer=self.load_balancer.alb)
        firewall = WebAcl(
            scope,
            "Firewall",
            settings=settings,
            scope_name="REGIONAL",
            name=settings.name("alb-waf"),
            logs_key=logs_key,
        )
        wafv2.CfnWebACLAssociation(
            scope,
            "FirewallAssociation",
            resource_arn=self.load_balancer.alb.load_balancer_arn,
            web_acl_arn=firewall.web_acl.attr_arn,
        )


class ComputeStack(Stack):
    """The ECS Fargate services of the api and the web frontend, the application load balancer and its regional
    web ACL."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
        database: Database,
        cache: SessionCache,
        secrets: ApplicationSecrets,
        secrets_key: kms.IKey,
        uploads: s3.IBucket,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # Secrets imported by ARN: the grant stays on the task's execution role instead of the secrets key's
        # policy in the data stack, which would make the data stack depend on this one.
        def imported(construct_id: str, secret: secretsmanager.ISecret) -> secretsmanager.ISecret:
            return secretsmanager.Secret.from_secret_complete_arn(self, construct_id, secret.secret_arn)

        endpoints = ServiceEndpoints(
            database_host=database.proxy.endpoint,
            cache_host=cache.replication_group.attr_primary_end_point_address,
            uploads_bucket=uploads.bucket_name,
            uploads_bucket_policy_name=bucket_name(settings, "uploads", self.account),
            uploads_key_arn=uploads.encryption_key.key_arn,
            secrets=ServiceSecrets(
                cache_auth=imported("CacheAuthToken", secrets.cache_auth),
                app_secret_key=imported("AppSecretKey", secrets.app_secret_key),
                sentry_dsn=imported("SentryDsn", secrets.sentry_dsn),
            ),
            secrets_key_arn=secrets_key.key_arn,
        )

        # The api logs in through the proxy as its own role with an IAM token: `rds-db:connect` on the proxy's
        # `prx-...` resource for exactly that database user, nothing on the instance itself (data.py).
        def connect_through_proxy(role: iam.IRole) -> None:
            role.add_managed_policy(
                iam.ManagedPolicy.from_managed_policy_name(
                    self, "ApiDatabaseConnect", connect_policy_name(settings, API)
                )
            )

        tier = ApplicationTier(
            self,
            settings=settings,
            vpc=vpc,
            logs_key=logs_key,
            security_groups=security_groups,
            endpoints=endpoints,
            database_connect=connect_through_proxy,
        )
        self.api, self.web, self.load_balancer = tier.api, tier.web, tier.load_balancer
