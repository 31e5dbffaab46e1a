"""Data: PostgreSQL on RDS (Multi-AZ, proxy, read replicas) and the Redis session cache on ElastiCache."""

from __future__ import annotations

from aws_cdk import Duration, Fn, SecretValue, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from aws_stacks.backup import DataBackup
from aws_stacks.database_bootstrap import DatabaseBootstrap
from aws_stacks.nag import NIST, acknowledge, acknowledge_in_every_pack
from aws_stacks.names import connect_policy_name, database_user_arn
from aws_stacks.network import APP, DATABASE
from aws_stacks.os_metrics import EnhancedMonitoringRetention
from aws_stacks.outputs import data_outputs
from aws_stacks.registry import ImageRepositories
from aws_stacks.replication import replicate_images, replicate_uploads, standby_secret_replicas
from aws_stacks.secrets import CACHE_AUTH_FIELD, ApplicationSecrets
from aws_stacks.security import (
    SecurityGroups,
    customer_managed_key,
    encrypted_log_group,
    frozen,
    stateful_removal_policy,
)
from aws_stacks.storage import Uploads
from shared import Settings
from shared.accounts import RDS_OS_METRICS
from shared.contract import DATABASE_NAME, DATABASE_PORT, ELASTICACHE_PORT, SERVICES, aws_database_login
from shared.data import DatabaseSettings

MASTER_USERNAME = "bookedbarber_admin"
# Exported to CloudWatch Logs; the log groups are created first so they are encrypted and retained per settings.
POSTGRES_LOG_TYPES = ("postgresql", "upgrade")
ENHANCED_MONITORING_INTERVAL_SECONDS = 60
# ElastiCache's newest Redis OSS minor and parameter family per `cache.redis_major_version` (Memorystore runs
# its own newest minor, 7.2: see gcp_stacks/data.py).
REDIS_ENGINES = {6: ("6.2", "redis6.x"), 7: ("7.1", "redis7")}
# Sessions and API responses all carry a TTL: evict the least recently used of those first.
REDIS_MAXMEMORY_POLICY = "volatile-lru"

_DEFAULT_PORT_REASON = (
    "The port is the contract's ({port}, the engine default that drivers, RDS Proxy and tooling expect); "
    "access is limited by security groups and the database-tier NACL, and a non-default port adds no real control."
)


def connect_policies(scope: Construct, proxy: rds.DatabaseProxy, *, settings: Settings) -> None:
    """`rds-db:connect` on the proxy's `prx-...` resource for each data client's own role, as a managed policy
    the compute stack attaches by name: built here, where the proxy's ARN is a local attribute, so no other
    template has to take an ARN apart, and the grant cannot name any other role or proxy."""
    proxy_id = Fn.select(6, Fn.split(":", proxy.db_proxy_arn))
    stack = Stack.of(scope)
    for service in SERVICES.values():
        if not service.data_client:
            continue
        iam.ManagedPolicy(
            scope,
            f"{service.name.title()}ConnectPolicy",
            managed_policy_name=connect_policy_name(settings, service),
            description=f"Log in to PostgreSQL through RDS Proxy as {aws_database_login(service)} (IAM auth)",
            statements=[
                iam.PolicyStatement(
                    actions=["rds-db:connect"],
                    resources=[database_user_arn(stack, proxy_id, service)],
                )
            ],
        )


def proxy_logins(proxy: rds.DatabaseProxy, instance: rds.DatabaseInstance, *, settings: Settings) -> None:
    """The proxy's own role may log in to the instance as the services' roles, and as nothing else (the RDS User
    Guide's end-to-end IAM policy: `rds-db:connect` on `dbuser:<DbiResourceId>/<role>`)."""
    role = proxy.node.find_child("IAMRole")
    stack = Stack.of(proxy)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ConnectAsServiceRoles",
            actions=["rds-db:connect"],
            resources=[
                database_user_arn(stack, instance.instance_resource_id, service)
                for service in SERVICES.values()
                if service.data_client
            ],
        )
    )


def master_secret_rotation(instance: rds.DatabaseInstance, *, days: int) -> secretsmanager.CfnRotationSchedule:
    """RDS rotates its managed master secret every 7 days unless Secrets Manager holds another schedule: set ours
    with no rotation function (managed rotation; the L2 `RotationSchedule` insists on a function)."""
    return secretsmanager.CfnRotationSchedule(
        instance,
        "MasterSecretRotation",
        secret_id=instance.node.default_child.attr_master_user_secret_secret_arn,
        rotation_rules=secretsmanager.CfnRotationSchedule.RotationRulesProperty(
            schedule_expression=f"rate({days} days)"
        ),
    )


def postgres_engine(settings: Settings) -> rds.IInstanceEngine:
    database = settings.database
    version = rds.PostgresEngineVersion.of(database.postgres_version, database.postgres_major_version)
    return rds.DatabaseInstanceEngine.postgres(version=version)


