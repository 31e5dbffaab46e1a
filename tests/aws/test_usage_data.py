"""The app collects no usage data for AWS: no version reporting, no construct analytics in the cloud assembly.

`@aws-cdk/core:enableAdditionalMetadataCollection` records every L2 construct's and method's (redacted) arguments
as `aws:cdk:analytics:*` metadata, for the version-reporting resource to send; with version reporting off nothing
would send it, and collecting it cost about 5% of one environment's synthesis (interleaved pairs, 2026-12-04).
"""

from __future__ import annotations

import json

from tests.synth import ROOT


def test_cdk_json_turns_usage_data_off():
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    assert cdk_json["versionReporting"] is False
    assert cdk_json["context"]["@aws-cdk/core:enableAdditionalMetadataCollection"] is False


def test_no_file_of_the_cloud_assembly_carries_analytics(aws):
    metadata = sorted(aws.directory.glob("*.metadata.json"))
    assert metadata
    found = [path.name for path in metadata if "aws:cdk:analytics:" in path.read_text()]
    assert found == []
    templates = [json.loads(path.read_text()) for path in aws.directory.glob("*.template.json")]
    assert not any(r["Type"] == "AWS::CDK::Metadata" for t in templates for r in t.get("Resources", {}).values())
