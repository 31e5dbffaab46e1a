"""AWS gives each service exactly the contract's variables, and the api logs in as its own role through the proxy."""

from __future__ import annotations

import json

import pytest

from aws_stacks.data import MASTER_USERNAME
from shared.contract import API, SERVICES, SYSTEM_TRUST_STORE, aws_database_login
from tests.aws.helpers import resources

# The X-Ray SDK's own variable, beside the contract's TRACE_ENDPOINT: read by the SDK, not by the app.
AWS_SDK_VARIABLES = {"AWS_XRAY_DAEMON_ADDRESS"}


def _container(aws, settings, service: str) -> dict:
    tasks = {
        r["Properties"]["Family"]: r["Properties"]
        for r in resources(aws, settings, "compute", "AWS::ECS::TaskDefinition").values()
    }
    return next(c for c in tasks[settings.name(service)]["ContainerDefinitions"] if c["Name"] == service)


@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES)
def test_each_service_receives_exactly_the_contract(aws, settings, service):
    container = _container(aws, settings, service.name)
    plain = [item["Name"] for item in container.get("Environment", [])]
    secrets = [item["Name"] for item in container.get("Secrets", [])]
    assert set(plain) - AWS_SDK_VARIABLES | set(secrets) == set(service.variable_names(settings.feature_flags))
    assert set(secrets) == set(service.secret_names("aws"))
    assert container["PortMappings"][0]["ContainerPort"] == service.port


def test_the_api_logs_in_with_iam_through_the_proxy(aws, settings):
    environment = {item["Name"]: item["Value"] for item in _container(aws, settings, "api")["Environment"]}
    assert environment["DATABASE_USER"] == aws_database_login(API) != MASTER_USERNAME
    assert environment["DATABASE_AUTH"] == "aws-rds-iam"
    assert environment["DATABASE_SSLMODE"] == "verify-full"
    assert environment["DATABASE_SSLROOTCERT"] == SYSTEM_TRUST_STORE
    host = environment["DATABASE_HOST"]["Fn::GetStackOutput"]
    assert host["StackName"] == settings.name("data")
    # The proxy's endpoint attribute, not the instance's `Endpoint.Address`.
    assert "DatabasePrimaryProxy" in host["OutputName"] and "Endpoint" in host["OutputName"]


def test_the_api_may_connect_only_as_its_role_on_the_proxy(aws, settings):
    """The data stack's managed policy names this proxy's `prx-...` id and the api's role; compute attaches it."""
    connect = settings.name("api-database-connect")
    (policy,) = [
        p
        for p in resources(aws, settings, "data", "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("ManagedPolicyName") == connect
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "rds-db:connect"
    prefix, proxy_id, user = statement["Resource"]["Fn::Join"][1]
    assert prefix == f"arn:aws:rds-db:{settings.aws.region}:{settings.aws.account_id}:dbuser:"
    # The resource part of this stack's proxy ARN (`...:db-proxy:prx-...`).
    assert proxy_id["Fn::Select"][0] == 6
    assert proxy_id["Fn::Select"][1]["Fn::Split"][1]["Fn::GetAtt"][1] == "DBProxyArn"
    assert user == f"/{aws_database_login(API)}"
    attached = [
        logical_id
        for logical_id, r in resources(aws, settings, "compute", "AWS::IAM::Role").items()
        if f"policy/{connect}" in json.dumps(r["Properties"].get("ManagedPolicyArns", []))
    ]
    assert len(attached) == 1 and attached[0].startswith("ApiServiceTaskDefinitionTaskRole")
    # No other identity in the compute stack may connect to the database.
    assert "rds-db" not in json.dumps(resources(aws, settings, "compute", "AWS::IAM::Policy"))


def test_the_proxy_may_log_in_only_as_the_service_roles(aws, settings):
    """End-to-end IAM (tests/aws/test_data.py): the proxy's own role connects as the api's role, nothing else."""
    connects = [
        statement
        for policy in resources(aws, settings, "data", "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "rds-db:connect"
    ]
    (statement,) = connects
    assert json.dumps(statement["Resource"]).count(":dbuser:") == 1
    assert f"/{aws_database_login(API)}" in json.dumps(statement["Resource"])


def test_nothing_but_the_proxy_and_the_bootstrap_reaches_postgresql_directly(aws, settings):
    """The api's group reaches the proxy only: a direct 5432 path would skip IAM authentication."""
    rules = resources(aws, settings, "network", "AWS::EC2::SecurityGroupIngress").values()
    database_sources = {
        json.dumps(rule["Properties"]["SourceSecurityGroupId"])
        for rule in rules
        if "DatabaseSecurityGroup" in json.dumps(rule["Properties"]["GroupId"])
    }
    assert not any("ApiSecurityGroup" in source for source in database_sources)
