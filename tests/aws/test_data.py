"""PostgreSQL, RDS Proxy, Redis, secrets and feature flags, per environment, against the settings."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from aws_stacks.data import MASTER_USERNAME
from shared import load_settings
from shared.contract import DATABASE_PORT, ELASTICACHE_PORT
from tests.aws.helpers import only, resources, template


def _instances(aws, settings) -> tuple[dict, list[dict]]:
    instances = resources(aws, settings, "data", "AWS::RDS::DBInstance").values()
    primaries = [i for i in instances if "SourceDBInstanceIdentifier" not in i["Properties"]]
    replicas = [i for i in instances if "SourceDBInstanceIdentifier" in i["Properties"]]
    assert len(primaries) == 1
    return primaries[0], replicas


def test_primary_database_follows_settings(aws, settings):
    database, resilience = settings.database, settings.resilience
    primary, _ = _instances(aws, settings)
    properties = primary["Properties"]
    assert properties["Engine"] == "postgres"
    assert properties["EngineVersion"] == database.postgres_version
    assert properties["DBInstanceClass"] == database.aws_instance_class
    assert properties["MultiAZ"] == database.multi_az
    assert properties["StorageType"] == "gp3"
    assert int(properties["AllocatedStorage"]) == database.allocated_storage_gib
    assert properties["MaxAllocatedStorage"] == database.max_allocated_storage_gib
    assert properties["StorageEncrypted"] is True and "KmsKeyId" in properties
    assert properties["EnablePerformanceInsights"] is True and "PerformanceInsightsKMSKeyId" in properties
    assert properties["PerformanceInsightsRetentionPeriod"] == database.performance_insights_retention_days
    assert properties["MonitoringInterval"] > 0
    assert properties["BackupRetentionPeriod"] == resilience.backup_retention_days
    assert properties["DeletionProtection"] == resilience.deletion_protection
    assert properties["EnableIAMDatabaseAuthentication"] is True
    assert properties["PubliclyAccessible"] is False
    assert set(properties["EnableCloudwatchLogsExports"]) >= {"postgresql"}
    assert int(properties["Port"]) == DATABASE_PORT
    assert primary["DeletionPolicy"] == ("Retain" if resilience.retain_stateful_resources else "Snapshot")


def test_production_database_literal_requirements(aws):
    production = load_settings("production")
    primary, replicas = _instances(aws, production)
    properties = primary["Properties"]
    assert properties["DBInstanceClass"] == "db.r6g.xlarge"
    assert (int(properties["AllocatedStorage"]), properties["MaxAllocatedStorage"]) == (500, 10240)
    assert properties["MultiAZ"] is True and properties["DeletionProtection"] is True
    assert properties["BackupRetentionPeriod"] == 30
    assert primary["DeletionPolicy"] == "Retain" and primary["UpdateReplacePolicy"] == "Retain"
    assert len(replicas) >= 1


def test_read_replicas_follow_settings(aws, settings):
    _, replicas = _instances(aws, settings)
    assert len(replicas) == settings.database.read_replicas
    for replica in replicas:
        properties = replica["Properties"]
        assert properties["DBInstanceClass"] == settings.database.aws_instance_class
        assert "KmsKeyId" in properties and properties["EnableIAMDatabaseAuthentication"] is True
        assert properties["DeletionProtection"] == settings.resilience.deletion_protection


def test_tls_is_forced_by_the_parameter_group(aws, settings):
    template(aws, settings, "data").has_resource_properties(
        "AWS::RDS::DBParameterGroup",
        {
            "Family": f"postgres{settings.database.postgres_major_version}",
            "Parameters": Match.object_like(
                {
                    "rds.force_ssl": "1",
                    "log_connections": "1",
                    "log_disconnections": "1",
                    "log_min_duration_statement": "-1",
                }
            ),
        },
    )


def test_proxy_requires_tls_and_iam(aws, settings):
    """End-to-end IAM: clients and the proxy itself log in with IAM tokens; no Secrets Manager credentials."""
    proxy = only(resources(aws, settings, "data", "AWS::RDS::DBProxy"))["Properties"]
    assert proxy["RequireTLS"] is True
    assert proxy["DefaultAuthScheme"] == "IAM_AUTH"
    assert "Auth" not in proxy


def test_rds_manages_the_master_secret_with_the_secrets_key(aws, settings):
    """RDS creates and rotates the master secret itself: no CDK-generated secret, attachment or password."""
    primary = next(
        r
        for r in resources(aws, settings, "data", "AWS::RDS::DBInstance").values()
        if "SourceDBInstanceIdentifier" not in r["Properties"]
    )["Properties"]
    assert primary["ManageMasterUserPassword"] is True
    assert primary["MasterUsername"] == MASTER_USERNAME
    assert "MasterUserPassword" not in primary
    assert "SecretsKey" in json.dumps(primary["MasterUserSecret"]["KmsKeyId"])
    data = template(aws, settings, "data")
    data.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 0)
    secrets = resources(aws, settings, "data", "AWS::SecretsManager::Secret").values()
    names = {secret["Properties"].get("Name") for secret in secrets}
    assert settings.path("database", "master") not in names


def test_replicas_carry_no_master_credentials(aws, settings):
    for replica in resources(aws, settings, "data", "AWS::RDS::DBInstance").values():
        if "SourceDBInstanceIdentifier" in replica["Properties"]:
            assert not {"ManageMasterUserPassword", "MasterUserSecret", "MasterUsername"} & set(replica["Properties"])


def test_cache_follows_settings(aws, settings):
    cache = settings.cache
    group = only(resources(aws, settings, "data", "AWS::ElastiCache::ReplicationGroup"))
    properties = group["Properties"]
    assert properties["NumCacheClusters"] == cache.aws_nodes
    assert properties["CacheNodeType"] == cache.aws_node_type
    assert properties["AutomaticFailoverEnabled"] == cache.high_availability
    assert properties["MultiAZEnabled"] == cache.high_availability
    assert properties["TransitEncryptionEnabled"] is True and properties["TransitEncryptionMode"] == "required"
    assert properties["AtRestEncryptionEnabled"] is True and "KmsKeyId" in properties
    assert properties["SnapshotRetentionLimit"] == cache.snapshot_retention_days
    assert properties["Port"] == ELASTICACHE_PORT
    assert [d["LogType"] for d in properties["LogDeliveryConfigurations"]] == ["slow-log"]
    auth_token = properties["AuthToken"]["Fn::Join"][1]
    assert auth_token[0] == "{{resolve:secretsmanager:" and auth_token[-1] == ":SecretString:token::}}"
    assert group["DeletionPolicy"] == ("Retain" if settings.resilience.retain_stateful_resources else "Snapshot")
    template(aws, settings, "data").has_resource_properties(
        "AWS::ElastiCache::ParameterGroup", {"Properties": {"maxmemory-policy": Match.string_like_regexp("lru$")}}
    )


def test_production_cache_has_three_nodes_with_failover(aws):
    properties = only(resources(aws, load_settings("production"), "data", "AWS::ElastiCache::ReplicationGroup"))[
        "Properties"
    ]
    assert (properties["NumCacheClusters"], properties["AutomaticFailoverEnabled"]) == (3, True)


def test_cache_subnet_group_uses_database_subnets(aws, settings):
    subnet_group = only(resources(aws, settings, "data", "AWS::ElastiCache::SubnetGroup"))["Properties"]
    outputs = [subnet["Fn::GetStackOutput"]["OutputName"] for subnet in subnet_group["SubnetIds"]]
    assert len(outputs) == len(settings.aws.availability_zones)
    assert all("DatabaseSubnet" in name for name in outputs)


def test_the_only_parameters_are_the_released_tags(aws, settings):
    """Feature flags reach the services as contract variables on both clouds, not as Parameter Store values."""
    names = {p["Properties"]["Name"] for p in resources(aws, settings, "data", "AWS::SSM::Parameter").values()}
    assert all("/release/" in name for name in names)  # the released image tags: tests/aws/test_release.py


def test_keys_rotate(aws, settings):
    for component in ("network", "data", "compute", "edge"):
        for key in resources(aws, settings, component, "AWS::KMS::Key").values():
            assert key["Properties"]["EnableKeyRotation"] is True
            assert key["Properties"]["RotationPeriodInDays"] == settings.resilience.key_rotation_days


def test_master_secret_rotates_on_the_shared_period(aws, settings):
    """Managed rotation: the schedule names the RDS-managed secret and no rotation function at all."""
    (schedule,) = resources(aws, settings, "data", "AWS::SecretsManager::RotationSchedule").values()
    properties = schedule["Properties"]
    assert properties["SecretId"]["Fn::GetAtt"][1] == "MasterUserSecret.SecretArn"
    assert not {"RotationLambdaARN", "HostedRotationLambda"} & set(properties)
    days = settings.resilience.secret_rotation_days
    assert properties["RotationRules"] == {"ScheduleExpression": f"rate({days} days)"}
