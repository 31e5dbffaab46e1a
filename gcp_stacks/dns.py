"""Cloud DNS: the environment's GCP zone (`dns.gcp_zone_name`, delegated from the parent), referenced by name."""

from __future__ import annotations

from cdktn_provider_google.dns_record_set import DnsRecordSet
from constructs import Construct

from shared import Settings


class AppDomainRecords(Construct):
    """A and AAAA for `dns.host("gcp")` to the global load balancer, as AWS aliases its own name to CloudFront.

    The app domain itself is the parent zone's serving record (shared/dns.py); the Google-managed certificate of
    the app domain only provisions once that record points here.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, ipv4: str, ipv6: str) -> None:
        super().__init__(scope, construct_id)
        self.records = {
            record_type: DnsRecordSet(
                self,
                construct_id_suffix,
                project=settings.gcp.dns_project,
                managed_zone=settings.gcp.dns_managed_zone,
                name=f"{settings.dns.host('gcp')}.",
                type=record_type,
                ttl=settings.gcp.dns_record_ttl_seconds,
                rrdatas=[address],
            )
            for record_type, construct_id_suffix, address in (("A", "AppRecord", ipv4), ("AAAA", "AppRecordIpv6", ipv6))
        }
