"""The README's "Service-level objectives" table: every SLO and burn-rate alert of shared/slos.py, per environment.

`.venv/bin/python -m reports.slo_table` prints the section (no synth needed); `make docs` writes it.
tests/test_slo_table.py fails, naming `make docs`, when the README no longer matches the catalog.
"""

from __future__ import annotations

import argparse

from shared import ENVIRONMENTS, load_settings
from shared.slos import BURN_RATE_ALERTS, COMPLIANCE_DAYS, Indicator, slos

ROUTES = {"critical": "pages (PagerDuty)", "warning": "warns (email)"}


def table() -> str:
    by_environment = {environment: slos(load_settings(environment)) for environment in ENVIRONMENTS}
    lines = [
        f"| SLO (rolling {COMPLIANCE_DAYS} days) | good | " + " | ".join(ENVIRONMENTS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in ENVIRONMENTS) + " |",
    ]
    for index, slo in enumerate(by_environment[ENVIRONMENTS[0]]):
        if slo.indicator is Indicator.AVAILABILITY:
            good = "a request answered without a 5xx"
        else:
            good = f"a minute whose p{slo.latency_percentile:g} is at or under {slo.latency_seconds:g} s"
        objectives = [f"{by_environment[e][index].objective_percent:g} %" for e in ENVIRONMENTS]
        lines.append(f"| `{slo.key}` | {good} | " + " | ".join(objectives) + " |")
    lines += [
        "",
        "| burn-rate alert | fires while the burn rate over both | is above | budget spent by then | route |",
        "| --- | --- | --- | --- | --- |",
    ]
    for alert in BURN_RATE_ALERTS:
        lines.append(
            f"| `<slo>-{alert.key.replace('_', '-')}` | {alert.long_window_minutes} min and "
            f"{alert.short_window_minutes} min | {alert.rate:g}x | {alert.budget_spent_percent:g} % per "
            f"{alert.long_window_minutes} min | {ROUTES[alert.severity]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m reports.slo_table", description=__doc__.splitlines()[0]).parse_args(argv)
    print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
