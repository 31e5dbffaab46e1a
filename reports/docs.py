"""`make docs`: rewrite every generated figure of the README and docs/ from the settings and the last synthesis.

Each test that compares a figure with the outputs names this command when it drifts. Run after `make synth`.
"""

from __future__ import annotations

import argparse
import sys

from reports import (
    account_wide,
    alarm_table,
    components,
    contract_table,
    cost,
    deployment_order,
    diagram,
    reach_table,
    recovery_table,
    runbooks,
    slo_table,
    trust_matrix,
)
from reports.readme_sections import README, rewrite


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m reports.docs", description=__doc__.splitlines()[0]).parse_args(argv)
    text = README.read_text()
    text = rewrite(text, "contract", contract_table.table())
    text = rewrite(text, "aws-alarms", alarm_table.readme_table())
    text = rewrite(text, "cost", cost.readme_table())
    text = rewrite(text, "slos", slo_table.table())
    text = components.render(text)
    README.write_text(text)
    print(f"rewrote the generated sections of {README.name}")
    for generator in (trust_matrix, account_wide, deployment_order, diagram, runbooks, recovery_table, reach_table):
        if generator.main([]) != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
