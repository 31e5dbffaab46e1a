"""Network and security groups, per environment, against the settings."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from aws_stacks.network import NetworkStack
from aws_stacks.platform import new_app
from shared import load_settings, replace_fields
from shared.contract import API, DATABASE_PORT, ELASTICACHE_PORT, WEB
from tests.aws.helpers import resources, template
from tests.synth import cdk_json_context

HTTPS, HTTP = 443, 80


def test_vpc_and_subnets_use_the_settings_address_plan(aws, settings):
    network = settings.network
    template(aws, settings, "network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": network.aws_vpc_cidr})
    subnets = resources(aws, settings, "network", "AWS::EC2::Subnet").values()
    assert sorted(subnet["Properties"]["CidrBlock"] for subnet in subnets) == sorted(
        network.aws_public_subnet_cidrs + network.aws_app_subnet_cidrs + network.aws_database_subnet_cidrs
    )
    assert {subnet["Properties"]["AvailabilityZone"] for subnet in subnets} == set(settings.aws.availability_zones)


def test_nat_gateways_follow_settings(aws, settings):
    assert len(resources(aws, settings, "network", "AWS::EC2::NatGateway")) == settings.network.aws_nat_gateways


def test_production_has_one_nat_gateway_per_zone(aws):
    production = load_settings("production")
    assert len(resources(aws, production, "network", "AWS::EC2::NatGateway")) == 3


def test_endpoints(aws, settings):
    endpoints = resources(aws, settings, "network", "AWS::EC2::VPCEndpoint").values()
    gateway = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Gateway"]
    interface = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert len(gateway) == 2  # S3 and DynamoDB
    expected_interfaces = 4 if settings.network.aws_interface_endpoints else 0  # ECR api + dkr, Logs, Secrets Manager
    assert len(interface) == expected_interfaces
    assert all(e["Properties"]["PrivateDnsEnabled"] for e in interface)


def test_flow_logs_are_encrypted_and_retained_per_settings(aws, settings):
    network = template(aws, settings, "network")
    network.resource_count_is("AWS::EC2::FlowLog", 1)
    network.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    (flow_logs,) = [
        group
        for group in resources(aws, settings, "network", "AWS::Logs::LogGroup").values()
        if group["Properties"]["LogGroupName"].endswith("vpc-flow-logs")
    ]
    assert flow_logs["Properties"]["RetentionInDays"] == settings.resilience.log_retention_days
    assert "KmsKeyId" in flow_logs["Properties"]


def test_database_nacl_admits_only_app_subnets_on_data_ports(aws, settings):
    entries = [e["Properties"] for e in resources(aws, settings, "network", "AWS::EC2::NetworkAclEntry").values()]
    ingress = {(e["CidrBlock"], e["PortRange"]["From"], e["PortRange"]["To"]) for e in entries if not e.get("Egress")}
    egress = {(e["CidrBlock"], e["PortRange"]["From"], e["PortRange"]["To"]) for e in entries if e.get("Egress")}
    app = settings.network.aws_app_subnet_cidrs
    tier = settings.network.aws_database_subnet_cidrs
    ports = (DATABASE_PORT, ELASTICACHE_PORT)
    within_tier = {(cidr, port, port) for cidr in tier for port in ports} | {(cidr, 1024, 65535) for cidr in tier}
    assert ingress == {(cidr, port, port) for cidr in app for port in ports} | within_tier
    assert egress == {(cidr, 1024, 65535) for cidr in app} | within_tier
    assert all(e["RuleAction"] == "allow" and e["Protocol"] == 6 for e in entries)
    # Nothing outside the VPC's app and database tiers: public subnets and the internet stay out.
    for entry in entries:
        assert entry["CidrBlock"] in (*app, *tier)


def _group_names(aws, settings) -> dict[str, str]:
    return {
        logical_id: group["Properties"]["GroupName"].removeprefix(settings.prefix + "-")
        for logical_id, group in resources(aws, settings, "network", "AWS::EC2::SecurityGroup").items()
        if "GroupName" in group["Properties"]
    }


def _ingress_rules(aws, settings) -> set[tuple[str, str, int, int]]:
    """(target group, source group or CIDR, from port, to port) for every ingress rule of the network stack."""
    names = _group_names(aws, settings)
    rules = set()
    for logical_id, group in resources(aws, settings, "network", "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            if logical_id in names:
                rules.add((names[logical_id], rule["CidrIp"], rule["FromPort"], rule["ToPort"]))
    for rule in resources(aws, settings, "network", "AWS::EC2::SecurityGroupIngress").values():
        properties = rule["Properties"]
        target = names[properties["GroupId"]["Fn::GetAtt"][0]]
        source = names[properties["SourceSecurityGroupId"]["Fn::GetAtt"][0]]
        rules.add((target, source, properties["FromPort"], properties["ToPort"]))
    return rules


def test_security_group_ingress_is_exactly_as_specified(aws, settings):
    api, web = API.port, WEB.port
    database, cache = DATABASE_PORT, ELASTICACHE_PORT
    assert _ingress_rules(aws, settings) == {
        ("alb", settings.network.aws_vpc_cidr, HTTPS, HTTPS),  # the internal ALB: CloudFront's VPC origin
        ("api", "alb", api, api),
        ("web", "alb", web, web),
        ("postgres-proxy", "api", database, database),
        ("postgres", "postgres-proxy", database, database),
        ("postgres", "database-bootstrap", database, database),
        ("redis", "api", cache, cache),
        ("endpoints", "api", HTTPS, HTTPS),
        ("endpoints", "web", HTTPS, HTTPS),
        ("endpoints", "database-bootstrap", HTTPS, HTTPS),
    }


def test_port_80_is_closed_to_everyone(aws, settings):
    """CloudFront speaks HTTPS to the origin: nothing, from anywhere, reaches the ALB on plain HTTP."""
    assert not [rule for rule in _ingress_rules(aws, settings) if HTTP in range(rule[2], rule[3] + 1)]


def test_no_other_stack_adds_security_group_rules(aws, settings):
    for component in ("data", "compute"):
        for rule_type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroup"):
            assert resources(aws, settings, component, rule_type) == {}, f"{component} declares {rule_type}"


def test_database_and_cache_groups_have_no_internet_egress(aws, settings):
    names = _group_names(aws, settings)
    for logical_id, group in resources(aws, settings, "network", "AWS::EC2::SecurityGroup").items():
        if names.get(logical_id) in ("postgres", "redis"):
            for rule in group["Properties"].get("SecurityGroupEgress", []):
                assert rule["CidrIp"] == "255.255.255.255/32"  # CDK's "no egress" placeholder


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"aws.cloudfront_prefix_list_id": "pl-3b927c52"}, {"SourcePrefixListId": "pl-3b927c52"}),
        (
            {
                "aws.cloudfront_prefix_list_id": "pl-3b927c52",
                "aws.cloudfront_vpc_origin_security_group_id": "sg-0abc1234",
            },
            {"SourceSecurityGroupId": "sg-0abc1234"},
        ),
    ],
    ids=["prefix-list", "vpc-origin-group"],
)
def test_load_balancer_admits_only_the_narrowest_cloudfront_source_settings_name(tmp_path, fields, source):
    """The other branches of the same settings switch; the default (the VPC's range) is covered above. Once
    settings name CloudFront's VPC-origin group, it alone reaches the ALB, prefix list or not."""
    settings = replace_fields(load_settings("production"), fields)
    app = new_app(context=cdk_json_context(), outdir=str(tmp_path))
    network = Template.from_stack(NetworkStack(app, "Probe", settings=settings))
    groups = network.find_resources("AWS::EC2::SecurityGroup", {"Properties": {"GroupName": settings.name("alb")}})
    ((alb_id, alb),) = groups.items()
    # Inline (a plain group id) or a separate resource (a prefix list): one rule either way, nothing else.
    rules = [*alb["Properties"].get("SecurityGroupIngress", [])] + [
        rule["Properties"]
        for rule in network.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [alb_id, "GroupId"]}
    ]
    ingress = [{key: value for key, value in rule.items() if key not in ("GroupId", "Description")} for rule in rules]
    assert ingress == [{"FromPort": HTTPS, "ToPort": HTTPS, "IpProtocol": "tcp", **source}]
