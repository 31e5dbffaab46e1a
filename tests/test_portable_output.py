"""Synthesized output must not depend on where the checkout lives or on the machine that ran synth."""

from __future__ import annotations

import json
import tempfile

from tests.synth import ROOT

MACHINE_SPECIFIC = (str(ROOT), tempfile.gettempdir() + "/", "jsii-kernel-")


def _machine_specific_strings(documents: dict[str, dict]) -> list[str]:
    return [
        f"{name}: {marker}"
        for name, document in documents.items()
        for marker in MACHINE_SPECIFIC
        if marker in json.dumps(document)
    ]


def test_cloudformation_templates_are_portable(aws):
    assert _machine_specific_strings(aws.templates) == []


def test_terraform_configurations_are_portable(gcp_stacks):
    assert _machine_specific_strings(gcp_stacks) == []
