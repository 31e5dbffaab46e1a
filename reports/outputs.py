"""Read the synthesized outputs: every stack either CLI wrote, found through each folder's manifest.

The stack list is never typed here: whatever `cdk.out/manifest.json` and `cdktf.out/manifest.json` name is read,
so stacks added later (compliance, delivery, recovery) are covered without a change. The readers of alarms and
alert policies below are the ones the parity check, the cost report and the diagrams share.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from shared import Settings

ROOT = Path(__file__).resolve().parent.parent
AWS_OUT = ROOT / "cdk.out"
GCP_OUT = ROOT / "cdktf.out"


def load_aws(outdir: Path = AWS_OUT) -> dict[str, dict]:
    """Stack name -> CloudFormation template, for every stack in the cloud assembly."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in sorted(manifest["artifacts"].items())
        if artifact["type"] == "aws:cloudformation:stack"
    }


def load_gcp(outdir: Path = GCP_OUT) -> dict[str, dict]:
    """Stack name -> Terraform JSON, for every stack cdktf wrote."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: json.loads((outdir / stack["synthesizedStackPath"]).read_text())
        for name, stack in sorted(manifest["stacks"].items())
    }


def of_environment(stacks: dict[str, dict], settings: Settings) -> dict[str, dict]:
    """The stacks of one environment: their names start with `bookedbarber-<env>-`."""
    return {name: body for name, body in sorted(stacks.items()) if name.startswith(settings.prefix + "-")}


def aws_resources(templates: dict[str, dict], resource_type: str | None = None) -> Iterator[tuple[str, str, dict]]:
    """(stack, logical id, resource) of every resource, optionally of one type, in a stable order."""
    for stack in sorted(templates):
        for logical_id, resource in sorted(templates[stack].get("Resources", {}).items()):
            if resource_type is None or resource["Type"] == resource_type:
                yield stack, logical_id, resource


def gcp_resources(stacks: dict[str, dict], resource_type: str | None = None) -> Iterator[tuple[str, str, str, dict]]:
    """(stack, type, logical id, body) of every Terraform resource, optionally of one type, in a stable order."""
    for stack in sorted(stacks):
        for kind, instances in sorted(stacks[stack].get("resource", {}).items()):
            if resource_type is not None and kind != resource_type:
                continue
            for logical_id, body in sorted(instances.items()):
                yield stack, kind, logical_id, body


# --- alarms and alert policies ----------------------------------------------------------------------------


def alarm_period_seconds(properties: dict) -> int:
    """A plain alarm's period, or the (single) period of a metric-math alarm's queries."""
    if "Period" in properties:
        return properties["Period"]
    return next(query["MetricStat"]["Period"] for query in properties["Metrics"] if "MetricStat" in query)


def aws_alarms(templates: dict[str, dict], settings: Settings) -> dict[tuple[str, str], dict]:
    """(target, alert key) -> properties of every alarm named `bookedbarber-<env>-<target>-<key>`."""
    pattern = re.compile(rf"{re.escape(settings.prefix)}-([a-z0-9]+)-([a-z_]+)")
    found = {}
    for _, _, resource in aws_resources(templates, "AWS::CloudWatch::Alarm"):
        properties = resource["Properties"]
        match = pattern.fullmatch(properties.get("AlarmName", ""))
        if match:
            found[match.groups()] = properties
    return found


def gcp_alert_policies(stacks: dict[str, dict]) -> list[dict]:
    """Every alert policy that carries the catalog's `alert`/`severity` user labels."""
    return [
        body
        for _, _, _, body in gcp_resources(stacks, "google_monitoring_alert_policy")
        if {"alert", "severity"} <= set(body.get("user_labels", {}))
    ]
