"""Who answers for an environment's names, on each cloud, and the one record that picks the serving cloud.

The parent zone (`domain.zone_name`) belongs to neither cloud's environment accounts: its owner delegates one zone
per environment and cloud (`aws_zone_name` to Route 53, `gcp_zone_name` to Cloud DNS) and holds the one record that
decides which cloud users reach: `domain.app_domain` CNAME to `serving_host()`. Each cloud writes only into its own
zone: its load balancer or CDN under `host(cloud)`, and its certificate validation records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shared.checks import domain_problem

CLOUDS = ("aws", "gcp")
# The label each cloud serves the app under inside its own zone.
APP_LABEL = "app"

Problems = Iterator[tuple[str, str]]


def _inside(name: str, zone: str) -> bool:
    return name.endswith("." + zone)


@dataclass(frozen=True)
class DnsSettings:
    """Delegated zones per cloud and the serving record. Zones sit strictly inside `domain.zone_name`."""

    serving_cloud: str  # "aws" or "gcp": the cloud `domain.app_domain` points to (the parent zone's one record)
    aws_zone_name: str  # this environment's Route 53 public zone (`aws.hosted_zone_id`), delegated from the parent
    gcp_zone_name: str  # this environment's Cloud DNS zone (`gcp.dns_managed_zone`), delegated from the parent
    serving_record_ttl_seconds: int = 300  # TTL of the serving record: how long a switch of cloud takes to reach users

    def zone(self, cloud: str) -> str:
        return self.aws_zone_name if cloud == "aws" else self.gcp_zone_name

    def host(self, cloud: str) -> str:
        """The name `cloud` serves the app under in its own zone: `app.aws.staging.bookedbarber.com`."""
        return f"{APP_LABEL}.{self.zone(cloud)}"

    def serving_host(self) -> str:
        return self.host(self.serving_cloud)

    def problems(self) -> Problems:
        if self.serving_cloud not in CLOUDS:
            yield "serving_cloud", f"'{self.serving_cloud}' is not one of {list(CLOUDS)}"
        for name in ("aws_zone_name", "gcp_zone_name"):
            problem = domain_problem(getattr(self, name))
            if problem:
                yield name, problem
        if self.aws_zone_name == self.gcp_zone_name:
            yield "gcp_zone_name", f"'{self.gcp_zone_name}' is the AWS zone too: each cloud needs a zone of its own"
        if not 60 <= self.serving_record_ttl_seconds <= 86400:
            yield "serving_record_ttl_seconds", f"{self.serving_record_ttl_seconds} is outside 60-86400 seconds"

    def problems_with(self, parent_zone: str, app_domain: str, origin_domain: str) -> Problems:
        """Checks against `domain` (full field names): zones delegated from the parent, the app domain in it."""
        for name in ("aws_zone_name", "gcp_zone_name"):
            if not _inside(getattr(self, name), parent_zone):
                yield f"dns.{name}", f"'{getattr(self, name)}' is not a zone delegated from '{parent_zone}'"
        if app_domain == parent_zone:
            yield "domain.app_domain", f"'{app_domain}' is the zone apex, where the serving record cannot be a CNAME"
        for cloud in CLOUDS:
            zone = self.zone(cloud)
            if app_domain == zone or _inside(app_domain, zone):
                yield (
                    "domain.app_domain",
                    f"'{app_domain}' is inside the {cloud} zone '{zone}': the serving record belongs to the parent",
                )
        if not _inside(origin_domain, self.aws_zone_name):
            yield "domain.origin_domain", f"'{origin_domain}' is not inside the AWS zone '{self.aws_zone_name}'"


def serving_record(*, app_domain: str, dns: DnsSettings) -> dict[str, object]:
    """The parent zone's record, as a Route 53 UPSERT change (the same record in any DNS service)."""
    return {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": f"{app_domain}.",
            "Type": "CNAME",
            "TTL": dns.serving_record_ttl_seconds,
            "ResourceRecords": [{"Value": f"{dns.serving_host()}."}],
        },
    }
