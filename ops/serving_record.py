"""The parent zone's records for one environment: the delegations of both clouds' zones, and the serving record.

The parent zone (`domain.zone_name`) belongs to neither environment account, so nothing here writes to it: this
prints what its owner applies, from settings alone (no cloud call). `dns.serving_cloud` decides the serving record.

    python -m ops.serving_record --env staging                   # what to create, as a zone-file listing
    python -m ops.serving_record --env staging --change-batch    # the serving record, for
        # aws route53 change-resource-record-sets --hosted-zone-id <parent zone> --change-batch file://-
"""

from __future__ import annotations

import argparse
import json
import sys

from shared import SettingsError, load_settings
from shared.dns import CLOUDS, serving_record


def listing(settings) -> list[str]:
    dns = settings.dns
    lines = [f"; parent zone {settings.domain.zone_name}, environment {settings.environment}"]
    for cloud in CLOUDS:
        lines.append(f"{dns.zone(cloud)}.  NS  <the {cloud} zone's name servers>  ; delegation, once")
    lines.append(
        f"{settings.domain.app_domain}.  {dns.serving_record_ttl_seconds}  CNAME  {dns.serving_host()}.  "
        f"; serving record: {dns.serving_cloud} serves"
    )
    lines.append(f"; plus each cloud's certificate validation record for {settings.domain.app_domain} (docs/aws.md)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--change-batch", action="store_true", help="print the serving record as a Route 53 batch")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.change_batch:
        record = serving_record(app_domain=settings.domain.app_domain, dns=settings.dns)
        print(json.dumps({"Comment": f"serving cloud of {settings.environment}", "Changes": [record]}, indent=2))
    else:
        print("\n".join(listing(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
