"""The regional standby and the drills follow `recovery` settings: per environment, and per strategy."""

from __future__ import annotations

import json

import pytest

from aws_stacks.drills import STOP_ALARMS
from aws_stacks.replication import SECRETS_PURPOSE, STORAGE_PURPOSE
from shared import load_settings, replace_fields
from shared.names import drill_name
from shared.recovery_names import DRILLS, aws_standby_names
from shared.stacks import AWS_STANDBY_COMPONENT, aws_stack_names
from tests.aws.helpers import only, resources
from tests.synth import REPORT_INSTEAD_OF_FAILING, cdk_json_context


def test_the_standby_stack_exists_exactly_where_the_strategy_keeps_one(aws, settings):
    name = settings.name(AWS_STANDBY_COMPONENT)
    assert (name in aws.templates) == settings.recovery.has_standby
    if not settings.recovery.has_standby:
        return
    manifest = json.loads((aws.directory / "manifest.json").read_text())["artifacts"]
    assert manifest[name]["environment"] == f"aws://{settings.aws.account_id}/{settings.aws.recovery_region}"
    assert settings.name("data") in manifest[name]["dependencies"]  # the primary exists before its replica


def test_the_replica_copies_the_primary_across_regions_under_its_own_key(aws, settings):
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    names = aws_standby_names(settings)
    replica = only(resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::RDS::DBInstance"))["Properties"]
    assert replica["SourceDBInstanceIdentifier"] == (
        f"arn:aws:rds:{settings.aws.region}:{settings.aws.account_id}:db:{settings.name('postgres')}"
    )
    assert replica["DBInstanceIdentifier"] == names["database"]
    assert replica["DBInstanceClass"] == settings.database.aws_instance_class
    assert replica["MultiAZ"] == settings.database.multi_az
    assert replica["KmsKeyId"]["Fn::GetAtt"][1] == "Arn"  # a key of the standby region, not the primary's
    assert replica["EnableIAMDatabaseAuthentication"] and not replica["PubliclyAccessible"]
    assert replica["DeletionProtection"] == settings.resilience.deletion_protection
    assert "StorageEncrypted" not in replica
    (alarm,) = resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmName"] == names["replica_lag_alarm"]
    assert alarm["Properties"]["Threshold"] == settings.resilience.rpo_minutes * 60 / 2
    assert alarm["Properties"]["AlarmActions"]


def test_the_standby_network_is_built_by_the_primarys_constructs_in_its_zones(aws, settings):
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    subnets = resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::EC2::Subnet").values()
    zones = {subnet["Properties"]["AvailabilityZone"] for subnet in subnets}
    assert len(zones) == len(settings.aws.availability_zones)
    assert all(zone.startswith(settings.aws.recovery_region) for zone in zones)
    primary = {r["Type"] for r in aws.templates[settings.name("network")]["Resources"].values()}
    standby = {r["Type"] for r in aws.templates[settings.name(AWS_STANDBY_COMPONENT)]["Resources"].values()}
    assert primary <= standby  # same VPC, flow logs, NACLs, security groups, endpoints


def test_secrets_images_and_uploads_replicate_to_the_standby(aws, settings):
    data = aws.templates[settings.name("data")]["Resources"]
    secrets = [r["Properties"] for r in data.values() if r["Type"] == "AWS::SecretsManager::Secret"]
    standby_key = (
        f"arn:aws:kms:{settings.aws.recovery_region}:{settings.aws.account_id}:alias/{settings.prefix}/"
        f"{SECRETS_PURPOSE}"
    )
    replicas = [
        replica for secret in secrets for replica in secret.get("ReplicaRegions", [])
        if replica["Region"] == settings.aws.recovery_region
    ]  # fmt: skip
    assert len(replicas) == (len(secrets) if settings.recovery.has_standby else 0)
    assert all(replica["KmsKeyId"] == standby_key for replica in replicas)
    image_rules = [r for r in data.values() if r["Type"] == "AWS::ECR::ReplicationConfiguration"]
    assert len(image_rules) == int(settings.recovery.has_standby)
    uploads = next(
        r["Properties"]
        for r in data.values()
        if r["Type"] == "AWS::S3::Bucket" and "uploads" in json.dumps(r["Properties"].get("BucketName"))
    )
    if not settings.recovery.has_standby:
        assert "ReplicationConfiguration" not in uploads
        return
    (rule,) = uploads["ReplicationConfiguration"]["Rules"]
    destination = rule["Destination"]
    assert destination["Bucket"] == f"arn:aws:s3:::{aws_standby_names(settings)['uploads_bucket']}"
    assert destination["EncryptionConfiguration"]["ReplicaKmsKeyID"].endswith(f"/{STORAGE_PURPOSE}")
    assert destination["ReplicationTime"]["Status"] == "Enabled"
    recovery = aws.templates[settings.name("recovery")]["Resources"]
    bucket = next(r["Properties"] for r in recovery.values() if r["Type"] == "AWS::S3::Bucket")
    assert bucket["BucketName"] == aws_standby_names(settings)["uploads_bucket"]
    assert settings.aws.recovery_region in bucket["BucketName"]  # the standby region can create its own
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    template = only({k: r for k, r in recovery.items() if r["Type"] == "AWS::ECR::RepositoryCreationTemplate"})
    assert template["Properties"]["AppliedFor"] == ["REPLICATION"]
    assert template["Properties"]["ImageTagMutability"] == "IMMUTABLE"


def test_the_replication_role_reads_only_uploads_and_writes_only_the_replica(aws, settings):
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    policy = only(
        {
            key: r
            for key, r in resources(aws, settings, "data", "AWS::IAM::ManagedPolicy").items()
            if r["Properties"].get("ManagedPolicyName") == settings.name("uploads-replication")
        }
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    writes = next(s for s in statements if "s3:ReplicateObject" in s["Action"])
    assert writes["Resource"] == f"arn:aws:s3:::{aws_standby_names(settings)['uploads_bucket']}/*"
    encrypt = next(s for s in statements if "kms:Encrypt" in s["Action"])
    assert encrypt["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"].endswith(STORAGE_PURPOSE)
    assert all(s["Resource"] != "*" for s in statements)


def test_drills_exist_where_settings_ask_and_stop_on_the_critical_alarms(aws, settings):
    templates = resources(aws, settings, "observability", "AWS::FIS::ExperimentTemplate")
    if not settings.recovery.drills:
        assert templates == {}
        return
    names = {t["Properties"]["Tags"]["Name"] for t in templates.values()}
    assert names == {drill_name(settings, drill) for drill in DRILLS}
    alarms = resources(aws, settings, "observability", "AWS::CloudWatch::Alarm")
    stop_alarms = {f"{settings.prefix}-{target}-{key}" for target, key in STOP_ALARMS}
    for template in templates.values():
        properties = template["Properties"]
        assert len(properties["StopConditions"]) == len(STOP_ALARMS) <= 5  # FIS's quota per template
        referenced = {
            alarms[c["Value"]["Fn::GetAtt"][0]]["Properties"]["AlarmName"] for c in properties["StopConditions"]
        }
        assert referenced == stop_alarms
        assert properties["LogConfiguration"]["LogSchemaVersion"] == 2
        assert "CloudWatchLogsConfiguration" in properties["LogConfiguration"]
    groups = resources(aws, settings, "observability", "AWS::Logs::LogGroup").values()
    drill_group = next(g for g in groups if g["Properties"]["LogGroupName"] == f"/{settings.prefix}/fis-drills")
    assert "KmsKeyId" in drill_group["Properties"]


@pytest.fixture(scope="module")
def pilot_light(tmp_path_factory):
    """dev rebuilt with a pilot light (and the relaxed RTO that strategy needs): the standby follows settings."""
    from aws_stacks.platform import add_environment, new_app
    from aws_stacks.selection import APP_CONTEXT

    settings = replace_fields(
        load_settings("dev"),
        {
            "recovery.strategy": "pilot_light",
            "resilience.rto_minutes": 20,
            "storage.versioning": True,
            "recovery.gcp_cross_region_storage": True,
        },
    )
    app = new_app(
        context={**cdk_json_context(), **APP_CONTEXT, **REPORT_INSTEAD_OF_FAILING},
        outdir=str(tmp_path_factory.mktemp("pilot-light")),
    )
    stacks = add_environment(app, settings)
    assembly = app.synth()
    return settings, {stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks}


def test_a_pilot_light_builds_the_standby_without_a_vault_or_drills(pilot_light):
    settings, templates = pilot_light
    assert list(templates) == aws_stack_names(settings)
    assert settings.name(AWS_STANDBY_COMPONENT) in templates
    recovery = templates[settings.name("recovery")]["Resources"].values()
    assert "AWS::Backup::BackupVault" not in {r["Type"] for r in recovery}  # dev copies no backups
    standby = templates[settings.name(AWS_STANDBY_COMPONENT)]["Resources"].values()
    (replica,) = [r for r in standby if r["Type"] == "AWS::RDS::DBInstance"]
    assert replica["Properties"]["DBInstanceClass"] == settings.database.aws_instance_class
    observability = templates[settings.name("observability")]["Resources"].values()
    assert "AWS::FIS::ExperimentTemplate" not in {r["Type"] for r in observability}


def _services(template: dict) -> dict[str, dict]:
    return {
        r["Properties"]["ServiceName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ECS::Service"
    }


def _scaling_floors(template: dict) -> set[int]:
    return {
        r["Properties"]["MinCapacity"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    }


def test_a_pilot_light_runs_no_standby_tasks(pilot_light):
    settings, templates = pilot_light
    standby = templates[settings.name(AWS_STANDBY_COMPONENT)]
    services = _services(standby)
    assert set(services) == {settings.name("api"), settings.name("web")}
    assert {properties["DesiredCount"] for properties in services.values()} == {0}
    assert _scaling_floors(standby) == {0}
    assert settings.recovery.running_standby_tasks == 0


def test_a_warm_standby_runs_its_tasks_behind_an_internal_load_balancer(aws, settings):
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    standby = aws.templates[settings.name(AWS_STANDBY_COMPONENT)]
    services = _services(standby)
    assert settings.recovery.strategy == "warm_standby"
    assert {properties["DesiredCount"] for properties in services.values()} == {settings.recovery.standby_tasks}
    assert _scaling_floors(standby) == {settings.recovery.standby_tasks}
    maxima = {r["Properties"]["MaxCapacity"] for r in standby["Resources"].values()
              if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"}  # fmt: skip
    assert maxima == {settings.compute.api.fargate_max_tasks, settings.compute.web.fargate_max_tasks}
    # The primary's rollback alarms live in its own region: a standby deployment names none.
    assert all("DeploymentConfiguration" not in p or "Alarms" not in p["DeploymentConfiguration"]
               for p in services.values())  # fmt: skip
    balancer = only(resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
    assert balancer["Properties"]["Scheme"] == "internal"
    assert balancer["Properties"]["Name"] == settings.name("origin")
    (certificate,) = resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::CertificateManager::Certificate").values()
    assert certificate["Properties"]["DomainName"] == settings.domain.origin_domain
    assert certificate["Properties"]["DomainValidationOptions"] == [
        {"DomainName": settings.domain.origin_domain, "HostedZoneId": settings.aws.hosted_zone_id}
    ]
    # The origin domain's record belongs to the primary; CloudFront reaches this ALB by its VPC origin's ARN.
    assert not resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::Route53::RecordSet")
    assert resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::WAFv2::WebACLAssociation")


def _api_environment(template: dict) -> tuple[dict[str, object], dict[str, object]]:
    (definition,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ECS::TaskDefinition" and r["Properties"]["Family"].endswith("-api")
    ]
    app = next(c for c in definition["ContainerDefinitions"] if c["Name"] == "api")
    plain = {item["Name"]: item["Value"] for item in app["Environment"]}
    return plain, {item["Name"]: item["ValueFrom"] for item in app.get("Secrets", [])}


def test_the_standby_api_keeps_the_contract_and_points_at_the_standby(aws, settings):
    """Every contract variable (render refuses a missing one), with the replica, the standby cache, the uploads
    replica and the replicated secrets of the standby region in them."""
    from shared.contract import API

    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    names = aws_standby_names(settings)
    template = aws.templates[settings.name(AWS_STANDBY_COMPONENT)]
    plain, secrets = _api_environment(template)
    primary_plain, primary_secrets = _api_environment(aws.templates[settings.name("compute")])
    assert set(plain) | set(secrets) == set(primary_plain) | set(primary_secrets)
    assert set(API.variable_names(settings.feature_flags)) <= set(plain) | set(secrets)
    ids = {r["Type"]: logical_id for logical_id, r in template["Resources"].items()}
    assert plain["DATABASE_HOST"] == {"Fn::GetAtt": [ids["AWS::RDS::DBInstance"], "Endpoint.Address"]}
    assert plain["REDIS_HOST"] == {"Fn::GetAtt": [ids["AWS::ElastiCache::ReplicationGroup"], "PrimaryEndPoint.Address"]}
    assert plain["UPLOADS_BUCKET"] == names["uploads_bucket"]
    assert plain["DATABASE_SSLMODE"] == "verify-full"
    assert names["database_ca_parameter"] in json.dumps(secrets["DATABASE_SSLROOTCERT"])
    lookups = _replica_arn_lookups(template)
    for variable in ("REDIS_AUTH", "SECRET_KEY", "SENTRY_DSN"):
        # The replica's full ARN, read in the standby region at deploy time (test_the_standby_reads_...).
        (arn, _field) = secrets[variable]["Fn::Join"][1]
        assert arn["Fn::GetAtt"][0] in lookups and arn["Fn::GetAtt"][1] == "ARN", variable
    # The api logs in to the replica itself: rds-db:connect on its resource id, nothing broader.
    statements = [
        statement
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "ConnectToStandbyDatabase"
    ]
    (connect,) = statements
    assert connect["Action"] == "rds-db:connect"
    assert "DbiResourceId" in json.dumps(connect["Resource"])


def test_the_standby_cache_is_small_and_cold(aws, settings):
    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    (group,) = resources(aws, settings, AWS_STANDBY_COMPONENT, "AWS::ElastiCache::ReplicationGroup").values()
    properties = group["Properties"]
    assert properties["CacheNodeType"] == settings.recovery.aws_standby_cache_node_type
    assert properties["NumCacheClusters"] == (2 if settings.cache.high_availability else 1)
    assert properties["TransitEncryptionEnabled"] is True and properties["AtRestEncryptionEnabled"] is True
    assert "resolve:secretsmanager" in json.dumps(properties["AuthToken"])


def test_the_region_loss_alarm_watches_cloudfront_in_the_edge_region(aws, settings):
    names = aws_standby_names(settings)
    alarms = [
        r["Properties"]
        for r in aws.templates[settings.name("edge-observability")]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["AlarmName"] == names["origin_errors_alarm"]
    ]
    if not settings.recovery.has_standby:
        assert alarms == []
        return
    (alarm,) = alarms
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Period"]) == ("AWS/CloudFront", "5xxErrorRate", 60)
    assert {d["Name"] for d in alarm["Dimensions"]} == {"DistributionId", "Region"}
    assert alarm["AlarmActions"], "the region-loss alarm must notify"


def _replica_arn_lookups(template: dict) -> dict[str, dict]:
    """The standby's DescribeSecret lookups (AwsCustomResource), by logical id: their `Create` call."""
    return {
        logical_id: json.loads(r["Properties"]["Create"]["Fn::Join"][1][0])
        if isinstance(r["Properties"]["Create"], dict)
        else json.loads(r["Properties"]["Create"])
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "Custom::AWS"
    }


def test_the_standby_reads_its_secret_replicas_by_full_arn_and_their_keys_by_key_arn(aws, settings):
    """ECS wants a secret's full ARN in `valueFrom` (a name-only ARN fails at task start: aws/aws-cdk#18555): each
    replica's ARN comes from a DescribeSecret in the standby region, allowed on that one name. KMS ignores an alias
    ARN in an IAM statement's Resource for the key behind it: the grants name the recovery stack's keys by ARN."""
    from aws_stacks.secrets import APP_SECRET_KEY_SECRET, CACHE_AUTH_SECRET
    from shared.contract import SENTRY_DSN_SECRET

    if not settings.recovery.has_standby:
        pytest.skip("no standby in this environment")
    template = aws.templates[settings.name(AWS_STANDBY_COMPONENT)]
    region, account = settings.aws.recovery_region, settings.aws.account_id
    lookups = _replica_arn_lookups(template)
    names = {settings.path(n) for n in (CACHE_AUTH_SECRET, APP_SECRET_KEY_SECRET, SENTRY_DSN_SECRET)}
    assert {(c["service"], c["action"], c["parameters"]["SecretId"]) for c in lookups.values()} == {
        ("SecretsManager", "describeSecret", name) for name in names
    }
    assert all(c["outputPaths"] == ["ARN"] and "region" not in c for c in lookups.values())  # this stack's region
    statements = {
        logical_id: statement
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy"
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    }
    allowed = sorted(s["Resource"] for s in statements.values() if s["Action"] == "secretsmanager:DescribeSecret")
    assert allowed == sorted(f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????" for name in names)
    # No task definition names a secret by a literal (partial) ARN.
    for r in template["Resources"].values():
        if r["Type"] == "AWS::ECS::TaskDefinition":
            for container in r["Properties"]["ContainerDefinitions"]:
                for secret in container.get("Secrets", []):
                    if ":secretsmanager:" in json.dumps(secret["ValueFrom"]):
                        assert not isinstance(secret["ValueFrom"], str), secret["Name"]
    kms = [s for s in statements.values() if "kms:" in json.dumps(s["Action"])]
    assert kms and not [s for s in kms if ":alias/" in json.dumps(s["Resource"])]
    recovery = settings.name("recovery")
    for statement in kms:
        reference = statement["Resource"]["Fn::GetStackOutput"]
        assert reference["StackName"] == recovery and reference["Region"] == region  # never the primary region
