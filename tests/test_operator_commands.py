"""The make targets' helpers: settings checked before any CLI starts, deploy preflight, the nag tally."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from aws_stacks.findings import open_findings
from ops import preflight
from reports import summary
from shared import ENVIRONMENTS
from tests.synth import ROOT


def run_module(module: str, *args: str, **environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_synth_refuses_bad_settings_before_starting_either_cli():
    result = run_module("scripts.synth", "aws", "gcp", BB_DEV_AWS_REGION="xx-yyyy-9x")
    assert result.returncode == 2
    assert "settings for environment 'dev'" in result.stderr and "aws.region" in result.stderr
    assert "synthesizing" not in result.stdout
    # -X importtime lists every module imported: no jsii runtime was started.
    assert "import time:" in result.stderr and "jsii" not in result.stderr


def test_settings_check_passes_on_the_committed_settings():
    result = run_module("scripts.synth", "--check-only")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "every environment is valid" in result.stdout


def test_preflight_echoes_a_bad_environment():
    assert preflight.problems("prod", "aws") == [
        f"ENV=prod is not an environment (did you mean 'production'?); set ENV={'|'.join(ENVIRONMENTS)}"
    ]
    assert "(did you mean 'production'?)" in preflight.problems("prodution", "aws")[0]
    assert "(empty)" in preflight.problems("", "aws")[0]


def test_preflight_refuses_placeholders_until_overridden(monkeypatch):
    found = preflight.problems("production", "aws")
    assert any("aws.account_id is the placeholder" in problem for problem in found)
    assert any("BB_PRODUCTION_AWS_ACCOUNT_ID" in problem for problem in found)
    monkeypatch.setenv("BB_PRODUCTION_AWS_ACCOUNT_ID", "123456789012")
    monkeypatch.setenv("BB_PRODUCTION_AWS_HOSTED_ZONE_ID", "Z0ABCDEF12345")
    # The platform's stacks never use the repository id: only the delivery stack (TRUST=1) asks for it.
    assert preflight.problems("production", "aws") == []
    assert preflight.problems("production", "aws", trust=True) == [
        "production: github.repository_id is the placeholder '100000001'; set "
        "BB_PRODUCTION_GITHUB_REPOSITORY_ID=<yours> before a diff or deploy"
    ]
    monkeypatch.setenv("BB_PRODUCTION_GITHUB_REPOSITORY_ID", "987654321")
    assert preflight.problems("production", "aws", trust=True) == []
    project, billing = preflight.problems("production", "gcp")
    assert "gcp.project_id is the placeholder 'bookedbarber-production'" in project
    assert "BB_PRODUCTION_GCP_PROJECT_ID" in project
    assert "gcp.billing_account_id is the placeholder" in billing
    monkeypatch.setenv("BB_PRODUCTION_GCP_PROJECT_ID", "acme-bookedbarber-1")
    (remaining,) = preflight.problems("production", "gcp")
    assert "gcp.billing_account_id is the placeholder" in remaining
    monkeypatch.setenv("BB_PRODUCTION_GCP_BILLING_ACCOUNT_ID", "01A2B3-C4D5E6-F7A8B9")
    assert preflight.problems("production", "gcp") == []
    assert preflight.problems("production", "gcp", trust=True) == []


@pytest.mark.parametrize(
    ("violations", "expected"),
    [([], "AwsSolutions 2 acknowledged, 0 open (none open)"), ([{"violatingConstructs": [{}]}], "1 OPEN")],
)
def test_nag_tally_counts_acknowledged_and_open_findings(tmp_path, violations, expected):
    report = {
        "pluginReports": [
            {
                "pluginName": "AwsSolutions",
                "violations": violations,
                "suppressedViolations": [{"violatingConstructs": [{}, {}]}],
            }
        ]
    }
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    assert expected in summary.nag_tally(tmp_path)


def test_a_failing_side_is_named_with_its_log(monkeypatch, tmp_path, capsys):
    from scripts import synth

    monkeypatch.setattr(synth, "ROOT", tmp_path)
    monkeypatch.setattr(synth, "LOGS", tmp_path / "logs")
    monkeypatch.setattr(
        synth,
        "SIDES",
        {
            "aws": synth.Side("aws", ("sh", "-c", "mkdir out-aws.partial; echo all good"), "out-aws"),
            "gcp": synth.Side("gcp", ("sh", "-c", "mkdir out-gcp.partial; echo provider exploded; exit 3"), "out-gcp"),
        },
    )
    (tmp_path / "out-gcp").mkdir()  # a good output of an earlier run
    (tmp_path / "out-gcp" / "manifest.json").write_text("{}")
    assert synth.run(["aws", "gcp"]) == 1
    # Only a successful side leaves its output folder; a failed one leaves `.failed`, never a manifest to trust.
    assert (tmp_path / "out-aws").is_dir() and not (tmp_path / "out-aws.partial").exists()
    assert not (tmp_path / "out-gcp").exists() and (tmp_path / "out-gcp.failed").is_dir()
    out, err = capsys.readouterr()
    assert "aws: done" in out
    assert "gcp: FAILED (exit 3)" in out and "provider exploded" in out
    assert "synth failed: gcp" in err


def test_open_findings_name_pack_rule_construct_and_the_acknowledgement_id(tmp_path):
    report = {
        "pluginReports": [
            {
                "pluginName": "AwsSolutions",
                "violations": [
                    {"ruleName": "AwsSolutions-S1", "violatingConstructs": [{"constructPath": "Stack/Bucket/Resource"}]}
                ],
                "suppressedViolations": [],
            }
        ]
    }
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    (line,) = open_findings(tmp_path)
    assert "AwsSolutions-S1 on Stack/Bucket/Resource" in line and "'AwsSolutions::AwsSolutions-S1'" in line
    assert open_findings(tmp_path / "missing") == []


def test_make_help_lists_every_target():
    targets = {
        line.split(":", 1)[0]
        for line in (ROOT / "Makefile").read_text().splitlines()
        if line[:1].isalpha() and ":" in line and "=" not in line.split(":", 1)[0] and not line.startswith("export")
    }
    targets = {target for target in targets if not target.startswith(".") and " " not in target}
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    missing = sorted(target for target in targets if f"make {target}" not in shown)
    assert targets >= {"synth", "test", "deps", "bench", "parity", "diff", "deploy"}
    assert missing == []


def test_bench_judges_the_median_of_interleaved_pairs_and_calls_a_wide_spread_unsure(capsys):
    from scripts.bench import SPREAD_LIMIT, Comparison, Measurement, report

    def pairs(*ratios):
        return [(Measurement(10 * ratio, 1), Measurement(10, 1)) for ratio in ratios]

    assert Comparison("x", 1.25, pairs(1.1, 1.2, 1.15)).verdict == "ok"
    assert Comparison("x", 1.25, pairs(1.4, 1.5, 1.45)).verdict == "OVER"
    noisy = Comparison("x", 1.25, pairs(1.17, 3.09, 1.2))  # one noisy sample, as seen on a loaded machine
    assert noisy.spread > SPREAD_LIMIT and noisy.verdict == "UNSURE"
    assert report([noisy]) == 0
    assert "UNSURE" in capsys.readouterr().out
    assert report([Comparison("x", 1.25, pairs(1.4, 1.5, 1.45))]) == 1
