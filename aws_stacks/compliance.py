"""Account baseline: threat detection, audit trail, configuration history, and the environment's spend budget.

GuardDuty, Security Hub and Config exist once per account and region, the trail once per account: this stack
creates each only where `settings.account_services` says the environment owns it and no AWS Organization runs it
(shared/accounts.py), so environments sharing an account, or an organization-wide baseline, never collide.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_config as config
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_securityhub as securityhub
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.security import customer_managed_key, encrypted_bucket, encrypted_log_group, log_bucket, logs_key
from shared import Settings
from shared.accounts import CONFIG, GUARDDUTY, SECURITY_HUB, TRAIL, AccountServices

# Security Hub standards: AWS Foundational Security Best Practices, CIS AWS Foundations 3.0, and PCI DSS
# 4.0.1 (v3.2.1 was retired by the PCI council in 2024; cdk-nag's PCI pack still checks 3.2.1 at synth).
SECURITY_HUB_STANDARDS = {
    "FoundationalBestPractices": "aws-foundational-security-best-practices/v/1.0.0",
    "CisFoundations": "cis-aws-foundations-benchmark/v/3.0.0",
    "PciDss": "pci-dss/v/4.0.1",
}
GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING")
BUDGET_SPEND_TYPES = ("ACTUAL", "FORECASTED")


def config_rules() -> tuple[str, ...]:
    """AWS Config managed rules that watch what this platform relies on (encryption, exposure, audit, backups).
    A function, not a constant: reading aws-cdk-lib's constants is a request to the jsii runtime, and importing
    this module must not make one (tests/test_jsii_start.py)."""
    rules = config.ManagedRuleIdentifiers
    return (
        rules.EBS_ENCRYPTED_VOLUMES,
        rules.RDS_STORAGE_ENCRYPTED,
        rules.RDS_INSTANCE_PUBLIC_ACCESS_CHECK,
        rules.RDS_IN_BACKUP_PLAN,
        rules.S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED,
        rules.S3_BUCKET_SSL_REQUESTS_ONLY,
        rules.S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED,
        rules.ROOT_ACCOUNT_MFA_ENABLED,
        rules.IAM_ROOT_ACCESS_KEY_CHECK,
        rules.CLOUD_TRAIL_ENABLED,
        rules.CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED,
        rules.CLOUD_TRAIL_ENCRYPTION_ENABLED,
        rules.CLOUDWATCH_LOG_GROUP_ENCRYPTED,
        rules.VPC_FLOW_LOGS_ENABLED,
        rules.GUARDDUTY_ENABLED_CENTRALIZED,
        rules.ALB_HTTP_DROP_INVALID_HEADER_ENABLED,
        rules.ALB_WAF_ENABLED,
    )


class ThreatDetection(Construct):
    """GuardDuty and Security Hub with the standards above, each where this environment creates it."""

    def __init__(self, scope: Construct, construct_id: str, *, services: AccountServices) -> None:
        super().__init__(scope, construct_id)
        self.detector = None
        self.hub = None
        self.standards = []
        if services.creates(GUARDDUTY):
            self._detector()
        if services.creates(SECURITY_HUB):
            self._hub()

    def _detector(self) -> None:
        self.detector = guardduty.CfnDetector(
            self,
            "Detector",
            enable=True,
            finding_publishing_frequency="FIFTEEN_MINUTES",
            features=[
                guardduty.CfnDetector.CFNFeatureConfigurationProperty(
                    name=name,
                    status="ENABLED",
                    # Fargate tasks have no host to install an agent on: GuardDuty manages it as a sidecar.
                    additional_configuration=[
                        guardduty.CfnDetector.CFNFeatureAdditionalConfigurationProperty(
                            name="ECS_FARGATE_AGENT_MANAGEMENT", status="ENABLED"
                        )
                    ]
                    if name == "RUNTIME_MONITORING"
                    else None,
                )
                for name in GUARDDUTY_FEATURES
            ],
        )

    def _hub(self) -> None:
        self.hub = securityhub.CfnHub(
            self,
            "Hub",
            enable_default_standards=False,
            control_finding_generator="SECURITY_CONTROL",
            auto_enable_controls=True,
        )
        stack = Stack.of(self)
        for construct_id_, standard in SECURITY_HUB_STANDARDS.items():
            subscription = securityhub.CfnStandard(
                self,
                construct_id_,
                standards_arn=f"arn:{stack.partition}:securityhub:{stack.region}::standards/{standard}",
            )
            subscription.node.add_dependency(self.hub)
            self.standards.append(subscription)


class AuditTrail(Construct):
    """CloudTrail for every region: log file validation, KMS, a versioned and access-logged bucket, CloudWatch Logs.

    The same bucket and key receive AWS Config's snapshots and history, under `AWSLogs/<account>/Config/`; without
    `with_trail` only the bucket and key exist, for Config.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, with_trail: bool = True) -> None:
        super().__init__(scope, construct_id)
        self.key = customer_managed_key(self, "Key", settings=settings, purpose="audit")
        self._let_services_encrypt(self.key)
        access_logs = log_bucket(self, "AccessLogsBucket", settings=settings, name="audit-access-logs")
        self.bucket = encrypted_bucket(
            self,
            "Bucket",
            settings=settings,
            name="audit",
            key=self.key,
            access_logs=access_logs,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAfterRetention",
                    expiration=Duration.days(settings.resilience.log_retention_days),
                    noncurrent_version_expiration=Duration.days(settings.storage.noncurrent_version_expiry_days),
                )
            ],
        )
        acknowledge(
            self.bucket,
            "S3BucketReplicationEnabled",
            "Audit logs are versioned and KMS-encrypted in this bucket and also streamed to CloudWatch Logs (the "
            "trail's log group), which is the second, independent copy; the trail itself covers every region.",
            packs=(NIST, PCI),
        )
        self.trail = None
        if with_trail:
            self._trail(settings)

    def _trail(self, settings: Settings) -> None:
        trail_logs_key = logs_key(self, "LogsKey", settings=settings, purpose="audit-logs")
        log_group = encrypted_log_group(
            self, "LogGroup", settings=settings, key=trail_logs_key, log_group_name=f"/{settings.prefix}/cloudtrail"
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=settings.name("trail"),
            bucket=self.bucket,
            encryption_key=self.key,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_file_validation=True,
            management_events=cloudtrail.ReadWriteType.ALL,
            send_to_cloud_watch_logs=True,
            cloud_watch_log_group=log_group,
        )

    @staticmethod
    def _let_services_encrypt(key: kms.Key) -> None:
        """CloudTrail and Config write encrypted objects for this account only."""
        stack = Stack.of(key)
        for sid, service in (("CloudTrail", "cloudtrail"), ("Config", "config")):
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{sid}OfThisAccount",
                    principals=[iam.ServicePrincipal(f"{service}.amazonaws.com")],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt", "kms:DescribeKey"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
                )
            )


