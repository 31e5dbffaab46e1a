"""`make docs`: rewrite every generated figure of the README and docs/ from the settings and the last synthesis.

Each test that compares a figure with the outputs names this command when it drifts. Run after `make synth`.
"""

from __future__ import annotations

import argparse
import sys

from scripts import (
    account_wide,
    alarm_table,
    contract_table,
    cost,
    deployment_order,
    diagram,
    reach_table,
    runbooks,
    trust_matrix,
)
from scripts.readme_sections import README, rewrite


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m scripts.docs", description=__doc__.splitlines()[0]).parse_args(argv)
    text = README.read_text()
    text = rewrite(text, "contract", contract_table.table())
    text = rewrite(text, "aws-alarms", alarm_table.readme_table())
    text = rewrite(text, "cost", cost.readme_table())
    README.write_text(text)
    print(f"rewrote the generated sections of {README.name}")
    for generator in (trust_matrix, account_wide, deployment_order, diagram, runbooks, reach_table):
        if generator.main([]) != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
