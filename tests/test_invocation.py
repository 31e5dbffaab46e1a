"""The app stops a `cdk diff|deploy` against placeholders at once, and never stops `cdk synth` or the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aws_stacks.invocation import cli_command, command_of
from shared import load_settings
from tests.synth import ROOT


def _fake_proc(tmp_path: Path, chain: list[tuple[int, int, list[str]]]) -> Path:
    """A /proc with one entry per (pid, parent pid, argv)."""
    for pid, parent, argv in chain:
        entry = tmp_path / str(pid)
        entry.mkdir()
        (entry / "cmdline").write_bytes(b"\0".join(arg.encode() for arg in argv) + b"\0")
        (entry / "stat").write_text(f"{pid} (a (odd) name) S {parent} 1 1 0")
    return tmp_path


def test_reads_the_command_and_the_stacks():
    argv = ["node", "/repo/node_modules/.bin/cdk", "-c", "env=dev", "diff", "bookedbarber-dev-delivery"]
    assert command_of(argv) == ("diff", ("bookedbarber-dev-delivery",))
    assert command_of(["node", "node_modules/aws-cdk/bin/cdk", "synth", "-c", "env=dev"]) == ("synth", ())
    assert command_of(["python", "app.py"]) is None


def test_finds_the_cli_above_the_shell(tmp_path):
    proc = _fake_proc(
        tmp_path,
        [
            (30, 20, ["/bin/sh", "-c", ".venv/bin/python app.py"]),
            (20, 10, ["node", "/repo/node_modules/.bin/cdk", "deploy", "-c", "env=production"]),
            (10, 1, ["npm exec cdk deploy -c env=production"]),
        ],
    )
    assert cli_command(30, proc) == ("deploy", ())
    assert cli_command(99, proc) is None  # no such process: the app synthesizes as always


def _under_a_fake_cdk(tmp_path: Path, *cli_args: str, environ: dict | None = None) -> subprocess.CompletedProcess:
    """app.py started by a process whose command line is `<python> .../cdk <cli_args>`, as the CLI starts it."""
    fake = tmp_path / "cdk"
    fake.write_text("import subprocess, sys\nsys.exit(subprocess.call([sys.executable, 'app.py']))\n")
    env = {**os.environ, "CDK_CONTEXT_JSON": '{"env": "dev"}', **(environ or {})}
    return subprocess.run(
        [sys.executable, str(fake), *cli_args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_diff_against_the_placeholder_account_stops_with_what_to_set(tmp_path):
    result = _under_a_fake_cdk(tmp_path, "diff", "-c", "env=dev")
    assert result.returncode == 1
    assert "set BB_DEV_AWS_ACCOUNT_ID=<yours> before a diff or deploy" in result.stderr
    assert "set BB_DEV_AWS_HOSTED_ZONE_ID=<yours>" in result.stderr
    assert "(stopped before `cdk diff`)" in result.stderr


def test_a_diff_of_the_delivery_stack_asks_for_what_it_uses(tmp_path):
    result = _under_a_fake_cdk(tmp_path, "deploy", "-c", "env=dev", "bookedbarber-dev-delivery")
    assert "BB_DEV_GITHUB_REPOSITORY_ID" in result.stderr and "HOSTED_ZONE" not in result.stderr


def test_synth_and_direct_runs_are_not_stopped(monkeypatch):
    import app

    calls = []
    monkeypatch.setattr(app, "cli_command", lambda pid: calls.append(pid) or ("synth", ()))
    app.stop_before_an_account_command_on_placeholders([load_settings("dev")])  # returns: synth needs no account
    monkeypatch.setattr(app, "cli_command", lambda pid: None)
    app.stop_before_an_account_command_on_placeholders([load_settings("dev")])  # not started by the CLI
    assert calls == [os.getppid()]


def test_context_overrides_count(monkeypatch):
    """`npx cdk diff -c env=dev -c aws_account_id=...`: the settings as overridden are checked, not the committed."""
    import app

    monkeypatch.setattr(app, "cli_command", lambda pid: ("diff", ()))
    overridden = load_settings("dev", overrides={"aws_account_id": "123456789012", "aws_hosted_zone_id": "Z0451"})
    app.stop_before_an_account_command_on_placeholders([overridden])
