"""`make synth` and the tests run the AWS app with the context the CDK CLI would hand it: proven against the CLI.

The pinned CLI runs a stand-in app (no jsii) that records what it receives; synthesizing the real app both ways
gave byte-identical cloud assemblies when this was written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from aws_stacks.selection import cdk_json_context
from tests.synth import ROOT

# Set by the CLI, which then fails on the validation report itself; run directly, the app fails on it.
CLI_ONLY = {"@aws-cdk/core:failSynthOnValidationErrors": False}


def test_the_context_matches_what_the_cli_hands_the_app(tmp_path):
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    recorder = tmp_path / "record.py"
    recorder.write_text("import os, pathlib\npathlib.Path('context.json').write_text(os.environ['CDK_CONTEXT_JSON'])\n")
    (tmp_path / "cdk.json").write_text(json.dumps({**cdk_json, "app": f"{sys.executable} {recorder}"}))
    environ = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"}
    # The stand-in writes no cloud assembly, so the CLI itself fails afterwards: only the recorded context counts.
    subprocess.run(
        [str(ROOT / "node_modules/.bin/cdk"), "synth", "--quiet"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        timeout=120,
        check=False,
    )
    received = json.loads((tmp_path / "context.json").read_text())
    assert received == {**cdk_json_context(str(ROOT / "cdk.json")), **CLI_ONLY}
