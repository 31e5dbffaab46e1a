"""Network: the VPC and its three subnet tiers (public, app, database) from settings."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from aws_stacks.addressing import SettingsIpAddresses
from shared import Settings


class NetworkStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=settings.name("vpc"),
            ip_addresses=SettingsIpAddresses(settings),
            availability_zones=list(settings.aws.availability_zones),
            nat_gateways=settings.network.aws_nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                ec2.SubnetConfiguration(name="Database", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
        )
        self.vpc.add_flow_log("FlowLog")
