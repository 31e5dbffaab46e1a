"""No hard-coded list of every environment: code, help texts, tests and workflows name them from the settings
(`shared.ENVIRONMENTS`, the keys of shared/environments.py's DEFINITIONS), so adding an environment (README) edits
no list the README does not name.

A list is a run of environment names joined by `,`, `or`, `and`, `|` or `->` (quoted or not). One holding three
or more of them, or all of them, stands for "every environment" and goes stale when one is added; subsets of one
or two are choices about those environments and stay. Comment lines are prose and are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

from shared import ENVIRONMENTS
from tests.synth import ROOT

SCANNED = ("shared", "aws_stacks", "gcp_stacks", "ops", "reports", "scripts", "tests")
FILES = ("app.py", "gcp_app.py", "Makefile")
# Lists of environments each compared with the settings by a test (tests/test_workflows.py), and the source.
COMPARED = {
    ".github/workflows/release.yml": "options:",  # test_every_workflow_names_exactly_the_environments_of_the_settings
    ".github/workflows/drift.yml": "environment:",  # test_drift_runs_only_on_its_schedule_for_every_environment...
    ".github/workflows/pull-request.yml": "environment:",  # test_pull_requests_plan_only_the_environments_whose_se...
    "shared/environments.py": "DEFINITIONS:",  # the list itself
}


def _run_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    name = r"[\"'`]?\b(?:" + "|".join(map(re.escape, names)) + r")\b[\"'`]?"
    return re.compile(rf"{name}(?:\s*(?:,|\bor\b|\band\b|\||->)\s*{name})+")


def _files(root: Path) -> list[Path]:
    found = [root / name for name in FILES if (root / name).exists()]
    for package in SCANNED:
        found += [
            path
            for path in sorted((root / package).rglob("*.py"))
            if "__snapshots__" not in path.parts and "fixtures" not in path.parts and path.name != Path(__file__).name
        ]
    found += sorted((root / ".github").rglob("*.yml"))
    return found


def hard_coded_lists(root: Path = ROOT, names: tuple[str, ...] = ENVIRONMENTS) -> list[str]:
    """`path:line: text` of every list of (nearly) every environment outside the lists a test compares."""
    pattern, found = _run_pattern(names), []
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#") or (relative in COMPARED and line.lstrip().startswith(COMPARED[relative])):
                continue
            for match in pattern.finditer(line):
                listed = set(re.findall(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", match.group(0)))
                if len(listed) >= 3 or listed == set(names):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_list_of_every_environment_is_written_by_hand():
    assert hard_coded_lists() == [], "name the environments from shared.ENVIRONMENTS (or a settings field) instead"


def test_a_hand_written_list_is_found_and_a_subset_is_not(tmp_path):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "tool.py").write_text(
        'HELP = "dev, staging or production"\n'  # every environment: stale when one is added
        'ENVS = ("dev", "staging", "production")\n'
        'CHOSEN = ["staging", "production"]\n'  # a choice of two: stays
        "# dev -> staging -> production\n"  # a comment: prose
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "drift.yml").write_text("  environment: [dev, staging, production]\n")
    (tmp_path / ".github" / "workflows" / "other.yml").write_text("    options: [dev, staging, production]\n")
    names = ("dev", "qa", "staging", "production")
    assert hard_coded_lists(tmp_path, names) == [
        'ops/tool.py:1: HELP = "dev, staging or production"',
        'ops/tool.py:2: ENVS = ("dev", "staging", "production")',
        ".github/workflows/other.yml:1: options: [dev, staging, production]",
    ]
