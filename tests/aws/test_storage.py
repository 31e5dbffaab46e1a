"""Users' uploads on AWS: the data bucket GCP also has, backed up where versioned, written only by the API."""

from __future__ import annotations

import json

from tests.aws.helpers import only, resources


def _uploads(aws, settings) -> tuple[str, dict]:
    buckets = resources(aws, settings, "data", "AWS::S3::Bucket")
    name = f"{settings.name('uploads')}-{settings.aws.account_id}"
    ((logical_id, bucket),) = [(k, b) for k, b in buckets.items() if b["Properties"].get("BucketName") == name]
    return logical_id, bucket


def test_uploads_are_private_encrypted_and_tiered_per_settings(aws, settings):
    _, bucket = _uploads(aws, settings)
    properties = bucket["Properties"]
    storage = settings.storage
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert (properties.get("VersioningConfiguration") or {}).get("Status") == (
        "Enabled" if storage.versioning else None
    )
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert [(t["StorageClass"], t["TransitionInDays"]) for t in rule["Transitions"]] == [
        ("STANDARD_IA", storage.infrequent_access_after_days),
        ("GLACIER_IR", storage.archive_after_days),
    ]
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == "s3/uploads/"
    assert bucket["DeletionPolicy"] == ("Retain" if settings.resilience.retain_stateful_resources else "Delete")


def test_versioned_uploads_are_in_the_backup_selection(aws, settings):
    logical_id, _ = _uploads(aws, settings)
    selection = only(resources(aws, settings, "data", "AWS::Backup::BackupSelection"))["Properties"]
    assert (logical_id in json.dumps(selection["BackupSelection"]["Resources"])) is settings.storage.versioning


def test_only_the_api_reads_and_writes_uploads_objects(aws, settings):
    bucket_arn = f"arn:${{AWS::Partition}}:s3:::{settings.name('uploads')}-{settings.aws.account_id}"
    policies = resources(aws, settings, "compute", "AWS::IAM::Policy")
    granted = {}
    for logical_id, policy in policies.items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Sid", "").startswith("Uploads"):
                granted.setdefault(logical_id, []).append(statement)
    ((policy_id, statements),) = granted.items()
    assert "ApiService" in policy_id
    by_sid = {statement["Sid"]: statement for statement in statements}
    assert by_sid["UploadsObjects"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert json.dumps(by_sid["UploadsObjects"]["Resource"]).replace('"', "").find("/*") > 0
    assert by_sid["UploadsList"]["Action"] == "s3:ListBucket"
    assert by_sid["UploadsKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"s3.{settings.aws.region}.amazonaws.com"}
    }
    assert bucket_arn.split("}")[-1] in json.dumps(by_sid["UploadsList"]["Resource"])


def test_the_api_is_told_its_uploads_bucket(aws, settings):
    definitions = resources(aws, settings, "compute", "AWS::ECS::TaskDefinition")
    api = only({k: d for k, d in definitions.items() if "Api" in k})["Properties"]
    app = next(c for c in api["ContainerDefinitions"] if c["Name"] == "api")
    environment = {item["Name"]: item["Value"] for item in app["Environment"]}
    assert "UPLOADS_BUCKET" in environment
