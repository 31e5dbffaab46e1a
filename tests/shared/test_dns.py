"""DNS: a zone per environment and cloud, delegated from the parent, and one serving record from settings."""

from __future__ import annotations

import json

import pytest

from ops import serving_record
from shared import ENVIRONMENTS, SettingsError, load_settings, replace_fields
from shared.dns import CLOUDS


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_cloud_has_a_zone_of_its_own_inside_the_parent(environment):
    settings = load_settings(environment, environ={})
    zones = {settings.dns.zone(cloud) for cloud in CLOUDS}
    assert len(zones) == 2
    assert all(zone.endswith("." + settings.domain.zone_name) for zone in zones)
    assert settings.domain.origin_domain.endswith("." + settings.dns.aws_zone_name)
    assert not any(settings.domain.app_domain.endswith("." + zone) for zone in zones)


def test_environments_never_share_a_zone():
    zones = [load_settings(name, environ={}).dns.zone(cloud) for name in ENVIRONMENTS for cloud in CLOUDS]
    assert len(zones) == len(set(zones))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dns.serving_cloud": "azure"}, "dns.serving_cloud"),
        ({"dns.gcp_zone_name": "aws.staging.bookedbarber.com"}, "dns.gcp_zone_name"),
        ({"dns.aws_zone_name": "aws.staging.example.org"}, "dns.aws_zone_name"),
        ({"domain.app_domain": "bookedbarber.com"}, "domain.app_domain"),
        ({"domain.app_domain": "app.aws.staging.bookedbarber.com"}, "domain.app_domain"),
        ({"domain.origin_domain": "origin.staging.bookedbarber.com"}, "domain.origin_domain"),
    ],
)
def test_bad_dns_settings_name_the_field(changes, field):
    with pytest.raises(SettingsError, match=f"{field.replace('.', '[.]')}:"):
        replace_fields(load_settings("staging", environ={}), changes)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_serving_record_points_the_app_domain_at_the_chosen_cloud(cloud, monkeypatch, capsys):
    monkeypatch.setenv("BB_STAGING_DNS_SERVING_CLOUD", cloud)
    assert serving_record.main(["--env", "staging", "--change-batch"]) == 0
    (change,) = json.loads(capsys.readouterr().out)["Changes"]
    settings = load_settings("staging")
    assert change == {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": f"{settings.domain.app_domain}.",
            "Type": "CNAME",
            "TTL": settings.dns.serving_record_ttl_seconds,
            "ResourceRecords": [{"Value": f"{settings.dns.host(cloud)}."}],
        },
    }


def test_the_listing_names_both_delegations_and_the_serving_record(capsys):
    assert serving_record.main(["--env", "production"]) == 0
    out = capsys.readouterr().out
    settings = load_settings("production")
    for cloud in CLOUDS:
        assert f"{settings.dns.zone(cloud)}.  NS" in out
    assert f"{settings.domain.app_domain}.  300  CNAME  {settings.dns.host('aws')}." in out
