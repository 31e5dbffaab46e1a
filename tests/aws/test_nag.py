"""cdk-nag: no unacknowledged finding anywhere, and acknowledgements provably silence only their rule."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from aws_stacks.guardrails import acknowledge_inline_policies
from aws_stacks.nag import NIST, PACK, PACKS, PCI, acknowledge, register_checks
from aws_stacks.platform import new_app
from shared import ENVIRONMENTS, load_settings
from tests.synth import REPORT_INSTEAD_OF_FAILING, cdk_json_context


def _violations(report: dict) -> list[tuple[str, str]]:
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def _suppressed(report: dict, plugin_name: str) -> list[tuple[str, str]]:
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == plugin_name
        for violation in plugin["suppressedViolations"]
        for construct in violation["violatingConstructs"]
    ]


def test_every_environment_has_zero_unacknowledged_findings(aws):
    assert aws.validation_report is not None, "the validation report is missing: did the nag pack run?"
    assert _violations(aws.validation_report) == []


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_ran_and_passed(aws, pack):
    plugins = {plugin["pluginName"]: plugin for plugin in aws.validation_report["pluginReports"]}
    assert plugins[pack]["conclusion"] == "success"
    assert plugins[pack]["violations"] == []


def test_the_packs_looked_at_every_stack(aws):
    stacks_with_acknowledgements = {
        path.split("/")[0] for pack in PACKS for _, path in _suppressed(aws.validation_report, pack)
    }
    # Stacks with no finding at all leave no trace in the report: the recovery vault, and the observability stacks
    # (tests/aws/test_observability.py runs all three packs over their constructs and shows them clean). Every
    # other stack carries acknowledged findings, so the packs looked at them.
    clean = ("-recovery", "-observability")
    assert {name for name in aws.templates if not name.endswith(clean)} <= stacks_with_acknowledgements


@pytest.mark.parametrize("pack", PACKS)
def test_acknowledgements_sit_on_resources_not_stacks(aws, pack):
    for rule, path in _suppressed(aws.validation_report, pack):
        assert path.count("/") >= 2, f"{rule} acknowledged too broadly at {path}"


_INLINE_POLICY_ROLES = (
    "compliance/AuditTrail/Trail/LogsRole",
    "compliance/ConfigurationHistory/Role",
    "observability/PagerDuty/Destination/EventsRole",
    "edge-observability/PagerDuty/Destination/EventsRole",
    "compute/ApiService/TaskDefinition/ExecutionRole",
    "compute/ApiService/TaskDefinition/TaskRole",
    "compute/WebService/TaskDefinition/ExecutionRole",
    "compute/WebService/TaskDefinition/TaskRole",
    "data/Database/Primary/Proxy/IAMRole",
    "data/DatabaseBootstrap/TaskDefinition/ExecutionRole",
    "network/Network/Vpc/FlowLog/IAMRole",
    "observability/Canaries/CanaryRole",
)
# Log buckets (SSE-S3 by necessity) and buckets whose second copy lives elsewhere.
_SSE_S3_LOG_BUCKETS = (
    "compliance/AuditTrail/AccessLogsBucket",
    "compute/LoadBalancer/AccessLogsBucket",
    "edge/StaticAssets/EdgeLogsBucket",
    "data/Uploads/AccessLogsBucket",
    "observability/Canaries/ArtifactsAccessLogs",
)
_UNREPLICATED_BUCKETS = (
    *_SSE_S3_LOG_BUCKETS,
    "compliance/AuditTrail/Bucket",
    "edge/StaticAssets/StaticAssetsBucket",
    "data/Uploads/UploadsBucket",
    "observability/Canaries/Artifacts",
)
_UNROTATED_SECRETS = (
    "data/ApplicationSecrets/AppSecretKey",
    "data/ApplicationSecrets/CacheAuthToken",
    "data/ApplicationSecrets/SentryDsn",
)
_BOTH = (NIST, PCI)
BACKUP_ROLE = "data/Backup/Plan/Selection/Role"

# Every acknowledged finding, as (pack, rule, component/construct): adding one must be a visible change here.
ACKNOWLEDGED_EVERYWHERE = {
    (PACK, "AEC5", "data/SessionCache/ReplicationGroup"),
    (PACK, "CFR1", "edge/Cdn/Distribution"),
    (PACK, "ECS2", "compute/ApiService/TaskDefinition"),
    (PACK, "ECS2", "compute/WebService/TaskDefinition"),
    (PACK, "ECS2", "data/DatabaseBootstrap/TaskDefinition"),
    *(
        (PACK, f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]", role)
        for policy, role in (
            ("AmazonRDSEnhancedMonitoringRole", "data/Database/MonitoringRole"),
            ("AWSBackupServiceRolePolicyForBackup", "data/Backup/Plan/Selection/Role"),
            ("AWSBackupServiceRolePolicyForRestores", "data/Backup/Plan/Selection/Role"),
            ("AWS_ConfigRole", "compliance/ConfigurationHistory/Role"),
        )
    ),
    (
        PACK,
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]",
        "compute/LoadBalancerRole/Role",
    ),
    (PACK, "IAM5[Resource::*]", "compute/ApiService/TaskDefinition/ExecutionRole"),
    (PACK, "IAM5[Resource::*]", "compute/ApiService/TaskDefinition/TaskRole"),
    (PACK, "IAM5[Resource::*]", "compute/WebService/TaskDefinition/ExecutionRole"),
    (PACK, "IAM5[Resource::*]", "compute/WebService/TaskDefinition/TaskRole"),
    (PACK, "RDS11", "data/Database/Primary"),
    (PACK, "S1", "compute/LoadBalancer/AccessLogsBucket"),
    *((PACK, "SMG4", secret) for secret in _UNROTATED_SECRETS),
    *((NIST, "SecretsManagerRotationEnabled", secret) for secret in _UNROTATED_SECRETS),
    (PACK, "VPC3", "network/Network/DatabaseNetworkAcl"),
    (NIST, "ElastiCacheRedisClusterAutomaticBackup", "data/SessionCache/ReplicationGroup"),
    *((pack, "IAMNoInlinePolicy", f"{role}/DefaultPolicy") for pack in _BOTH for role in _INLINE_POLICY_ROLES),
    *((pack, "S3BucketLoggingEnabled", "compute/LoadBalancer/AccessLogsBucket") for pack in _BOTH),
    *((pack, "S3DefaultEncryptionKMS", bucket) for pack in _BOTH for bucket in _SSE_S3_LOG_BUCKETS),
    *((pack, "S3BucketReplicationEnabled", bucket) for pack in _BOTH for bucket in _UNREPLICATED_BUCKETS),
}


def _drill_acknowledgements(settings) -> set[tuple[str, str, str]]:
    """The FIS role's resources that cannot be narrower (aws_stacks/drills.py)."""
    region, account, prefix = settings.aws.region, settings.aws.account_id, settings.prefix
    resources = (
        "*",
        f"arn:aws:ecs:{region}:{account}:task/{prefix}-cluster/*",
        f"arn:aws:elasticache:{region}:{account}:cluster:{prefix}-redis-*",
        f"arn:aws:ec2:{region}:{account}:*",
        f"arn:aws:ec2:{region}:{account}:network-acl/*",
    )
    found = {(PACK, f"IAM5[Resource::{resource}]", "observability/Drills/Policy") for resource in resources}
    # The drill identity of drill.yml (aws_stacks/delivery.py): FIS ids are assigned at creation.
    fis = f"arn:<AWS::Partition>:fis:{region}:{account}"
    found |= {
        (PACK, f"IAM5[Resource::{resource}]", "delivery/GithubTrust/DrillPolicy")
        for resource in ("*", f"{fis}:experiment-template/*", f"{fis}:experiment/*")
    }
    return found


