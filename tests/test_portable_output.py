"""Synthesized output must not depend on where the checkout lives or on the machine that ran synth."""

from __future__ import annotations

import functools
import hashlib
import json
import tarfile
import tempfile
from pathlib import Path

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


# CDK records where each construct was created: a stack trace through jsii's random temporary folder.
CREATION_STACK = "aws:cdk:creationStack"


@functools.cache
def _shipped_handlers() -> frozenset[str]:
    """SHA-256 of each custom-resource handler aws-cdk-lib ships (its jsii tarball): CDK copies one verbatim into an
    asset, and those bytes name Lambda's own `/tmp/` (e.g. AwsCustomResource's handler), not this machine's."""
    import aws_cdk

    (tarball,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        return frozenset(
            hashlib.sha256(archive.extractfile(member).read()).hexdigest()
            for member in archive.getmembers()
            if member.isfile() and member.name.startswith("package/custom-resource-handlers/dist/")
        )


def _unportable_files(directory) -> list[str]:
    """Every file of a cloud assembly that holds a machine path or a creation stack trace (a handler aws-cdk-lib
    ships, copied byte for byte, is the same on every machine)."""
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if (
            path.parent.name.startswith("asset.")
            and hashlib.sha256(path.read_bytes()).hexdigest() in _shipped_handlers()
        ):
            continue
        text = path.read_text(errors="replace")
        found += [f"{path.relative_to(directory)}: {m}" for m in (*MACHINE_SPECIFIC, CREATION_STACK) if m in text]
    return found


def test_every_file_of_the_cloud_assembly_is_portable(aws):
    """Templates, `*.metadata.json`, `validation-report.json`, manifest and assets: the same bytes on any run."""
    files = {path.name for path in aws.directory.rglob("*") if path.is_file()}
    assert "validation-report.json" in files and any(name.endswith(".metadata.json") for name in files)
    assert _unportable_files(aws.directory) == []


def test_every_file_of_the_terraform_output_is_portable(gcp_stacks, gcp_outdir):
    files = [path for path in gcp_outdir.rglob("*") if path.is_file()]
    assert "manifest.json" in {path.name for path in files}
    assert len([path for path in files if path.name == "cdk.tf.json"]) == len(gcp_stacks)
    assert _unportable_files(gcp_outdir) == []


def test_the_portability_check_catches_a_stack_trace(tmp_path):
    (tmp_path / "x.metadata.json").write_text(
        '{"/S/R": [{"type": "aws:cdk:creationStack", "data": ["new R (/tmp/jsii-kernel-abc/lib/r.js:1)"]}]}'
    )
    assert len(_unportable_files(tmp_path)) == 3


def test_terraform_configurations_are_portable(gcp_stacks):
    assert _machine_specific_strings(gcp_stacks) == []
