"""The failover's traffic switch: CloudFront's dynamic behaviors move between the origin group and the standby."""

from __future__ import annotations

import json

import pytest

from ops import cloudfront_origin
from shared import load_settings
from shared.recovery_names import STANDBY_ORIGIN_ID

GROUP = "bookedbarberproductionedgeCdnDistributionOriginGroup1"


def _config(target: str) -> dict:
    """The shape of GetDistributionConfig's DistributionConfig, as much as the switch reads."""
    return {
        "Origins": {"Quantity": 3, "Items": [{"Id": "primary"}, {"Id": STANDBY_ORIGIN_ID}, {"Id": "assets"}]},
        "OriginGroups": {"Quantity": 1, "Items": [{"Id": GROUP}]},
        "DefaultCacheBehavior": {"TargetOriginId": target},
        "CacheBehaviors": {
            "Quantity": 2,
            "Items": [
                {"PathPattern": "/api/*", "TargetOriginId": target},
                {"PathPattern": "/_next/static/*", "TargetOriginId": "assets"},
            ],
        },
    }


def test_failover_moves_every_dynamic_behavior_to_the_standby_and_leaves_static_paths():
    switched = cloudfront_origin.switched(_config(GROUP), "standby")
    assert switched == _config(STANDBY_ORIGIN_ID)
    assert switched["CacheBehaviors"]["Items"][1]["TargetOriginId"] == "assets"


def test_failback_returns_them_to_the_origin_group():
    assert cloudfront_origin.switched(_config(STANDBY_ORIGIN_ID), "group") == _config(GROUP)


def test_a_distribution_without_the_standbys_origin_group_is_refused():
    config = _config("primary")
    config["OriginGroups"] = {"Quantity": 0, "Items": []}
    with pytest.raises(ValueError, match="origin group"):
        cloudfront_origin.switched(config, "standby")


def test_a_run_updates_with_the_configurations_etag():
    settings = load_settings("production")
    calls: list[list[str]] = []

    def call(command):
        calls.append(list(command))
        if "describe-stacks" in command:
            return "E123\n"
        if "get-distribution-config" in command:
            return json.dumps({"ETag": "etag-1", "DistributionConfig": _config(GROUP)})
        if "update-distribution" in command:
            path = command[command.index("--distribution-config") + 1].removeprefix("file://")
            with open(path) as file:
                assert json.load(file) == _config(STANDBY_ORIGIN_ID)
        return ""

    cloudfront_origin.run(settings, "standby", wait=True, call=call)
    update = next(command for command in calls if "update-distribution" in command)
    assert update[update.index("--id") + 1] == "E123" and update[update.index("--if-match") + 1] == "etag-1"
    assert calls[-1] == ["aws", "cloudfront", "wait", "distribution-deployed", "--id", "E123"]


def test_the_dry_run_prints_offline_and_an_environment_without_standby_is_refused(capsys):
    assert cloudfront_origin.main(["--env", "production", "--to", "standby", "--dry-run"]) == 0
    assert "update-distribution" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        cloudfront_origin.main(["--env", "dev", "--to", "standby", "--dry-run"])
    assert exit_.value.code == 2
