"""Customer-managed KMS keys and the security groups of every tier.

All security groups live here, with every rule between them, so the whole
traffic matrix reads in one place: load balancer -> app -> proxy -> database,
app -> cache. Other constructs receive the groups and never add rules.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.names import bucket_name
from shared import Settings
from shared.contract import API, DATABASE_PORT, ELASTICACHE_PORT, WEB

HTTPS = 443


def stateful_removal_policy(settings: Settings, *, snapshot: bool = False) -> RemovalPolicy:
    """RETAIN where settings keep stateful resources; otherwise a final snapshot where supported, else DESTROY."""
    if settings.resilience.retain_stateful_resources:
        return RemovalPolicy.RETAIN
    return RemovalPolicy.SNAPSHOT if snapshot else RemovalPolicy.DESTROY


def customer_managed_key(scope: Construct, construct_id: str, *, settings: Settings, purpose: str) -> kms.Key:
    """A rotating symmetric key named `alias/bookedbarber-<env>/<purpose>`.

    Keys live in the stack of the resources they encrypt: a grant through a service (Secrets Manager's
    `kms:ViaService`) lands in the key policy, and a key in another stack would make the stacks depend
    on each other.
    """
    return kms.Key(
        scope,
        construct_id,
        alias=f"alias/{settings.prefix}/{purpose}",
        description=f"BookedBarber {settings.environment}: {purpose}",
        enable_key_rotation=True,
        rotation_period=Duration.days(settings.resilience.key_rotation_days),
        removal_policy=stateful_removal_policy(settings),
    )


def encrypted_log_group(
    scope: Construct, construct_id: str, *, settings: Settings, key: kms.IKey, log_group_name: str
) -> logs.LogGroup:
    """A KMS-encrypted log group kept for `settings.resilience.log_retention_days`."""
    log_group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        encryption_key=key,
        removal_policy=stateful_removal_policy(settings),
    )
    # RetentionDays is an enum of names in Python; the settings already hold a valid CloudWatch period.
    log_group.node.default_child.retention_in_days = settings.resilience.log_retention_days
    return log_group


def encrypted_bucket(
    scope: Construct,
    construct_id: str,
    *,
    settings: Settings,
    name: str,
    key: kms.IKey,
    access_logs: s3.IBucket,
    lifecycle_rules: list[s3.LifecycleRule],
) -> s3.Bucket:
    """A private, versioned bucket under a customer-managed key, SSL only, access-logged to `access_logs` under
    `s3/<name>/`, retained per settings: the audit and canary-artifact buckets."""
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name(settings, name, Stack.of(scope).account),
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"s3/{name}/",
        removal_policy=stateful_removal_policy(settings),
        lifecycle_rules=lifecycle_rules,
    )


def log_bucket(
    scope: Construct,
    construct_id: str,
    *,
    settings: Settings,
    name: str,
    object_ownership: s3.ObjectOwnership | None = None,
) -> s3.Bucket:
    """A private bucket for service-delivered logs (ALB, CloudFront, S3 access logs), kept for the log retention.

    SSE-S3, because the log delivery services cannot write with a customer-managed key. Versioned, so a
    deleted or overwritten log stays as a noncurrent version for `storage.noncurrent_version_expiry_days`.
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name(settings, name, Stack.of(scope).account),
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=object_ownership,
        enforce_ssl=True,
        versioned=True,
        removal_policy=stateful_removal_policy(settings),
        lifecycle_rules=[
            s3.LifecycleRule(
                expiration=Duration.days(settings.resilience.log_retention_days),
                noncurrent_version_expiration=Duration.days(settings.storage.noncurrent_version_expiry_days),
            )
        ],
    )
    acknowledge(
        bucket,
        "S3DefaultEncryptionKMS",
        "ELB access logs and S3 server access logs can only be delivered to SSE-S3 (AES256) buckets; the bucket "
        "is private, TLS-only, versioned, and written solely by the log delivery services.",
        packs=(NIST, PCI),
    )
    acknowledge(
        bucket,
        "S3BucketReplicationEnabled",
        "Service-delivered access logs kept for the log retention; versioning keeps deleted or overwritten logs "
        "as noncurrent versions, and the audit trail of who touched them lives in CloudTrail's own bucket.",
        packs=(NIST, PCI),
    )
    return bucket


def logs_key(scope: Construct, construct_id: str, *, settings: Settings, purpose: str = "logs") -> kms.Key:
    """A key for log groups; CloudWatch Logs may use it for this account's groups only.

    `purpose` names its alias: two stacks in one region each need their own (`logs`, `edge-logs`, ...).
    """
    key = customer_managed_key(scope, construct_id, settings=settings, purpose=purpose)
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )
    return key


def frozen(scope: Construct, construct_id: str, group: ec2.ISecurityGroup) -> ec2.ISecurityGroup:
    """`group` as seen from another stack: rules that CDK would add there (proxy, target groups)
    are dropped, because `SecurityGroups` already declares every rule, and adding them from the consuming
    stack would make the stacks depend on each other."""
    return ec2.SecurityGroup.from_security_group_id(
        scope, construct_id, group.security_group_id, mutable=False, allow_all_outbound=False
    )


