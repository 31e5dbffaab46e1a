"""Cloud DNS: the app domain's records in the managed zone named in settings, referenced by name: no lookup."""

from __future__ import annotations

from cdktn_provider_google.dns_record_set import DnsRecordSet
from constructs import Construct

from shared import Settings


class AppDomainRecords(Construct):
    """A and AAAA for `domain.app_domain` to the global load balancer, as AWS aliases it to CloudFront.

    The Google-managed certificate only provisions once these resolve to the load balancer.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, ipv4: str, ipv6: str) -> None:
        super().__init__(scope, construct_id)
        self.records = {
            record_type: DnsRecordSet(
                self,
                construct_id_suffix,
                project=settings.gcp.dns_project,
                managed_zone=settings.gcp.dns_managed_zone,
                name=f"{settings.domain.app_domain}.",
                type=record_type,
                ttl=settings.gcp.dns_record_ttl_seconds,
                rrdatas=[address],
            )
            for record_type, construct_id_suffix, address in (("A", "AppRecord", ipv4), ("AAAA", "AppRecordIpv6", ipv6))
        }