class ConfigurationHistory(Construct):
    """AWS Config: records every supported resource (global ones too) and evaluates `config_rules()`.

    Without `trail` (the Organization runs the recorder) only the rules are created, against its recorder.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, trail: AuditTrail | None) -> None:
        super().__init__(scope, construct_id)
        self.recorder = self._recorder(settings, trail) if trail is not None else None
        for identifier in config_rules():
            name = identifier.lower().replace("_", "-")
            rule = config.ManagedRule(
                self,
                "".join(part.title() for part in name.split("-")),
                identifier=identifier,
                config_rule_name=settings.name(name),
            )
            if self.recorder is not None:
                rule.node.add_dependency(self.recorder)

    def _recorder(self, settings: Settings, trail: AuditTrail) -> config.CfnConfigurationRecorder:
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "Role",
            role_name=settings.name("config-recorder"),
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWS_ConfigRole")],
        )
        acknowledge(
            role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole]",
            "AWS's own read-only policy for the Config recorder, assumable only by config.amazonaws.com; AWS "
            "extends it as Config learns to record new resource types.",
        )
        self._let_role_deliver(role, trail)
        # Config retries a failed delivery as its service principal: these admit that path for this account only.
        trail.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ConfigReadsAcl",
                principals=[iam.ServicePrincipal("config.amazonaws.com")],
                actions=["s3:GetBucketAcl", "s3:ListBucket"],
                resources=[trail.bucket.bucket_arn],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        trail.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ConfigDelivers",
                principals=[iam.ServicePrincipal("config.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[trail.bucket.arn_for_objects(f"AWSLogs/{stack.account}/Config/*")],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        recorder = config.CfnConfigurationRecorder(
            self,
            "Recorder",
            name=settings.name("config"),
            role_arn=role.role_arn,
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True, include_global_resource_types=True
            ),
        )
        channel = config.CfnDeliveryChannel(
            self,
            "DeliveryChannel",
            name=settings.name("config"),
            s3_bucket_name=trail.bucket.bucket_name,
            s3_kms_key_arn=trail.key.key_arn,
            config_snapshot_delivery_properties=config.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                delivery_frequency="TwentyFour_Hours"
            ),
        )
        # Config refuses a delivery channel before a recorder exists, and delivers only once the bucket admits it.
        channel.node.add_dependency(recorder, trail.bucket)
        return recorder

    @staticmethod
    def _let_role_deliver(role: iam.Role, trail: AuditTrail) -> None:
        """The recorder's own role delivers (AWS_ConfigRole only reads): the permissions AWS Config's guide
        lists for an IAM role delivering to an SSE-KMS bucket, narrowed to this bucket, prefix and key."""
        stack = Stack.of(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DeliverConfigurationItems",
                actions=["s3:PutObject"],
                resources=[trail.bucket.arn_for_objects(f"AWSLogs/{stack.account}/Config/*")],
                conditions={"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="CheckBucketAcl", actions=["s3:GetBucketAcl"], resources=[trail.bucket.bucket_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="EncryptThroughS3",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[trail.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
        bucket_id = stack.get_logical_id(trail.bucket.node.default_child)
        acknowledge(
            role,
            f"IAM5[Resource::<{bucket_id}.Arn>/AWSLogs/{stack.account}/Config/*]",
            "Config writes one object per snapshot and history file under its own prefix of this account in the "
            "audit bucket; the wildcard covers those object keys only, with the bucket-owner-full-control ACL.",
        )


class SpendBudget(Construct):
    """Monthly cost budget: each `alert_at_percent` on actual and on forecast spend, by email to the warning route."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=address)
            for address in settings.routes.warning_emails
        ]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=settings.name("monthly-cost"),
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=settings.budget.monthly_limit_usd, unit="USD"),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=spend,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for spend in BUDGET_SPEND_TYPES
                for percent in settings.budget.alert_at_percent
            ],
        )


class ComplianceStack(Stack):
    """GuardDuty, Security Hub, the CloudTrail trail, AWS Config and the spend budget (where this environment owns
    them in its account)."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        services = settings.account_services
        self.detection = ThreatDetection(self, "ThreatDetection", services=services)
        self.trail = None
        if services.creates(TRAIL) or services.creates(CONFIG):
            self.trail = AuditTrail(self, "AuditTrail", settings=settings, with_trail=services.creates(TRAIL))
        self.configuration = None
        if services.owns(CONFIG):
            recorded_here = self.trail if services.creates(CONFIG) else None
            self.configuration = ConfigurationHistory(
                self, "ConfigurationHistory", settings=settings, trail=recorded_here
            )
        self.budget = SpendBudget(self, "SpendBudget", settings=settings)
