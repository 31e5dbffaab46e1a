"""The regional standby (`recovery.strategy` pilot_light / warm_standby) in `aws.recovery_region`, after the data
stack: the network and security groups built by the same constructs as the primary's (with the standby region's
zones), and the cross-region read replica of the primary database, promoted on failover. What the data stack
replicates into (keys, the uploads replica, the image template) is `aws_stacks/replication.py`, deployed before.

Why a read replica, not cross-region automated-backup replication: a replica lags seconds and promotes in minutes
(RDS User Guide, 'Working with read replicas' / 'Promoting a read replica'); a replicated backup must first be
restored, which for production's 500 GiB takes 30-60 minutes (shared/recovery.py: `restore`), over the RTO.
"""

from __future__ import annotations

from aws_cdk import Duration, SecretValue, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from aws_cdk import custom_resources as cr
from constructs import Construct

from aws_stacks.compute import ApplicationTier, ServiceEndpoints, ServiceSecrets
from aws_stacks.data import (
    POSTGRES_LOG_TYPES,
    SessionCache,
    instance_hardening,
    postgres_engine,
    postgres_parameter_group,
)
from aws_stacks.nag import NIST, PCI, acknowledge, acknowledge_in_every_pack
from aws_stacks.names import database_user_arn
from aws_stacks.network import DATABASE, InterfaceEndpoints, Network
from aws_stacks.observability import AlertTopics
from aws_stacks.secrets import APP_SECRET_KEY_SECRET, CACHE_AUTH_FIELD, CACHE_AUTH_SECRET
from aws_stacks.security import (
    SecurityGroups,
    customer_managed_key,
    encrypted_log_group,
    frozen,
    logs_key,
    stateful_removal_policy,
)
from shared import Settings, replace_fields
from shared.alerts import Severity
from shared.contract import API, DATABASE_PORT, SENTRY_DSN_SECRET
from shared.places import aws_availability_zones
from shared.recovery_names import aws_standby_names
from shared.runbooks import runbook_url


def standby_settings(settings: Settings) -> Settings:
    """The environment as the standby region sees it: the regions swapped, that region's first availability zones
    (as many as the primary has), no CloudFront prefix list (its id differs per region), and the standby's small
    cache (`recovery.aws_standby_cache_node_type`, as few nodes as the primary's availability allows)."""
    zones = aws_availability_zones(settings.aws.recovery_region)[: len(settings.aws.availability_zones)]
    return replace_fields(
        settings,
        {
            "aws.region": settings.aws.recovery_region,
            "aws.recovery_region": settings.aws.region,
            "aws.availability_zones": zones,
            "aws.cloudfront_prefix_list_id": None,
            "aws.cloudfront_vpc_origin_security_group_id": None,  # CloudFront creates one per VPC
            "cache.aws_node_type": settings.recovery.aws_standby_cache_node_type,
            "cache.aws_nodes": 2 if settings.cache.high_availability else 1,
        },
    )