def postgres_parameter_group(
    scope: Construct, construct_id: str, *, settings: Settings, engine: rds.IInstanceEngine
) -> rds.ParameterGroup:
    """TLS only, connections logged; also the standby replica's (parameter groups are regional)."""
    return rds.ParameterGroup(
        scope,
        construct_id,
        engine=engine,
        description=(
            f"BookedBarber {settings.environment}: PostgreSQL {settings.database.postgres_major_version}, TLS only"
        ),
        # Statement logging stays off (-1) as on Cloud SQL (CIS): statements can carry customers' personal
        # data; Performance Insights shows slow queries without their literals.
        parameters={
            "rds.force_ssl": "1",
            "log_min_duration_statement": "-1",
            "log_connections": "1",
            "log_disconnections": "1",
        },
    )


def instance_hardening(*, database: DatabaseSettings, key: kms.IKey, monitoring_role: iam.IRole) -> dict:
    """What every PostgreSQL instance of the platform carries, the primary's and the standby's replica alike:
    gp3 with storage auto-scaling, encryption and Performance Insights under its key, Enhanced Monitoring, IAM
    authentication, logs exported, minor upgrades, private."""
    return dict(
        storage_type=rds.StorageType.GP3,
        max_allocated_storage=database.max_allocated_storage_gib,
        storage_encryption_key=key,
        enable_performance_insights=True,
        performance_insight_encryption_key=key,
        monitoring_interval=Duration.seconds(ENHANCED_MONITORING_INTERVAL_SECONDS),
        monitoring_role=monitoring_role,
        iam_authentication=True,
        cloudwatch_logs_exports=list(POSTGRES_LOG_TYPES),
        auto_minor_version_upgrade=True,
        publicly_accessible=False,
    )


