"""The CLIs' entry points fail fast on bad input, with the environment and field, before any synth."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.synth import ROOT


def run_aws_app(context: dict) -> subprocess.CompletedProcess:
    """`python app.py` the way `cdk synth -c key=value` runs it: context arrives in CDK_CONTEXT_JSON.

    `-X importtime` lists every module imported on stderr, so a test can tell that aws_cdk never loaded.
    """
    environ = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(ROOT / "cdk.out.test")}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "app.py"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"env": "prod"}, ["'prod'", "environment: unknown", "did you mean 'production'?"]),
        ({"env": "production", "aws_account_id": "12"}, ["'production'", "aws.account_id", "12-digit"]),
        ({"env": "staging", "app_domain": "staging..bookedbarber.com"}, ["'staging'", "domain.app_domain"]),
        ({"aws_account_id": "111122223333"}, ["aws_account_id", "add -c env=<name>"]),
        ({"env": "dev", "aws_acount_id": "111122223333"}, ["aws_acount_id", "did you mean 'aws_account_id'?"]),
        ({"env": "dev", "image_tag": "v1.2.3"}, ["image_tag", "ops/release.py"]),
        ({"env": "dev", "aws_region": "xx-yyyy-9"}, ["aws.region", "'xx-yyyy-9' is not an AWS region"]),
    ],
)
def test_aws_app_rejects_bad_input_with_a_clear_message(context, expected):
    result = run_aws_app(context)
    assert result.returncode != 0
    # jsii may print its Node.js support banner first; the error itself is the rest of stderr.
    _, marker, message = result.stderr.partition("error: settings for environment")
    assert marker, result.stderr[-2000:]
    for words in expected:
        assert words in message
    assert "Traceback" not in result.stderr and "jsii.errors" not in result.stderr
    # Validated before aws_cdk (and jsii's Node process) start: the error comes in well under a second.
    assert " aws_cdk" not in result.stderr and " jsii" not in result.stderr


def test_gcp_app_rejects_bad_environment_variables_before_importing_the_provider():
    environ = {**os.environ, "BB_STAGING_GCP_REGION": "Mars-1", "CDKTF_OUTDIR": str(ROOT / "cdktf.out.test")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "gcp_app.py"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    _, marker, message = result.stderr.partition("error: settings for environment 'staging'")
    assert marker, result.stderr[-2000:]
    assert "gcp.region" in message and "'Mars-1'" in message
    assert "cdktn_provider_google" not in result.stderr  # -X importtime lists every module imported


def test_no_platform_module_imports_the_archived_cdktf_packages():
    """CDK Terrain replaced cdktf; only the bench's anchor (scripts/anchor/) measures the archived toolchain."""
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    offenders = []
    for name in tracked.stdout.split():
        if name.startswith("scripts/anchor/"):
            continue
        for line in (ROOT / name).read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].split(".")[0] in (
                "cdktf",
                "cdktf_cdktf_provider_google",
            ):
                offenders.append(f"{name}: {line.strip()}")
    assert offenders == []
