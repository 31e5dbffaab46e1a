"""The one-off database bootstrap task: the shared SQL, the master secret, its own cluster, logs and group."""

from __future__ import annotations

from aws_stacks.database_bootstrap import MASTER_SECRET_FIELDS, task_family
from aws_stacks.names import cluster_name
from shared.contract import DATABASE_PORT
from shared.database_bootstrap import AWS_CLIENT_IMAGE, AWS_LOGINS, psql_command
from tests.aws.helpers import only, resources


def _container(aws, settings) -> dict:
    task = only(resources(aws, settings, "data", "AWS::ECS::TaskDefinition"))
    assert task["Properties"]["Family"] == task_family(settings)
    assert task["Properties"]["RequiresCompatibilities"] == ["FARGATE"]
    (container,) = task["Properties"]["ContainerDefinitions"]
    return container


def test_the_task_runs_the_shared_sql_through_psql(aws, settings):
    container = _container(aws, settings)
    # The same argv tests/shared/test_database_bootstrap.py runs against a real server.
    assert [*container["EntryPoint"], *container["Command"]] == psql_command(AWS_LOGINS)
    assert container["Image"] == AWS_CLIENT_IMAGE
    assert container["Image"].startswith("public.ecr.aws/docker/library/postgres:")
    assert container["User"] == "postgres" and container["ReadonlyRootFilesystem"] is True


def test_the_task_signs_in_with_the_master_secret_at_the_instance_endpoint(aws, settings):
    """The RDS-managed secret holds the login only: host and port come from the instance, as plain environment."""
    container = _container(aws, settings)
    (primary,) = [
        logical_id
        for logical_id, instance in resources(aws, settings, "data", "AWS::RDS::DBInstance").items()
        if "SourceDBInstanceIdentifier" not in instance["Properties"]
    ]
    assert {variable["Name"]: variable["Value"] for variable in container["Environment"]} == {
        "PGHOST": {"Fn::GetAtt": [primary, "Endpoint.Address"]},
        "PGPORT": {"Fn::GetAtt": [primary, "Endpoint.Port"]},
    }
    assert {secret["Name"]: secret["ValueFrom"] for secret in container["Secrets"]} == {
        variable: {"Fn::Join": ["", [{"Fn::GetAtt": [primary, "MasterUserSecret.SecretArn"]}, f":{field}::"]]}
        for variable, field in MASTER_SECRET_FIELDS.items()
    }
    assert set(MASTER_SECRET_FIELDS) == {"PGUSER", "PGPASSWORD"}


def test_the_task_has_its_own_cluster_and_encrypted_logs(aws, settings):
    cluster = only(resources(aws, settings, "data", "AWS::ECS::Cluster"))
    assert cluster["Properties"]["ClusterName"] == cluster_name(settings)
    container = _container(aws, settings)
    group_id = container["LogConfiguration"]["Options"]["awslogs-group"]["Ref"]
    group = resources(aws, settings, "data", "AWS::Logs::LogGroup")[group_id]["Properties"]
    assert group["LogGroupName"] == f"/{settings.prefix}/ecs/database-bootstrap"
    assert "KmsKeyId" in group and group["RetentionInDays"] == settings.resilience.log_retention_days


def test_the_bootstrap_group_reaches_postgres_and_https_only(aws, settings):
    groups = resources(aws, settings, "network", "AWS::EC2::SecurityGroup")
    (group_id,) = [
        key for key, group in groups.items() if group["Properties"]["GroupName"].endswith("-database-bootstrap")
    ]
    inline = groups[group_id]["Properties"].get("SecurityGroupEgress", [])
    egress = [
        rule["Properties"]
        for rule in resources(aws, settings, "network", "AWS::EC2::SecurityGroupEgress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    ports = {(rule.get("CidrIp") or rule["DestinationSecurityGroupId"]["Fn::GetAtt"][0], rule["FromPort"])
             for rule in [*inline, *egress]}  # fmt: skip
    postgres = next(
        key for key, group in groups.items() if group["Properties"]["GroupName"] == settings.name("postgres")
    )
    assert ports == {("0.0.0.0/0", 443), (postgres, DATABASE_PORT)}


def test_the_run_task_network_configuration_is_an_output(aws, settings):
    output = aws.templates[settings.name("data")]["Outputs"]["DatabaseBootstrapNetwork"]
    assert cluster_name(settings) in output["Description"]
    parts = output["Value"]["Fn::Join"][1]
    assert parts[0] == "awsvpcConfiguration={subnets=[" and parts[-1] == "],assignPublicIp=DISABLED}"