class Database(Construct):
    """The primary instance, its proxy, and `settings.database.read_replicas` replicas."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        key: kms.IKey,
        secrets_key: kms.IKey,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
    ) -> None:
        super().__init__(scope, construct_id)
        database = settings.database
        resilience = settings.resilience
        database_group = frozen(self, "DatabaseSecurityGroup", security_groups.database)
        engine = postgres_engine(settings)
        self.parameter_group = postgres_parameter_group(self, "ParameterGroup", settings=settings, engine=engine)
        subnet_group = rds.SubnetGroup(
            self,
            "SubnetGroup",
            vpc=vpc,
            vpc_subnets=DATABASE,
            description=f"BookedBarber {settings.environment}: isolated database subnets",
            subnet_group_name=settings.name("postgres"),
            removal_policy=stateful_removal_policy(settings),
        )
        instance_id = settings.name("postgres")
        monitoring_role = iam.Role(
            self,
            "MonitoringRole",
            role_name=settings.name("rds-monitoring"),
            assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonRDSEnhancedMonitoringRole")
            ],
        )
        acknowledge(
            monitoring_role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
            "AWS's own policy for the Enhanced Monitoring agent, assumable only by monitoring.rds.amazonaws.com; "
            "it only writes to the RDSOSMetrics log group and AWS maintains it as the agent changes.",
        )
        common = dict(
            instance_type=ec2.InstanceType(database.aws_instance_class.removeprefix("db.")),
            vpc=vpc,
            vpc_subnets=DATABASE,
            subnet_group=subnet_group,
            security_groups=[database_group],
            port=DATABASE_PORT,
            parameter_group=self.parameter_group,
            **instance_hardening(database=database, key=key, monitoring_role=monitoring_role),
            deletion_protection=resilience.deletion_protection,
        )
        self._log_groups(instance_id, settings=settings, logs_key=logs_key)
        if settings.account_services.creates(RDS_OS_METRICS):
            EnhancedMonitoringRetention(self, "EnhancedMonitoringRetention", settings=settings)
        self.instance = rds.DatabaseInstance(
            self,
            "Primary",
            engine=engine,
            instance_identifier=instance_id,
            database_name=DATABASE_NAME,
            # RDS creates, encrypts and rotates the master secret itself: no rotation function, so no Lambda role
            # outside the platform's permissions boundary (a SAR app's nested stack) and no network path to open.
            manage_master_user_password=True,
            credentials=rds.Credentials.from_username(MASTER_USERNAME, encryption_key=secrets_key),
            multi_az=database.multi_az,
            allocated_storage=database.allocated_storage_gib,
            backup_retention=Duration.days(resilience.backup_retention_days),
            copy_tags_to_snapshot=True,
            removal_policy=stateful_removal_policy(settings, snapshot=True),
            **common,
        )
        self._set_performance_insights_retention(self.instance, settings)
        self.secret: secretsmanager.ISecret = self.instance.secret
        master_secret_rotation(self.instance, days=resilience.secret_rotation_days)
        self._acknowledge_settings_choices(self.instance, settings)
        # End-to-end IAM authentication: clients present an IAM token to the proxy, and the proxy logs in to
        # PostgreSQL with its own IAM token for the same role, so no application password exists anywhere. The
        # master secret stays for the database bootstrap and break-glass access only.
        self.proxy = self.instance.add_proxy(
            "Proxy",
            db_proxy_name=settings.name("postgres-proxy"),
            vpc=vpc,
            vpc_subnets=APP,
            security_groups=[frozen(self, "ProxySecurityGroup", security_groups.database_proxy)],
            default_auth_scheme=rds.DefaultAuthScheme.IAM_AUTH,
            require_tls=True,
            iam_auth=True,
        )
        proxy_logins(self.proxy, self.instance, settings=settings)
        connect_policies(self, self.proxy, settings=settings)
        self.replicas: list[rds.DatabaseInstanceReadReplica] = []
        for number in range(1, database.read_replicas + 1):
            replica_id = settings.name(f"postgres-replica-{number}")
            self._log_groups(replica_id, settings=settings, logs_key=logs_key)
            replica = rds.DatabaseInstanceReadReplica(
                self,
                f"ReadReplica{number}",
                source_database_instance=self.instance,
                instance_identifier=replica_id,
                # RDS takes no final snapshot of a replica; its data lives on in the primary.
                removal_policy=stateful_removal_policy(settings),
                **common,
            )
            self._set_performance_insights_retention(replica, settings)
            # A replica inherits encryption from its source; CloudFormation rejects the flag next to the source.
            replica.node.default_child.add_property_deletion_override("StorageEncrypted")
            self._acknowledge_settings_choices(replica, settings)
            acknowledge_in_every_pack(
                replica,
                "RDS3",
                "A read replica spreads read load across AZs (it is itself placed in another AZ); durability "
                "and failover come from the Multi-AZ primary.",
            )
            acknowledge(
                replica,
                "RDSInBackupPlan",
                "A read replica holds a copy of the primary's data; the primary is in the AWS Backup plan "
                "(continuous point-in-time and daily snapshots), which is what a restore starts from.",
                packs=(NIST,),
            )
            self.replicas.append(replica)

    def _log_groups(self, instance_id: str, *, settings: Settings, logs_key: kms.IKey) -> None:
        for log_type in POSTGRES_LOG_TYPES:
            encrypted_log_group(
                self,
                f"{instance_id.removeprefix(settings.prefix + '-').title().replace('-', '')}{log_type.title()}Logs",
                settings=settings,
                key=logs_key,
                log_group_name=f"/aws/rds/instance/{instance_id}/{log_type}",
            )

    @staticmethod
    def _set_performance_insights_retention(instance: rds.DatabaseInstanceBase, settings: Settings) -> None:
        # The L2 takes an enum of month names; settings already hold a valid period in days.
        instance.node.default_child.performance_insights_retention_period = (
            settings.database.performance_insights_retention_days
        )

    @staticmethod
    def _acknowledge_settings_choices(instance: Construct, settings: Settings) -> None:
        acknowledge(instance, "RDS11", _DEFAULT_PORT_REASON.format(port=DATABASE_PORT))
        if not settings.resilience.deletion_protection:
            acknowledge_in_every_pack(
                instance,
                "RDS10",
                f"settings.resilience.deletion_protection is off in {settings.environment} so the environment "
                "can be torn down and rebuilt; production enables it (enforced by settings validation).",
            )
        if not settings.database.multi_az:
            acknowledge_in_every_pack(
                instance,
                "RDS3",
                f"settings.database.multi_az is off in {settings.environment} for cost; staging and production "
                "run Multi-AZ (production enforced by settings validation).",
            )


class SessionCache(Construct):
    """Redis replication group for sessions and API caching: TLS, AUTH from Secrets Manager, KMS at rest."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        key: kms.IKey,
        auth_secret: secretsmanager.ISecret,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
        auth_token: SecretValue | None = None,
    ) -> None:
        """`auth_token`: the AUTH token's dynamic reference; by default `auth_secret`'s field (a standby names its
        replica instead, whose full ARN it does not know)."""
        super().__init__(scope, construct_id)
        cache = settings.cache
        engine_version, parameter_family = REDIS_ENGINES[cache.redis_major_version]
        slow_log = encrypted_log_group(
            self, "SlowLog", settings=settings, key=logs_key, log_group_name=f"/{settings.prefix}/redis/slow-log"
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            cache_subnet_group_name=settings.name("redis"),
            description=f"BookedBarber {settings.environment}: isolated database subnets",
            subnet_ids=vpc.select_subnets(subnet_type=DATABASE.subnet_type).subnet_ids,
        )
        parameter_group = elasticache.CfnParameterGroup(
            self,
            "ParameterGroup",
            cache_parameter_group_family=parameter_family,
            description=f"BookedBarber {settings.environment}: sessions and API cache",
            properties={"maxmemory-policy": REDIS_MAXMEMORY_POLICY},
        )
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_id=settings.name("redis"),
            replication_group_description=f"BookedBarber {settings.environment}: sessions and API cache",
            engine="redis",
            engine_version=engine_version,
            cache_node_type=cache.aws_node_type,
            num_cache_clusters=cache.aws_nodes,
            automatic_failover_enabled=cache.high_availability,
            multi_az_enabled=cache.high_availability,
            port=ELASTICACHE_PORT,
            cache_subnet_group_name=subnet_group.ref,
            cache_parameter_group_name=parameter_group.ref,
            security_group_ids=[security_groups.cache.security_group_id],
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=key.key_arn,
            # A `{{resolve:secretsmanager:...}}` dynamic reference: the token never appears in the template.
            auth_token=(auth_token or auth_secret.secret_value_from_json(CACHE_AUTH_FIELD)).unsafe_unwrap(),
            snapshot_retention_limit=cache.snapshot_retention_days,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            auto_minor_version_upgrade=True,
        )
        self.replication_group.apply_removal_policy(stateful_removal_policy(settings, snapshot=True))
        acknowledge(
            self.replication_group,
            "AEC5",
            f"The port is the contract's ({ELASTICACHE_PORT}, the Redis default clients expect); only the api's "
            "security group and the app subnets (NACL) can reach it, and AUTH plus TLS are required.",
        )
        acknowledge(
            self.replication_group,
            "ElastiCacheRedisClusterAutomaticBackup",
            f"Redis holds sessions and cached API responses only, all with a TTL and all rebuilt from PostgreSQL or "
            f"by signing in again; daily snapshots are kept {cache.snapshot_retention_days} day(s) (settings), and "
            "the system of record is in the AWS Backup plan.",
            packs=(NIST,),
        )
        if not cache.high_availability:
            acknowledge(
                self.replication_group,
                "AEC4",
                f"settings.cache.high_availability is off in {settings.environment} for cost (one node); staging "
                "and production run Multi-AZ with automatic failover (production enforced by settings validation).",
            )


