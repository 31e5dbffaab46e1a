"""cfn-lint over every synthesized template, in one process, with the committed `.cfnlintrc.yaml`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.synth import ROOT

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def test_every_template_passes_cfn_lint(aws):
    templates = sorted(str(aws.directory / f"{name}.template.json") for name in aws.templates)
    result = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *templates],
        cwd=ROOT,  # picks up .cfnlintrc.yaml
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
