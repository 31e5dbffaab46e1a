"""The environment's own Route 53 zone (`dns.aws_zone_name`, delegated from the parent), referenced by id from
settings: no lookup at synth. Every record and validation record the AWS stacks write goes into it."""

from __future__ import annotations

from aws_cdk import aws_route53 as route53
from constructs import Construct

from shared import Settings


def hosted_zone(scope: Construct, construct_id: str, *, settings: Settings) -> route53.IHostedZone:
    return route53.HostedZone.from_hosted_zone_attributes(
        scope, construct_id, hosted_zone_id=settings.aws.hosted_zone_id, zone_name=settings.dns.aws_zone_name
    )
