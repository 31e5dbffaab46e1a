"""cfn-lint over every synthesized template, with the committed `.cfnlintrc.yaml`.

The lint itself starts in the background as soon as the session's synth has written the templates (the `aws`
fixture starts it when this test is selected; `tests/synth.py::CfnLint`); this module is named to run late in the
AWS worker, so that by the time it asks for the result the other AWS tests have run beside it.
"""

from __future__ import annotations


def test_every_template_passes_cfn_lint(cfn_lint):
    code, output = cfn_lint.result()
    assert code == 0, output