def _standby_acknowledgements(settings) -> set[tuple[str, str, str]]:
    """The standby's network repeats the primary's (the same constructs); its replica, replica bucket and the
    uploads replication role carry their own (aws_stacks/standby.py, aws_stacks/replication.py)."""
    expected = {
        (PACK, "VPC3", "standby/Network/DatabaseNetworkAcl"),
        (PACK, "RDS11", "standby/Database/Replica"),
        (NIST, "RDSInBackupPlan", "standby/Database/Replica"),
        (
            PACK,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
            "standby/Database/MonitoringRole",
        ),
        (PACK, "S1", "recovery/Standby/UploadsReplica"),
    }
    # The deploy-time lookup of the secret replicas' full ARNs: CDK's AwsCustomResource function and its policies.
    lookup = "standby/AWS679f53fac002430cb0da5b7982bd2287"
    expected |= {
        (PACK, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
         f"{lookup}/ServiceRole"),
        (NIST, "LambdaConcurrency", lookup),
        (NIST, "LambdaDLQ", lookup),
    }  # fmt: skip
    for pack in _BOTH:
        expected.add((pack, "LambdaInsideVPC", lookup))
        for secret in ("CacheAuthToken", "AppSecretKey", "SentryDsn"):
            expected.add((pack, "IAMNoInlinePolicy", f"standby/{secret}ReplicaArn/CustomResourcePolicy"))
    for pack in _BOTH:
        expected |= {
            (pack, "IAMNoInlinePolicy", "standby/Network/Vpc/FlowLog/IAMRole/DefaultPolicy"),
            (pack, "S3BucketLoggingEnabled", "recovery/Standby/UploadsReplica"),
            (pack, "S3BucketReplicationEnabled", "recovery/Standby/UploadsReplica"),
        }
        for zone in range(1, len(settings.aws.availability_zones) + 1):
            expected.add((pack, "VPCNoUnrestrictedRouteToIGW", f"standby/Network/Vpc/PublicSubnet{zone}/DefaultRoute"))
    if not settings.resilience.deletion_protection:
        expected |= {
            (PACK, "RDS10", "standby/Database/Replica"),
            (NIST, "RDSInstanceDeletionProtectionEnabled", "standby/Database/Replica"),
        }
    if not settings.database.multi_az:
        expected |= {
            (PACK, "RDS3", "standby/Database/Replica"),
            (NIST, "RDSMultiAZSupport", "standby/Database/Replica"),
        }
    account, recovery = settings.aws.account_id, settings.aws.recovery_region
    policy = "data/UploadsReplicationPolicy"
    expected |= {
        (PACK, "IAM5[Resource::<UploadsUploadsBucket8EC992E6.Arn>/*]", policy),
        (PACK, f"IAM5[Resource::arn:aws:kms:{recovery}:{account}:key/*]", policy),
        (PACK, f"IAM5[Resource::arn:aws:s3:::{settings.name('uploads')}-{account}-{recovery}/*]", policy),
    }
    return expected


