"""The README's tables of components, one per cloud, from the component table (shared/stacks.py).

Stack, region, what it comes after, and what it is (the stack class's docstring, its first paragraph: the same text
the AWS templates carry as their description). No synth, no jsii. `.venv/bin/python -m reports.components` rewrites
the README's `generated:components-<cloud>` sections (`make docs` too); tests/test_components.py fails when stale.
"""

from __future__ import annotations

import argparse
import sys

from reports.readme_sections import README, rewrite
from shared.stacks import AWS_EDGE_REGION, EDGE, HOME, RECOVERY, TABLES, Component

CLOUDS = tuple(TABLES)
REGIONS = {HOME: "settings (`aws.region`)", EDGE: AWS_EDGE_REGION, RECOVERY: "`aws.recovery_region`"}


def _stack(cloud: str, component: Component) -> str:
    return f"`bookedbarber-<env>-{'gcp-' if cloud == 'gcp' else ''}{component.name}`"


def _after(component: Component) -> str:
    return ", ".join(f"`{name}`" for name in component.after) or "-"


def _what(component: Component) -> str:
    only = f" Only where `{component.only_where}`." if component.only_where else ""
    return component.summary() + only


def table(cloud: str) -> str:
    if cloud == "aws":
        lines = ["| stack | region | comes after | what it is |", "| --- | --- | --- | --- |"]
        lines += [f"| {_stack(cloud, c)} | {REGIONS[c.region]} | {_after(c)} | {_what(c)} |" for c in TABLES[cloud]]
    else:
        lines = ["| stack | comes after | what it is |", "| --- | --- | --- |"]
        lines += [f"| {_stack(cloud, c)} | {_after(c)} | {_what(c)} |" for c in TABLES[cloud]]
    return "\n".join(lines)


def section_name(cloud: str) -> str:
    return f"components-{cloud}"


def render(text: str) -> str:
    for cloud in CLOUDS:
        text = rewrite(text, section_name(cloud), table(cloud))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.components", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the README's tables are stale")
    args = parser.parse_args(argv)
    text = README.read_text()
    fresh = render(text)
    if args.check:
        if fresh != text:
            print(f"{README.name}: the component tables are stale; run: python -m reports.components", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    print(f"rewrote the component tables of {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