class StandbyDatabase(Construct):
    """The cross-region read replica of the primary, encrypted with a key of this region, promoted on failover."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        primary: Settings,
        vpc: ec2.IVpc,
        logs_key: kms.IKey,
        security_groups: SecurityGroups,
        warning_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        names = aws_standby_names(primary)
        database = settings.database
        key = customer_managed_key(self, "Key", settings=settings, purpose="standby-database")
        engine = postgres_engine(settings)
        stack = Stack.of(self)
        for log_type in POSTGRES_LOG_TYPES:
            encrypted_log_group(
                self,
                f"{log_type.title()}Logs",
                settings=settings,
                key=logs_key,
                log_group_name=f"/aws/rds/instance/{names['database']}/{log_type}",
            )
        # The primary's monitoring role is named, and IAM names are global: this region's is unnamed.
        monitoring_role = iam.Role(
            self,
            "MonitoringRole",
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
        source = rds.DatabaseInstance.from_database_instance_attributes(
            self,
            "Primary",
            instance_identifier=primary.name("postgres"),
            instance_endpoint_address=f"{primary.name('postgres')}.{primary.aws.region}.rds.amazonaws.com",
            port=DATABASE_PORT,
            security_groups=[],
            engine=engine,
        )
        self.instance = rds.DatabaseInstanceReadReplica(
            self,
            "Replica",
            source_database_instance=source,
            instance_identifier=names["database"],
            instance_type=ec2.InstanceType(database.aws_instance_class.removeprefix("db.")),
            vpc=vpc,
            vpc_subnets=DATABASE,
            subnet_group=rds.SubnetGroup(
                self,
                "SubnetGroup",
                vpc=vpc,
                vpc_subnets=DATABASE,
                description=f"BookedBarber {settings.environment}: standby database subnets",
                subnet_group_name=names["database"],
                removal_policy=stateful_removal_policy(settings),
            ),
            security_groups=[frozen(self, "SecurityGroup", security_groups.database)],
            port=DATABASE_PORT,
            parameter_group=postgres_parameter_group(self, "ParameterGroup", settings=settings, engine=engine),
            multi_az=database.multi_az,
            **instance_hardening(database=database, key=key, monitoring_role=monitoring_role),
            deletion_protection=settings.resilience.deletion_protection,
            removal_policy=stateful_removal_policy(settings),
        )
        cfn: rds.CfnDBInstance = self.instance.node.default_child
        # A cross-region source is named by its ARN in its own region (the imported instance's ARN says this one).
        cfn.add_property_override(
            "SourceDBInstanceIdentifier",
            f"arn:{stack.partition}:rds:{primary.aws.region}:{stack.account}:db:{primary.name('postgres')}",
        )
        # The replica inherits encryption from its source; CloudFormation rejects the flag next to the source.
        cfn.add_property_deletion_override("StorageEncrypted")
        cfn.performance_insights_retention_period = database.performance_insights_retention_days
        acknowledge(
            self.instance,
            "RDS11",
            f"The port is the contract's ({DATABASE_PORT}, the engine default that drivers and tooling expect); "
            "access is limited by security groups and the database-tier NACL.",
        )
        acknowledge(
            self.instance,
            "RDSInBackupPlan",
            "The standby replica is a live copy of the primary, which is in the AWS Backup plan (continuous and "
            "daily, copied to this region in production); on promotion it takes automated backups itself.",
            packs=(NIST,),
        )
        if not database.multi_az:
            acknowledge_in_every_pack(
                self.instance,
                "RDS3",
                f"settings.database.multi_az is off in {settings.environment}; the standby mirrors the primary.",
            )
        if not settings.resilience.deletion_protection:
            acknowledge_in_every_pack(
                self.instance,
                "RDS10",
                f"settings.resilience.deletion_protection is off in {settings.environment} so the environment can "
                "be torn down and rebuilt; production enables it (enforced by settings validation).",
            )
        # The RPO holds only while the replica keeps up: warn before the lag reaches it.
        self.lag_alarm = cloudwatch.Alarm(
            self,
            "ReplicaLagAlarm",
            alarm_name=names["replica_lag_alarm"],
            alarm_description=(
                f"warning: the standby replica lags more than half the RPO ({primary.resilience.rpo_minutes} min). "
                f"Runbook: {runbook_url(primary, 'replica_lag')}"
            ),
            metric=self.instance.metric("ReplicaLag", period=Duration.minutes(1), statistic="Maximum"),
            threshold=primary.resilience.rpo_minutes * 60 / 2,
            evaluation_periods=5,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        self.lag_alarm.add_alarm_action(cloudwatch_actions.SnsAction(warning_topic))


# The ECS API asks `valueFrom` for a Secrets Manager secret's full ARN, and a name-only (partial) ARN fails at task
# start: the agent's GetSecretValue on `...:secret:<name>` is denied by a grant on `<name>-??????`, and with broader
# grants the partial ARN finds no secret (aws/aws-cdk#18555, #20744). A replica's ARN is its primary's with the
# region swapped, suffix included (Secrets Manager User Guide, "Replicate secrets across Regions"), but reading the
# primary's would make this stack depend on the primary region at every deploy. So a DescribeSecret in this region,
# at deploy time, reads each replica's full ARN.
REPLICA_ARN_LOOKUP_REASON = (
    "The function CDK's AwsCustomResource runs at deploy time for the standby's secret replica ARNs (DescribeSecret "
    "in this region, three named secrets); it handles no traffic and no data"
)


def standby_secrets(scope: Construct, settings: Settings, *, logs_key: kms.IKey) -> ServiceSecrets:
    """The data stack's secret replicas in this region, by their full ARNs, looked up here at deploy time (above).
    A replica keeps its primary's name; the lookup fails the deploy if the data stack has not replicated it yet."""
    stack = Stack.of(scope)
    logs = encrypted_log_group(
        scope,
        "ReplicaArnLookupLogs",
        settings=settings,
        key=logs_key,
        log_group_name=f"/{settings.prefix}/lambda/standby-secret-arns",
    )
    lookups = []

    def replica(construct_id: str, name: str) -> secretsmanager.ISecret:
        secret_name = settings.path(name)
        call = cr.AwsSdkCall(
            service="SecretsManager",
            action="describeSecret",
            parameters={"SecretId": secret_name},
            physical_resource_id=cr.PhysicalResourceId.of(secret_name),
            output_paths=["ARN"],
        )
        arn_pattern = f"arn:{stack.partition}:secretsmanager:{stack.region}:{stack.account}:secret:{secret_name}-??????"
        lookup = cr.AwsCustomResource(
            scope,
            f"{construct_id}ReplicaArn",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[arn_pattern]),
            install_latest_aws_sdk=False,
            log_group=logs,
        )
        lookups.append(lookup)
        return secretsmanager.Secret.from_secret_complete_arn(scope, construct_id, lookup.get_response_field("ARN"))

    secrets = ServiceSecrets(
        cache_auth=replica("CacheAuthToken", CACHE_AUTH_SECRET),
        app_secret_key=replica("AppSecretKey", APP_SECRET_KEY_SECRET),
        sentry_dsn=replica("SentryDsn", SENTRY_DSN_SECRET),
    )
    _acknowledge_replica_arn_lookups(stack, lookups)
    return secrets


