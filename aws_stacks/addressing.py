"""VPC addressing taken from settings, through CDK's own `IIpAddresses` extension point.

CDK's built-in allocators pick subnet CIDRs themselves; ours hands back the exact
CIDRs of the shared address plan, so the VPC, the NACLs and the GCP side all read
one set of numbers.
"""

from __future__ import annotations

import jsii
from aws_cdk import aws_ec2 as ec2

from shared import Settings


@jsii.implements(ec2.IIpAddresses)
class SettingsIpAddresses:
    def __init__(self, settings: Settings) -> None:
        network = settings.network
        self._vpc_cidr = network.aws_vpc_cidr
        zones = settings.aws.availability_zones
        self._by_type_and_zone = {
            (subnet_type, zone): cidr
            for subnet_type, cidrs in (
                (ec2.SubnetType.PUBLIC, network.aws_public_subnet_cidrs),
                (ec2.SubnetType.PRIVATE_WITH_EGRESS, network.aws_app_subnet_cidrs),
                (ec2.SubnetType.PRIVATE_ISOLATED, network.aws_database_subnet_cidrs),
            )
            for zone, cidr in zip(zones, cidrs, strict=True)
        }

    def allocate_vpc_cidr(self) -> ec2.VpcIpamOptions:
        return ec2.VpcIpamOptions(cidr_block=self._vpc_cidr)

    def allocate_subnets_cidr(self, input: ec2.AllocateCidrRequest) -> ec2.SubnetIpamOptions:  # noqa: A002 (jsii name)
        allocated = []
        for requested in input.requested_subnets:
            key = (requested.configuration.subnet_type, requested.availability_zone)
            if key not in self._by_type_and_zone:
                raise ValueError(f"no CIDR in settings for a {key[0]} subnet in {key[1]}")
            allocated.append(ec2.AllocatedSubnet(cidr=self._by_type_and_zone[key]))
        return ec2.SubnetIpamOptions(allocated_subnets=allocated)
