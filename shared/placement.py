"""Where an environment lives: its tags, its public names, its AWS account and its GCP project."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.checks import Problems, check, did_you_mean, domain_problem, positive_problem
from shared.places import AWS_REGIONS, GCP_REGIONS, aws_availability_zones

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_PREFIX_LIST_ID = re.compile(r"^pl-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_GCP_LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_BILLING_ACCOUNT = re.compile(r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")
_DNS_MANAGED_ZONE = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class TagSettings:
    """Cost-allocation tags (AWS) and labels (GCP); the environment tag is added from the name."""

    project: str  # short project slug, also the prefix of every resource name
    owner: str  # team accountable for the resources
    cost_centre: str  # finance code the spend is booked to

    def problems(self) -> Problems:
        for name in ("project", "owner", "cost_centre"):
            value = getattr(self, name)
            if not _GCP_LABEL.match(value):
                yield name, f"'{value}' must be a lower-case label: a letter, then letters, digits, '-' or '_'"


@dataclass(frozen=True)
class DomainSettings:
    """Public names. The app is served on `app_domain`; the load balancer answers on `origin_domain`."""

    zone_name: str  # the parent zone: holds `app_domain` and delegates each cloud's zone (`dns`)
    app_domain: str  # what users type; CloudFront / the global load balancer serve it
    origin_domain: str  # the regional load balancer behind the CDN, inside `dns.aws_zone_name`

    def problems(self) -> Problems:
        for name in ("zone_name", "app_domain", "origin_domain"):
            yield from check(name, domain_problem(getattr(self, name)))
        for name in ("app_domain", "origin_domain"):
            value = getattr(self, name)
            if value != self.zone_name and not value.endswith("." + self.zone_name):
                yield name, f"'{value}' is not inside the zone '{self.zone_name}'"


@dataclass(frozen=True)
class AwsSettings:
    """Where the AWS stacks deploy. Explicit AZs keep synth free of context lookups."""

    account_id: str  # 12-digit AWS account id
    region: str  # primary region for everything but the CloudFront-scoped edge
    availability_zones: tuple[str, ...]  # AZs to spread subnets over, in order
    hosted_zone_id: str  # Route 53 public hosted zone of `dns.aws_zone_name`, in this environment's account
    # AWS-managed prefix list `com.amazonaws.global.cloudfront.origin-facing` of `region` (its id differs per
    # region): when set (and no VPC-origin group is), the internal load balancer admits only it, not the VPC range.
    cloudfront_prefix_list_id: str | None = None
    # `CloudFront-VPCOrigins-Service-SG`, which CloudFront creates in the VPC with the first VPC origin: when set,
    # the load balancer admits only CloudFront's VPC origin interfaces (docs/aws.md).
    cloudfront_vpc_origin_security_group_id: str | None = None
    # Region that holds the cross-region copies of backups (and the rebuilt environment after a regional loss).
    recovery_region: str = "us-west-2"

    def problems(self) -> Problems:
        if not _ACCOUNT_ID.match(self.account_id):
            yield "account_id", f"'{self.account_id}' is not a 12-digit AWS account id"
        if self.region not in AWS_REGIONS:
            yield "region", f"'{self.region}' is not an AWS region{did_you_mean(self.region, AWS_REGIONS)}"
        if self.recovery_region not in AWS_REGIONS:
            yield (
                "recovery_region",
                f"'{self.recovery_region}' is not an AWS region{did_you_mean(self.recovery_region, AWS_REGIONS)}",
            )
        elif self.recovery_region == self.region:
            yield "recovery_region", f"'{self.recovery_region}' must differ from the primary region"
        if len(set(self.availability_zones)) != len(self.availability_zones):
            yield "availability_zones", f"{list(self.availability_zones)} repeats an availability zone"
        zones = aws_availability_zones(self.region)
        for zone in self.availability_zones:
            if self.region in AWS_REGIONS and zone not in zones:
                yield (
                    "availability_zones",
                    f"'{zone}' is not an availability zone of region '{self.region}' ({', '.join(zones)})",
                )
        if not _HOSTED_ZONE_ID.match(self.hosted_zone_id):
            yield "hosted_zone_id", f"'{self.hosted_zone_id}' is not a Route 53 hosted zone id"
        if self.cloudfront_prefix_list_id is not None and not _PREFIX_LIST_ID.match(self.cloudfront_prefix_list_id):
            yield "cloudfront_prefix_list_id", f"'{self.cloudfront_prefix_list_id}' is not a prefix list id (pl-...)"
        group = self.cloudfront_vpc_origin_security_group_id
        if group is not None and not _SECURITY_GROUP_ID.match(group):
            yield "cloudfront_vpc_origin_security_group_id", f"'{group}' is not a security group id (sg-...)"


@dataclass(frozen=True)
class GcpSettings:
    """Where the GCP stacks deploy and where their Terraform state lives."""

    project_id: str  # GCP project id
    region: str  # region of every regional resource
    billing_account_id: str  # Cloud Billing account (XXXXXX-XXXXXX-XXXXXX) that pays for the project; holds the budget
    dns_managed_zone: str  # Cloud DNS managed zone (its resource name, not the DNS name) of `dns.gcp_zone_name`
    dns_project_id: str | None = None  # project holding that zone; None means `project_id`
    dns_record_ttl_seconds: int = 300  # TTL of the app domain's A/AAAA records
    state_bucket: str | None = None  # GCS bucket for Terraform state; None keeps the local backend
    # The project's number (workload identity provider names use it); only the workflows need it.
    project_number: str | None = None

    @property
    def dns_project(self) -> str:
        return self.dns_project_id or self.project_id

    def problems(self) -> Problems:
        for name in ("project_id", "dns_project_id"):
            value = getattr(self, name)
            if value is not None and not _GCP_PROJECT.match(value):
                yield name, f"'{value}' is not a GCP project id (6-30 lower-case letters, digits, '-')"
        if not _BILLING_ACCOUNT.match(self.billing_account_id):
            yield "billing_account_id", f"'{self.billing_account_id}' is not a billing account id XXXXXX-XXXXXX-XXXXXX"
        if not _DNS_MANAGED_ZONE.match(self.dns_managed_zone):
            yield "dns_managed_zone", f"'{self.dns_managed_zone}' is not a Cloud DNS managed zone name"
        yield from check("dns_record_ttl_seconds", positive_problem(self.dns_record_ttl_seconds))
        if self.region not in GCP_REGIONS:
            yield "region", f"'{self.region}' is not a GCP region{did_you_mean(self.region, GCP_REGIONS)}"
        if self.state_bucket is not None and not _GCS_BUCKET.match(self.state_bucket):
            yield "state_bucket", f"'{self.state_bucket}' is not a valid GCS bucket name"
        if self.project_number is not None and not (self.project_number.isdigit() and len(self.project_number) <= 20):
            yield "project_number", f"'{self.project_number}' is not a GCP project number (digits only)"