def _standby_tier_acknowledgements(settings, primary: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The standby's application tier and cache are the primary's constructs (compute.py ApplicationTier, data.py
    SessionCache): exactly the primary's acknowledgements of them, on the standby's paths and uploads replica."""
    account, recovery = settings.aws.account_id, settings.aws.recovery_region
    uploads = f"{settings.name('uploads')}-{account}"
    moved = set()
    for pack, rule, path in primary:
        if path.startswith("compute/"):
            rule = rule.replace(f":::{uploads}/*]", f":::{uploads}-{recovery}/*]")
            moved.add((pack, rule, "standby/" + path.removeprefix("compute/")))
        elif path.startswith("data/SessionCache/"):
            moved.add((pack, rule, "standby/" + path.removeprefix("data/")))
    return moved


def _expected_acknowledgements(settings) -> set[tuple[str, str, str]]:
    """What settings turn off is acknowledged where it is off, and nowhere else."""
    expected = set(ACKNOWLEDGED_EVERYWHERE)
    for zone in range(1, len(settings.aws.availability_zones) + 1):
        route = f"network/Network/Vpc/PublicSubnet{zone}/DefaultRoute"
        expected |= {(pack, "VPCNoUnrestrictedRouteToIGW", route) for pack in _BOTH}
    if not settings.resilience.deletion_protection:
        expected |= {
            (PACK, "RDS10", "data/Database/Primary"),
            (NIST, "RDSInstanceDeletionProtectionEnabled", "data/Database/Primary"),
            (NIST, "ELBDeletionProtectionEnabled", "compute/LoadBalancer/LoadBalancer"),
        }
    if not settings.database.multi_az:
        expected |= {(PACK, "RDS3", "data/Database/Primary"), (NIST, "RDSMultiAZSupport", "data/Database/Primary")}
    if not settings.cache.high_availability:
        expected.add((PACK, "AEC4", "data/SessionCache/ReplicationGroup"))
    if settings.storage.versioning:  # versioned uploads are backed up, which S3 needs policies of its own for
        expected |= {
            (PACK, f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]", BACKUP_ROLE)
            for policy in ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")
        }
    else:
        expected |= {
            (pack, "S3BucketVersioningEnabled", bucket)
            for pack in _BOTH
            for bucket in ("edge/StaticAssets/StaticAssetsBucket", "data/Uploads/UploadsBucket")
        }
    uploads = f"arn:<AWS::Partition>:s3:::{settings.name('uploads')}-{settings.aws.account_id}/*"
    expected.add((PACK, f"IAM5[Resource::{uploads}]", "compute/ApiService/TaskDefinition/TaskRole/DefaultPolicy"))
    expected |= _delivery_acknowledgements(settings)
    if settings.recovery.drills:
        expected |= _drill_acknowledgements(settings)
    if settings.recovery.has_standby:
        expected |= _standby_acknowledgements(settings) | _standby_tier_acknowledgements(settings, expected)
        # Replicated to the standby: the replication finding is gone, so nothing acknowledges it.
        expected -= {(pack, "S3BucketReplicationEnabled", "data/Uploads/UploadsBucket") for pack in _BOTH}
    account = settings.aws.account_id
    # The recorder's own role writes under Config's prefix of the audit bucket (aws_stacks/compliance.py).
    expected.add(
        (
            PACK,
            f"IAM5[Resource::<AuditTrailBucketA91FD435.Arn>/AWSLogs/{account}/Config/*]",
            "compliance/ConfigurationHistory/Role",
        )
    )
    # The RDSOSMetrics retention function's exact groups, in the `:*` form Logs authorizes (aws_stacks/os_metrics.py).
    region = settings.aws.region
    for group in ("RDSOSMetrics", f"/aws/lambda/{settings.name('log-retention')}",
                  f"/{settings.prefix}/lambda/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"):  # fmt: skip
        expected.add(
            (
                PACK,
                f"IAM5[Resource::arn:aws:logs:{region}:{account}:log-group:{group}:*]",
                "data/Database/EnhancedMonitoringRetention/Policy",
            )
        )
    # The canaries' own artifact prefixes and their Lambda functions' log groups (aws_stacks/canaries.py).
    from aws_stacks.canaries import canary_name
    from shared.contract import SERVICES

    canaries = "observability/Canaries/CanaryRole/DefaultPolicy"
    expected.add((PACK, "IAM5[Resource::*]", canaries))
    for service in SERVICES:
        name = canary_name(settings, service)
        group = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/cwsyn-{name}-*"
        expected |= {
            (PACK, f"IAM5[Resource::<CanariesArtifacts9111410F.Arn>/{name}/*]", canaries),
            (PACK, f"IAM5[Resource::{group}]", canaries),
            (PACK, f"IAM5[Resource::{group}:log-stream:*]", canaries),
        }
    for number in range(1, settings.database.read_replicas + 1):
        replica = f"data/Database/ReadReplica{number}"
        expected |= {
            (PACK, "RDS11", replica),
            (PACK, "RDS3", replica),
            (NIST, "RDSMultiAZSupport", replica),
            (NIST, "RDSInBackupPlan", replica),
        }
    return expected


def _delivery_acknowledgements(settings) -> set[tuple[str, str, str]]:
    """The delivery stack's wildcards: each named in its policy with a reason (aws_stacks/delivery.py)."""
    from aws_stacks.deploy_policy import IAM_READ_ACTIONS, service_actions
    from aws_stacks.drift import read_actions
    from shared.stacks import aws_stack_regions

    account, region, prefix = settings.aws.account_id, settings.aws.region, settings.prefix
    release, execution = "delivery/GithubTrust/ReleasePermissions/Policy", "delivery/DeployGuardrails/ExecutionPolicy"
    release_execution = "delivery/GithubTrust/ReleasePermissions/ExecutionRole/Policy"
    boundary = "delivery/DeployGuardrails/Boundary"
    drift = "delivery/GithubTrust/DriftPermissions/Policy"

    def stack(name: str, where: str) -> str:
        return f"IAM5[Resource::arn:<AWS::Partition>:cloudformation:{where}:{account}:stack/{name}/*]"

    diff_stacks = {name: where for name, where in aws_stack_regions(settings).items() if not name.endswith("-delivery")}
    # Releases roll out the compute stack, and the standby stack in its region where one stands by.
    released = {settings.name("compute"): region}
    if settings.recovery.has_standby:
        released[settings.name("standby")] = settings.aws.recovery_region
    # The stacks whose outputs those read (weak references), described by the release execution role at each update.
    sources = {settings.name("network"): region, settings.name("data"): region}
    if settings.recovery.has_standby:
        sources[settings.name("recovery")] = settings.aws.recovery_region
    return {
        *((PACK, stack(name, where), "delivery/GithubTrust/DiffPolicy") for name, where in diff_stacks.items()),
        (PACK, "IAM5[Resource::*]", release),
        *((PACK, stack(name, where), release) for name, where in released.items()),
        # The candidate check, for releases and deploys alike: the primary's cluster only.
        *(
            (PACK, f"IAM5[Resource::arn:<AWS::Partition>:ecs:{region}:{account}:{kind}/{prefix}-cluster/*]", policy)
            for kind in ("service", "service-deployment")
            for policy in (release, "delivery/GithubTrust/DeployPolicy")
        ),
        (PACK, "IAM5[Resource::*]", release_execution),
        *((PACK, stack(name, where), release_execution) for name, where in sources.items()),
        *(
            (
                PACK,
                f"IAM5[Resource::arn:<AWS::Partition>:ecs:{where}:{account}:service/{prefix}-cluster/*]",
                release_execution,
            )
            for where in released.values()
        ),
        *(
            (PACK, f"IAM5[Resource::arn:<AWS::Partition>:iam::{account}:role/{name}-*]", release_execution)
            for name in released
        ),
        *((PACK, f"IAM5[Action::{action}]", execution) for action in (*service_actions(), *IAM_READ_ACTIONS)),
        (PACK, "IAM5[Resource::*]", execution),
        (PACK, f"IAM5[Resource::arn:<AWS::Partition>:iam::{account}:role/{prefix}-*]", execution),
        (PACK, f"IAM5[Resource::arn:<AWS::Partition>:iam::{account}:role/aws-service-role/*]", execution),
        *((pack, "IAMPolicyNoStatementsWithFullAccess", execution) for pack in _BOTH),
        *((PACK, f"IAM5[Action::{action}]", drift) for action in read_actions() if "*" in action),
        (PACK, "IAM5[Resource::*]", drift),
        (PACK, "IAM5[Action::*]", boundary),
        (PACK, "IAM5[Resource::*]", boundary),
        *(
            (pack, rule, boundary)
            for pack in _BOTH
            for rule in ("IAMPolicyNoStatementsWithAdminAccess", "IAMPolicyNoStatementsWithFullAccess")
        ),
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_acknowledgements_are_exactly_the_reviewed_ones(aws, environment):
    settings = load_settings(environment)
    found = set()
    for plugin in aws.validation_report["pluginReports"]:
        pack = plugin["pluginName"]
        if pack not in PACKS:
            continue
        for violation in plugin["suppressedViolations"]:
            stack, _, construct = violation["acknowledgedAt"].partition("/")
            if stack.startswith(settings.prefix + "-"):
                component = stack.removeprefix(settings.prefix + "-")
                found.add((pack, violation["ruleName"].removeprefix(f"{pack}-"), f"{component}/{construct}"))
    assert found == _expected_acknowledgements(settings)


def _tiny_app_report(tmp_path, *, acknowledged: bool) -> dict:
    """One security group open to the internet on SSH (AwsSolutions-EC23), one unversioned bucket (NIST and
    PCI S3BucketVersioningEnabled), one role with a CDK default policy (NIST and PCI IAMNoInlinePolicy)."""
    app = new_app(context={**cdk_json_context(), **REPORT_INSTEAD_OF_FAILING}, outdir=str(tmp_path))
    register_checks(app)
    stack = cdk.Stack(app, "NagProbe", env=cdk.Environment(account="123456789012", region="us-east-1"))
    group = ec2.CfnSecurityGroup(
        stack,
        "OpenGroup",
        group_description="probe",
        vpc_id="vpc-12345678",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0")
        ],
    )
    bucket = s3.CfnBucket(stack, "UnversionedBucket")
    role = iam.Role(stack, "ProbeRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::probe/*"]))
    if acknowledged:
        acknowledge(group, "EC23", "probe: this group exists only to prove that an acknowledgement works")
        # NIST only: the same rule stays open in the PCI pack.
        acknowledge(bucket, "S3BucketVersioningEnabled", "probe: proves a per-pack acknowledgement", packs=(NIST,))
        acknowledge_inline_policies(stack)
    app.synth()
    return json.loads((tmp_path / "validation-report.json").read_text())


