"""cfn-lint over every synthesized template, with the committed `.cfnlintrc.yaml`.

The lint itself starts in the background as soon as the session's synth has written the templates (the `aws`
fixture starts it when this test is selected; `tests/synth.py::CfnLint`); this module is named to run late in the
AWS worker, so that by the time it asks for the result the other AWS tests have run beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.synth import CfnLint


def test_every_template_passes_cfn_lint(cfn_lint):
    code, output = cfn_lint.result()
    assert code == 0, output


# Stands in for cfn-lint: a finding for each template that says "bad", and a line per template it was given.
_FAKE_LINT = """
import sys
log, files = sys.argv[1], [a for a in sys.argv[2:] if a.endswith(".json")]
open(log, "a").write("".join(f + "\\n" for f in files))
bad = [f for f in files if "bad" in open(f).read()]
print("".join(f"{f}:1:1:1:1:E3001:finding\\n" for f in bad), end="")
sys.exit(2 if bad else 0)
"""


def test_only_a_clean_verdict_on_the_same_bytes_is_reused(tmp_path):
    good, bad, log = tmp_path / "good.template.json", tmp_path / "bad.template.json", tmp_path / "linted.log"
    good.write_text('{"Resources": {}}')
    bad.write_text('{"Resources": {"bad": {}}}')
    fake = [sys.executable, "-c", _FAKE_LINT, str(log)]

    def lint() -> tuple[int, list[str]]:
        log.write_text("")
        code, _ = CfnLint([good, bad], cache=tmp_path / "cache", executable=fake).result()
        return code, sorted(Path(line).name for line in log.read_text().split())

    assert lint() == (2, ["bad.template.json", "good.template.json"])
    assert lint() == (2, ["bad.template.json"])  # the finding is reported again; the clean template is not re-linted
    good.write_text('{"Resources": {}, "Outputs": {}}')
    assert lint() == (2, ["bad.template.json", "good.template.json"])  # new bytes, new verdict