def _acknowledge_replica_arn_lookups(stack: Stack, lookups: list[cr.AwsCustomResource]) -> None:
    """What the packs find on CDK's AwsCustomResource function (one per stack, shared by the three lookups)."""
    function = stack.node.find_child("AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", ""))
    acknowledge(
        function.node.find_child("ServiceRole"),
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        f"{REPLICA_ARN_LOOKUP_REASON}: the managed policy lets it write its own logs, nothing else",
    )
    for rule, why in (
        ("LambdaConcurrency", "CloudFormation calls it once per lookup per deploy; no reserved concurrency needed"),
        ("LambdaDLQ", "CloudFormation invokes it synchronously and fails the deploy on an error: no async event"),
        ("LambdaInsideVPC", "it calls the regional Secrets Manager API only; the VPC would add endpoints, no control"),
    ):
        packs = (NIST,) if rule != "LambdaInsideVPC" else (NIST, PCI)
        acknowledge(function, rule, f"{REPLICA_ARN_LOOKUP_REASON}: {why}", packs=packs)
    for lookup in lookups:
        acknowledge(
            lookup.node.find_child("CustomResourcePolicy"),
            "IAMNoInlinePolicy",
            f"{REPLICA_ARN_LOOKUP_REASON}: this inline policy allows DescribeSecret on one secret name, nothing else",
            packs=(NIST, PCI),
        )


class StandbyStack(Stack):
    """The standby's network (the primary's constructs, with the standby region's zones), database replica, a
    small cold cache, and the api and web services behind an internal load balancer at the strategy's size."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        secrets_key: kms.IKey,
        uploads_key: kms.IKey,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        standby = standby_settings(settings)
        self.logs_key = logs_key(self, "LogsKey", settings=standby)
        self.vpc = Network(self, "Network", settings=standby, logs_key=self.logs_key).vpc
        self.security_groups = SecurityGroups(self, "SecurityGroups", vpc=self.vpc, settings=standby)
        if standby.network.aws_interface_endpoints:
            InterfaceEndpoints(self, "InterfaceEndpoints", vpc=self.vpc, security_group=self.security_groups.endpoints)
        # Alarms act only on topics of their own region: this region's warning route (email, like the primary's).
        alerts = AlertTopics(self, "Alerts", settings=standby, label="standby")
        self.database = StandbyDatabase(
            self,
            "Database",
            settings=standby,
            primary=settings,
            vpc=self.vpc,
            logs_key=self.logs_key,
            security_groups=self.security_groups,
            warning_topic=alerts.topics[Severity.WARNING],
        )
        secrets = standby_secrets(self, standby, logs_key=self.logs_key)
        # Created now, not at failover: a replication group takes 10-15 min to create, more than the RTO's slack.
        self.cache = SessionCache(
            self,
            "SessionCache",
            settings=standby,
            vpc=self.vpc,
            key=customer_managed_key(self, "CacheKey", settings=standby, purpose="standby-cache"),
            auth_secret=secrets.cache_auth,
            logs_key=self.logs_key,
            security_groups=self.security_groups,
            # By name: CloudFormation resolves a secret of this account and region by its name.
            auth_token=SecretValue.secrets_manager(standby.path(CACHE_AUTH_SECRET), json_field=CACHE_AUTH_FIELD),
        )
        replica = self.database.instance

        # The replica itself (no proxy in the standby): `rds-db:connect` on its DbiResourceId for the api's user.
        def connect_to_replica(role: iam.IRole) -> None:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="ConnectToStandbyDatabase",
                    actions=["rds-db:connect"],
                    resources=[database_user_arn(self, replica.instance_resource_id, API)],
                )
            )

        self.tier = ApplicationTier(
            self,
            settings=standby,
            vpc=self.vpc,
            logs_key=self.logs_key,
            security_groups=self.security_groups,
            endpoints=ServiceEndpoints(
                database_host=replica.db_instance_endpoint_address,
                # RDS instance certificates chain to the RDS CA, in no OS trust store: the region's bundle (PEM),
                # which the operator writes to this parameter once (docs/disaster-recovery.md, "Until promoted").
                database_root_cert=ecs.Secret.from_ssm_parameter(
                    ssm.StringParameter.from_string_parameter_name(
                        self, "DatabaseCaBundle", aws_standby_names(settings)["database_ca_parameter"]
                    )
                ),
                cache_host=self.cache.replication_group.attr_primary_end_point_address,
                uploads_bucket=aws_standby_names(settings)["uploads_bucket"],
                # The replicas' keys by ARN (recovery stack, this region): IAM grants on an alias ARN grant nothing.
                uploads_key_arn=uploads_key.key_arn,
                secrets=secrets,
                secrets_key_arn=secrets_key.key_arn,
            ),
            database_connect=connect_to_replica,
            standby_tasks=settings.recovery.running_standby_tasks,
        )
