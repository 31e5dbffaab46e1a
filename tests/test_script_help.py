"""Every operator command answers `--help` without side effects, and refuses a bad argument with a short message."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.synth import ROOT

# Folders no command may need to touch to print its help; outputs (cdk.out/, docs/) are deliberately included.
COMMAND_PACKAGES = ("ops", "reports", "scripts")
SKIPPED = {".git", ".venv", "node_modules", ".deps", "__pycache__", ".pytest_cache", ".ruff_cache"}


def commands() -> list[str]:
    """Modules under ops/, reports/ and scripts/ that define `main`: what an operator may run with `python -m`."""
    found = []
    for package in COMMAND_PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            tree = ast.parse(path.read_text())
            if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
                found.append(f"{package}.{path.stem}")
    return found


def tree_state() -> dict[str, str]:
    state = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED and not name.startswith("cdk.out.test")]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                state[os.path.relpath(path, ROOT)] = hashlib.sha256(file.read()).hexdigest()
    return state


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_commands_are_found():
    expected = {
        "reports.diagram",
        "reports.alarm_table",
        "reports.parity",
        "reports.cost",
        "reports.summary",
        "reports.slo_table",
        "ops.drill_gcp",
    }
    expected |= {
        "ops.deploy",
        "ops.release",
        "ops.health_check",
        "ops.cloudfront_origin",
        "scripts.synth",
        "scripts.bench",
    }
    assert expected <= set(commands())


def test_every_command_answers_help_and_changes_nothing():
    before = tree_state()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(commands(), pool.map(lambda module: run(module, "--help"), commands()), strict=True))
    assert tree_state() == before
    for module, result in results.items():
        assert result.returncode == 0, (module, result.stderr[-2000:])
        assert result.stdout.startswith("usage:"), (module, result.stdout[:500])


@pytest.mark.parametrize("module", ["reports.diagram", "reports.parity", "reports.cost", "reports.summary"])
def test_a_bad_argument_is_refused_in_one_line(module):
    result = run(module, "--no-such-option")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--no-such-option" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
