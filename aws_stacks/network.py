"""Network: the VPC and its three subnet tiers (public, app, database) from settings,
with endpoints, encrypted flow logs, and network ACLs fencing the database tier."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from aws_stacks.addressing import SettingsIpAddresses
from aws_stacks.nag import NIST, PCI, acknowledge
from aws_stacks.security import SecurityGroups, encrypted_log_group, logs_key
from shared import Settings
from shared.contract import DATABASE_PORT, ELASTICACHE_PORT

# Replies to clients leave from the ephemeral range.
EPHEMERAL_PORTS = (1024, 65535)


def interface_endpoints() -> dict[str, ec2.InterfaceVpcEndpointAwsService]:
    """PrivateLink endpoints the tasks need to start without NAT: image pulls, logs, secrets. A function: a
    module-level jsii call would wait for aws-cdk-lib to load (shared/jsii_start.py)."""
    return {
        "EcrApiEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR,
        "EcrDockerEndpoint": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        "LogsEndpoint": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        "SecretsManagerEndpoint": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    }


PUBLIC = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
APP = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
DATABASE = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        network = settings.network
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=settings.name("vpc"),
            ip_addresses=SettingsIpAddresses(settings),
            availability_zones=list(settings.aws.availability_zones),
            nat_gateways=network.aws_nat_gateways,
            nat_gateway_subnets=PUBLIC,
            subnet_configuration=[
                # Nothing launched here needs a public IP of its own: the NAT gateways bring theirs. The tier (and
                # its internet gateway) stays even without NAT: CloudFront's VPC origins need a gateway attached.
                ec2.SubnetConfiguration(
                    name="Public", subnet_type=ec2.SubnetType.PUBLIC, map_public_ip_on_launch=False
                ),
                ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                ec2.SubnetConfiguration(name="Database", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
            gateway_endpoints={
                "S3Endpoint": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDbEndpoint": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        flow_logs = encrypted_log_group(
            self, "FlowLogGroup", settings=settings, key=logs_key, log_group_name=f"/{settings.prefix}/vpc-flow-logs"
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self._fence_database_subnets(settings)
        for subnet in self.vpc.public_subnets:
            acknowledge(
                subnet.node.find_child("DefaultRoute"),
                "VPCNoUnrestrictedRouteToIGW",
                "The public tier's route to the internet gateway: only the NAT gateways live here (the ALB is "
                "internal, behind CloudFront's VPC origin, which needs the gateway attached); app and database "
                "subnets route only through NAT or nowhere, and no instance runs here.",
                packs=(NIST, PCI),
            )

    def _fence_database_subnets(self, settings: Settings) -> None:
        """Database subnets admit only the app subnets, on the database and cache ports, and answer them;
        inside the tier, nodes reach each other on the same ports."""
        acl = ec2.NetworkAcl(
            self,
            "DatabaseNetworkAcl",
            vpc=self.vpc,
            network_acl_name=settings.name("database-nacl"),
            subnet_selection=DATABASE,
        )
        acknowledge(
            acl,
            "VPC3",
            "Deliberate defense in depth: this NACL fences the database tier to the app subnets' CIDRs on the "
            "database and cache ports, in addition to the security groups that remain the primary control.",
        )
        rule = 100
        for cidr in settings.network.aws_app_subnet_cidrs:
            peer = ec2.AclCidr.ipv4(cidr)
            for name, port in (("Database", DATABASE_PORT), ("Cache", ELASTICACHE_PORT)):
                acl.add_entry(
                    f"Allow{name}From{rule}",
                    cidr=peer,
                    rule_number=rule,
                    traffic=ec2.AclTraffic.tcp_port(port),
                    direction=ec2.TrafficDirection.INGRESS,
                    rule_action=ec2.Action.ALLOW,
                )
                rule += 10
            acl.add_entry(
                f"AllowRepliesTo{rule}",
                cidr=peer,
                rule_number=rule,
                traffic=ec2.AclTraffic.tcp_port_range(*EPHEMERAL_PORTS),
                direction=ec2.TrafficDirection.EGRESS,
                rule_action=ec2.Action.ALLOW,
            )
            rule += 10
        # Redis replicas and RDS standbys talk to each other across the tier's subnets: same ports, both ways.
        tier_traffic = {
            "Database": ec2.AclTraffic.tcp_port(DATABASE_PORT),
            "Cache": ec2.AclTraffic.tcp_port(ELASTICACHE_PORT),
            "Replies": ec2.AclTraffic.tcp_port_range(*EPHEMERAL_PORTS),
        }
        for cidr in settings.network.aws_database_subnet_cidrs:
            for direction in (ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS):
                for name, traffic in tier_traffic.items():
                    acl.add_entry(
                        f"AllowTier{name}{direction.name.title()}{rule}",
                        cidr=ec2.AclCidr.ipv4(cidr),
                        rule_number=rule,
                        traffic=traffic,
                        direction=direction,
                        rule_action=ec2.Action.ALLOW,
                    )
                    rule += 10


class InterfaceEndpoints(Construct):
    """PrivateLink endpoints in the app subnets, reachable only from the groups allowed into `security_group`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, security_group: ec2.ISecurityGroup
    ) -> None:
        super().__init__(scope, construct_id)
        for endpoint_id, service in interface_endpoints().items():
            ec2.InterfaceVpcEndpoint(
                self,
                endpoint_id,
                vpc=vpc,
                service=service,
                subnets=APP,
                private_dns_enabled=True,
                security_groups=[security_group],
                open=False,
            )


class NetworkStack(Stack):
    """The logs key, the VPC with its endpoints, flow logs and NACLs, and the security groups every later stack
    attaches to."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.logs_key = logs_key(self, "LogsKey", settings=settings)
        network = Network(self, "Network", settings=settings, logs_key=self.logs_key)
        self.vpc = network.vpc
        self.security_groups = SecurityGroups(self, "SecurityGroups", vpc=self.vpc, settings=settings)
        if settings.network.aws_interface_endpoints:
            InterfaceEndpoints(self, "InterfaceEndpoints", vpc=self.vpc, security_group=self.security_groups.endpoints)
