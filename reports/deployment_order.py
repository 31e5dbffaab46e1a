"""Write the first-deployment order into docs/deployment-guide.md from shared/first_deployment.py (the component
table of shared/stacks.py with the operator's steps between its stacks). No jsii, no credentials.

`.venv/bin/python -m reports.deployment_order` rewrites the section; `--check` fails when the guide differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared import Settings, load_settings
from shared.first_deployment import Step, aws_first_deployment, gcp_first_deployment

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deployment-guide.md"
BEGIN = "<!-- first-deployment order: `python -m reports.deployment_order` writes it (shared/first_deployment.py) -->"
END = "<!-- end of the generated first-deployment order -->"
# Production has every optional step (the recovery region); its names are written with `$ENV`.
REPRESENTATIVE = "production"
COMMANDS = {"aws": "npx cdk deploy {stack} -c env=$ENV", "gcp": "npx cdktf deploy {stack}"}


def _lines(cloud: str, steps: list[Step], settings: Settings) -> list[str]:
    lines = []
    for number, step in enumerate(steps, start=1):
        text = step.summary.replace(settings.prefix, "bookedbarber-$ENV").replace(f"/{settings.environment}/", "/$ENV/")
        if step.stack:
            stack = step.stack.replace(settings.prefix, "bookedbarber-$ENV")
            where = f" (only where `{step.only_where}`)" if step.only_where else ""
            lines.append(f"{number}. Deploy {text}{where}: `{COMMANDS[cloud].format(stack=stack)}`")
        else:
            lines.append(f"{number}. By hand: {text} ([commands]({step.runbook}))")
    return lines


def render() -> str:
    settings = load_settings(REPRESENTATIVE)
    body = [
        BEGIN,
        "",
        "AWS ([docs/aws.md](aws.md)):",
        "",
        *_lines("aws", aws_first_deployment(settings), settings),
        "",
        "GCP ([docs/gcp.md](gcp.md)):",
        "",
        *_lines("gcp", gcp_first_deployment(settings), settings),
        "",
        "`tests/test_first_deployment.py` checks this order against the synthesized output: every stack output,",
        "parameter or secret read by name, name of another stack's resource, DNS zone and image a stack reads is",
        "created by an earlier step. `make deploy-aws` / `make deploy-gcp` deploy every stack in this order once the",
        "steps by hand are done.",
        END,
    ]
    return "\n".join(body)


def updated(guide: str) -> str:
    start, end = guide.index(BEGIN), guide.index(END) + len(END)
    return guide[:start] + render() + guide[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--check", action="store_true", help="fail if docs/deployment-guide.md is not up to date")
    args = parser.parse_args(argv)
    guide = GUIDE.read_text()
    if updated(guide) == guide:
        return 0
    if args.check:
        print(
            f"{GUIDE.name}: the first-deployment order is stale; run: python -m reports.deployment_order",
            file=sys.stderr,
        )
        return 1
    GUIDE.write_text(updated(guide))
    print(f"rewrote the first-deployment order in {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