class SecurityGroups(Construct):
    """Least-privilege groups: each ingress names its one source and port."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        settings: Settings,
    ) -> None:
        super().__init__(scope, construct_id)
        database_port = DATABASE_PORT
        cache_port = ELASTICACHE_PORT

        def group(construct_id: str, name: str, description: str) -> ec2.SecurityGroup:
            return ec2.SecurityGroup(
                self,
                construct_id,
                vpc=vpc,
                security_group_name=settings.name(name),
                description=f"BookedBarber {settings.environment}: {description}",
                allow_all_outbound=False,
            )

        # Its description says "public" from before the ALB moved to the VPC origin: a new description would replace
        # the group, which CloudFormation refuses under the same name, and its rules say what it admits.
        self.load_balancer = group("LoadBalancerSecurityGroup", "alb", "public application load balancer")
        self.api = group("ApiSecurityGroup", API.name, f"{API.runs} tasks")
        self.web = group("WebSecurityGroup", WEB.name, f"{WEB.runs} tasks")
        self.database_proxy = group("DatabaseProxySecurityGroup", "postgres-proxy", "RDS Proxy")
        self.database = group("DatabaseSecurityGroup", "postgres", "PostgreSQL instances")
        self.cache = group("CacheSecurityGroup", "redis", "Redis replication group")
        self.endpoints = group("InterfaceEndpointSecurityGroup", "endpoints", "PrivateLink interface endpoints")
        self.database_bootstrap = group(
            "DatabaseBootstrapSecurityGroup", "database-bootstrap", "one-off database bootstrap task (psql)"
        )

        anywhere = ec2.Peer.any_ipv4()
        self._admit_load_balancer_clients(settings)
        self._allow(self.load_balancer, self.api, API.port, "load balancer to api")
        self._allow(self.load_balancer, self.web, WEB.port, "load balancer to web")
        # Tasks pull images, read secrets and call third-party APIs over HTTPS (NAT or endpoints).
        for app in (self.api, self.web):
            app.add_egress_rule(anywhere, ec2.Port.tcp(HTTPS), "HTTPS to AWS APIs and third parties")
        # The proxy is the api's only way to PostgreSQL: it enforces IAM authentication and TLS.
        self._allow(self.api, self.database_proxy, database_port, "api to RDS Proxy")
        self._allow(self.database_proxy, self.database, database_port, "RDS Proxy to PostgreSQL")
        self._allow(self.api, self.cache, cache_port, "api to Redis")
        # The bootstrap signs in to the instance itself as the master user, never through the proxy.
        self._allow(self.database_bootstrap, self.database, database_port, "database bootstrap to PostgreSQL")
        self.database_bootstrap.add_egress_rule(
            anywhere, ec2.Port.tcp(HTTPS), "HTTPS to ECR Public (psql image), Secrets Manager and CloudWatch Logs"
        )
        clients = (
            (self.api, API.name),
            (self.web, WEB.name),
            (self.database_bootstrap, "database bootstrap"),
        )
        for client, name in clients:
            self.endpoints.add_ingress_rule(client, ec2.Port.tcp(HTTPS), f"{name} to AWS APIs over PrivateLink")

    def _admit_load_balancer_clients(self, settings: Settings) -> None:
        """HTTPS only (CloudFront speaks HTTPS to the origin, so port 80 stays closed to everyone), to an internal
        ALB that only CloudFront's VPC origin reaches from outside the VPC. Narrowest first: CloudFront's
        `CloudFront-VPCOrigins-Service-SG`, which CloudFront creates in this VPC with the first VPC origin (settings
        name it once it exists); else CloudFront's origin-facing prefix list; else the VPC's own range, where the
        VPC origin's network interfaces take their addresses."""
        service_group = settings.aws.cloudfront_vpc_origin_security_group_id
        prefix_list = settings.aws.cloudfront_prefix_list_id
        if service_group:
            peer = ec2.Peer.security_group_id(service_group)
            description = "HTTPS from CloudFront's VPC origin interfaces only"
        elif prefix_list:
            peer = ec2.Peer.prefix_list(prefix_list)
            description = "HTTPS from CloudFront only"
        else:
            peer = ec2.Peer.ipv4(settings.network.aws_vpc_cidr)
            description = "HTTPS from the VPC: CloudFront's VPC origin interfaces; the ALB has no public address"
        self.load_balancer.add_ingress_rule(peer, ec2.Port.tcp(HTTPS), description)

    @staticmethod
    def _allow(source: ec2.SecurityGroup, target: ec2.SecurityGroup, port: int, description: str) -> None:
        """Egress on the source and ingress on the target, for one TCP port."""
        source.add_egress_rule(target, ec2.Port.tcp(port), description)
        target.add_ingress_rule(source, ec2.Port.tcp(port), description)
