"""Snapshot extensions that keep only what describes the infrastructure.

Asset hashes change with any file, and the bootstrap-version parameter and rule
come from the synthesizer, not from us; both are normalized so that a snapshot
changes only when the infrastructure does.
"""

from __future__ import annotations

import copy
import json
import re

from syrupy.extensions.json import JSONSnapshotExtension

_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalize_cloudformation(template: dict) -> dict:
    template = copy.deepcopy(template)
    template.get("Parameters", {}).pop("BootstrapVersion", None)
    template.get("Rules", {}).pop("CheckBootstrapVersion", None)
    for section in ("Parameters", "Rules"):
        if section in template and not template[section]:
            del template[section]
    return json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


class CloudFormationSnapshot(JSONSnapshotExtension):
    def serialize(self, data, **kwargs):
        return super().serialize(normalize_cloudformation(data), **kwargs)


class TerraformSnapshot(JSONSnapshotExtension):
    """cdktf's `Testing.synth` already strips metadata and sorts keys; keep the JSON as it is."""
