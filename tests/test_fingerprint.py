"""`make parity|cost|diagram` reuse the last synthesis only while nothing it was made from has changed."""

from __future__ import annotations

import shutil

import pytest

from scripts import fingerprint, synth
from tests.synth import ROOT


@pytest.fixture
def tree(tmp_path):
    """A copy of the inputs the AWS fingerprint reads, and an output folder written by a 'successful' synth."""
    for name in fingerprint.INPUTS["aws"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tmp_path / name)
    output = tmp_path / "cdk.out"
    output.mkdir()
    (output / "manifest.json").write_text('{"version": "1"}')
    fingerprint.record("aws", output, fingerprint.fingerprint("aws", tmp_path, environ={}))
    return tmp_path


def _current(root, environ=None) -> bool:
    return fingerprint.is_current("aws", root / "cdk.out", fingerprint.fingerprint("aws", root, environ or {}))


def test_unchanged_inputs_reuse_the_output(tree):
    assert _current(tree)


@pytest.mark.parametrize("changed", ["shared/environments.py", "aws_stacks/network.py", "uv.lock", "cdk.json"])
def test_a_changed_input_synthesizes_again(tree, changed):
    with (tree / changed).open("a") as file:
        file.write("\n")
    assert not _current(tree)


def test_an_override_in_the_environment_synthesizes_again(tree):
    assert not _current(tree, {"BB_DEV_AWS_ACCOUNT_ID": "123456789012"})
    assert _current(tree, {"HOME": "/elsewhere"})  # only BB_* variables feed the settings


def test_an_output_rewritten_by_another_command_synthesizes_again(tree):
    (tree / "cdk.out" / "manifest.json").write_text('{"version": "2"}')  # e.g. a direct `npx cdk synth -c env=dev`
    assert not _current(tree)


def test_no_fingerprint_no_reuse(tree):
    (tree / "cdk.out" / fingerprint.FILE).unlink()
    assert not _current(tree)


def test_reuse_synthesizes_only_the_stale_cloud(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(synth, "ROOT", tmp_path)
    for cloud in ("aws", "gcp"):
        output = tmp_path / synth.SIDES[cloud].output
        output.mkdir()
        (output / "manifest.json").write_text("{}")
        fingerprint.record(cloud, output, f"inputs of {cloud}")
    monkeypatch.setattr(synth.fingerprint, "fingerprint", lambda cloud: "inputs of aws" if cloud == "aws" else "new")
    ran = []
    monkeypatch.setattr(synth, "run", lambda clouds: ran.append(clouds) or 0)
    assert synth.main(["--reuse", "aws", "gcp"]) == 0
    assert ran == [["gcp"]]
    assert "aws: reusing cdk.out/" in capsys.readouterr().out
    ran.clear()
    assert synth.main(["aws", "gcp"]) == 0  # plain `make synth` always synthesizes
    assert ran == [["aws", "gcp"]]
