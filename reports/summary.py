"""After `make synth`: one line per synthesized stack with cloud, environment and resource count,
then the cdk-nag tally: findings acknowledged (with their reasons, in the code) and findings open."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aws_stacks.findings import plugin_reports
from reports.outputs import load_aws, load_gcp
from shared import ENVIRONMENTS

ROOT = Path(__file__).resolve().parent.parent


def environment_of(stack_name: str) -> str:
    parts = stack_name.split("-")
    matches = [name for name in ENVIRONMENTS if name in parts]
    return matches[0] if len(matches) == 1 else "?"


def aws_rows(outdir: Path) -> list[tuple[str, str, str, int]]:
    return [
        ("aws", environment_of(name), name, len(template.get("Resources", {})))
        for name, template in load_aws(outdir).items()
    ]


def gcp_rows(outdir: Path) -> list[tuple[str, str, str, int]]:
    return [
        ("gcp", environment_of(name), name, sum(len(instances) for instances in config.get("resource", {}).values()))
        for name, config in load_gcp(outdir).items()
    ]


def nag_tally(outdir: Path) -> str:
    """Counts of acknowledged and open findings per rule pack, from the cloud assembly's validation report."""
    reports = plugin_reports(outdir)
    if not reports:
        return "cdk-nag: no validation report in cdk.out/"
    parts, open_total = [], 0
    for report in reports:
        acknowledged = sum(len(item["violatingConstructs"]) for item in report.get("suppressedViolations", []))
        still_open = sum(len(item["violatingConstructs"]) for item in report.get("violations", []))
        open_total += still_open
        parts.append(f"{report['pluginName']} {acknowledged} acknowledged, {still_open} open")
    verdict = "none open" if open_total == 0 else f"{open_total} OPEN"
    return f"cdk-nag: {'; '.join(parts)} ({verdict})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.summary", description=__doc__.splitlines()[0])
    # Checked by hand: Python 3.11's argparse refuses an empty `nargs="*"` list against `choices`.
    parser.add_argument("clouds", nargs="*", help="aws, gcp or both (the default)")
    clouds = parser.parse_args(argv).clouds
    unknown = sorted(set(clouds) - {"aws", "gcp"})
    if unknown:
        parser.error(f"unknown cloud(s) {unknown}; choose from ['aws', 'gcp']")
    return report(clouds or ("aws", "gcp"))


def report(clouds: list[str] | tuple[str, ...] = ("aws", "gcp")) -> int:
    rows = []
    if "aws" in clouds:
        rows += aws_rows(ROOT / "cdk.out")
    if "gcp" in clouds:
        rows += gcp_rows(ROOT / "cdktf.out")
    order = {name: index for index, name in enumerate(ENVIRONMENTS)}
    rows.sort(key=lambda row: (row[0], order.get(row[1], 99), row[2]))
    print(f"\n{'cloud':<6} {'environment':<12} {'stack':<44} resources")
    for cloud, environment, name, count in rows:
        print(f"{cloud:<6} {environment:<12} {name:<44} {count:>9}")
    outputs = [
        folder
        for cloud, folder in (("aws", "cdk.out/ (CloudFormation)"), ("gcp", "cdktf.out/ (Terraform JSON)"))
        if cloud in clouds
    ]
    print(f"{len(rows)} stacks: {', '.join(outputs)}")
    if "aws" in clouds:
        print(nag_tally(ROOT / "cdk.out"))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