class DataStack(Stack):
    """PostgreSQL behind RDS Proxy, Redis, the image registries, the application secrets and feature flags, the
    uploads bucket, their keys and their backup plan."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        vpc: ec2.IVpc,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.secrets_key = customer_managed_key(self, "SecretsKey", settings=settings, purpose="secrets")
        database_key = customer_managed_key(self, "DatabaseKey", settings=settings, purpose="database")
        cache_key = customer_managed_key(self, "CacheKey", settings=settings, purpose="cache")
        self.secrets = ApplicationSecrets(
            self,
            "ApplicationSecrets",
            settings=settings,
            key=self.secrets_key,
            replicas=tuple(standby_secret_replicas(self, settings)),
        )
        self.repositories = ImageRepositories(self, "ImageRepositories", settings=settings).repositories
        if settings.recovery.has_standby:
            replicate_images(self, settings)
        self.database = Database(
            self,
            "Database",
            settings=settings,
            vpc=vpc,
            key=database_key,
            secrets_key=self.secrets_key,
            logs_key=logs_key,
            security_groups=security_groups,
        )
        DatabaseBootstrap(
            self,
            "DatabaseBootstrap",
            settings=settings,
            vpc=vpc,
            master_secret=self.database.secret,
            instance=self.database.instance,
            security_group=frozen(self, "DatabaseBootstrapSecurityGroup", security_groups.database_bootstrap),
            logs_key=logs_key,
        )
        self.cache = SessionCache(
            self,
            "SessionCache",
            settings=settings,
            vpc=vpc,
            key=cache_key,
            auth_secret=self.secrets.cache_auth,
            logs_key=logs_key,
            security_groups=security_groups,
        )
        storage_key = customer_managed_key(self, "StorageKey", settings=settings, purpose="storage")
        self.uploads = Uploads(self, "Uploads", settings=settings, key=storage_key).bucket
        if settings.recovery.has_standby:
            replicate_uploads(self, settings=settings, bucket=self.uploads, key=storage_key)
        self.backup = DataBackup(
            self,
            "Backup",
            settings=settings,
            database=self.database.instance,
            # AWS Backup protects S3 only where the bucket is versioned (staging and production, by settings).
            bucket=self.uploads if settings.storage.versioning else None,
        )
        data_outputs(
            self,
            settings=settings,
            database_endpoint=self.database.proxy.endpoint,
            read_replica_endpoint=(
                self.database.replicas[0].db_instance_endpoint_address if self.database.replicas else None
            ),
            cache_endpoint=self.cache.replication_group.attr_primary_end_point_address,
            repositories=self.repositories,
        )
