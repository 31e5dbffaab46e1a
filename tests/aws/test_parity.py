"""The settings both clouds read, on the AWS side (their GCP side is in tests/gcp)."""

from __future__ import annotations

import json

from aws_stacks.data import REDIS_ENGINES
from tests.aws.helpers import only, resources


def test_redis_version_follows_the_shared_major(aws, settings):
    group = only(resources(aws, settings, "data", "AWS::ElastiCache::ReplicationGroup"))["Properties"]
    parameters = only(resources(aws, settings, "data", "AWS::ElastiCache::ParameterGroup"))["Properties"]
    assert settings.cache.redis_major_version == 7
    assert (group["EngineVersion"], parameters["CacheParameterGroupFamily"]) == ("7.1", "redis7")
    assert (group["EngineVersion"], parameters["CacheParameterGroupFamily"]) == REDIS_ENGINES[7]


def test_image_retention_follows_settings(aws, settings):
    for repository in resources(aws, settings, "data", "AWS::ECR::Repository").values():
        rules = json.loads(repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
        selections = {rule["selection"]["tagStatus"]: rule["selection"] for rule in rules}
        assert selections["untagged"]["countType"] == "sinceImagePushed"
        assert selections["untagged"]["countNumber"] == settings.compute.untagged_image_expiry_days
        assert selections["any"] == {
            "tagStatus": "any",
            "countType": "imageCountMoreThan",
            "countNumber": settings.compute.kept_images,
        }


def test_point_in_time_window_covers_the_shared_setting(aws, settings):
    """RDS's point-in-time window is its backup retention; settings validation keeps it >= the shared window."""
    resilience = settings.resilience
    for instance in resources(aws, settings, "data", "AWS::RDS::DBInstance").values():
        properties = instance["Properties"]
        if "SourceDBInstanceIdentifier" in properties:
            continue
        assert properties["BackupRetentionPeriod"] == resilience.backup_retention_days
        assert properties["BackupRetentionPeriod"] >= resilience.point_in_time_recovery_days
