"""The region-loss failover of a cloud as a table for docs/disaster-recovery.md: shared/recovery.py's steps, minutes,
sources and checks for production's strategy, and the sum against the RTO and the lag against the RPO.

    python -m scripts.recovery_table          # rewrite the generated tables in docs/disaster-recovery.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.readme_sections import rewrite
from shared import load_settings
from shared.recovery import REPLICATION_LAG_MINUTES, failover_steps, recovery_minutes

RUNBOOK = Path(__file__).resolve().parent.parent / "docs" / "disaster-recovery.md"
# Clouds whose table the runbook carries, by marker name.
TABLES = {"gcp": "gcp-failover"}


def table(cloud: str, environment: str = "production") -> str:
    settings = load_settings(environment)
    strategy = settings.recovery.strategy
    resilience = settings.resilience
    rows = [
        "| # | step | minutes | running total | why this long | the operator checks |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    total = 0.0
    for number, step in enumerate(failover_steps(cloud, strategy), start=1):
        total += step.minutes
        cells = (f"**{step.key}**: {step.action}", f"{step.minutes:g}", f"{total:g}", step.source, step.check)
        rows.append(f"| {number} | " + " | ".join(cells) + " |")
    rto = recovery_minutes(cloud, strategy)
    lag = REPLICATION_LAG_MINUTES[(cloud, strategy)]
    verdict = lambda ok: "**meets**" if ok else "**misses**"  # noqa: E731
    rows += [
        "",
        f"{environment} ({strategy}): RTO {rto:g} min against `resilience.rto_minutes` {resilience.rto_minutes}: "
        f"{verdict(rto <= resilience.rto_minutes)}; RPO {lag.minutes:g} min against `resilience.rpo_minutes` "
        f"{resilience.rpo_minutes}: {verdict(lag.minutes <= resilience.rpo_minutes)} ({lag.source}).",
    ]
    return "\n".join(rows)


def render(text: str) -> str:
    for cloud, name in TABLES.items():
        text = rewrite(text, name, table(cloud))
    return text


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m scripts.recovery_table", description=__doc__.splitlines()[0]).parse_args(
        argv
    )
    RUNBOOK.write_text(render(RUNBOOK.read_text()))
    print(f"rewrote the failover tables of {RUNBOOK.relative_to(RUNBOOK.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