@pytest.fixture(scope="module", params=[False, True], ids=["without-acknowledgement", "with-acknowledgement"])
def probe(request, tmp_path_factory):
    return request.param, _tiny_app_report(tmp_path_factory.mktemp("nag-probe"), acknowledged=request.param)


@pytest.mark.parametrize(
    ("pack", "rule", "path"),
    [
        (PACK, "EC23", "NagProbe/OpenGroup"),
        (NIST, "S3BucketVersioningEnabled", "NagProbe/UnversionedBucket"),
        (NIST, "IAMNoInlinePolicy", "NagProbe/ProbeRole/DefaultPolicy/Resource"),
        (PCI, "IAMNoInlinePolicy", "NagProbe/ProbeRole/DefaultPolicy/Resource"),
    ],
)
def test_acknowledgement_removes_exactly_its_finding(probe, pack, rule, path):
    acknowledged, report = probe
    finding = (f"{pack}-{rule}", path)
    if acknowledged:
        assert finding not in _violations(report)
        assert finding in _suppressed(report, pack)
    else:
        assert finding in _violations(report)


def test_an_acknowledgement_in_one_pack_leaves_the_others_open(probe):
    _, report = probe
    assert (f"{PCI}-S3BucketVersioningEnabled", "NagProbe/UnversionedBucket") in _violations(report)


def test_acknowledgement_needs_a_specific_reason():
    app = new_app()
    stack = cdk.Stack(app, "ReasonProbe")
    with pytest.raises(ValueError, match="specific reason"):
        acknowledge(stack, "EC23", "not needed")
