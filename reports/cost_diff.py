"""What a pull request changes in the estimated monthly bill: base against head, per environment and component.

Both sides are priced by the head's `reports/cost.py` (the same price rules), so the difference is the
infrastructure's. Writes a Markdown table (to the job summary with --summary), and exits 1 when an environment's
estimate (both clouds) grows by more than its `cost_review.max_monthly_increase_usd`.

    .venv/bin/python -m reports.cost --json head.json
    .venv/bin/python -m reports.cost --json base.json --aws-out base/cdk.out --gcp-out base/cdktf.out
    .venv/bin/python -m reports.cost_diff --base base.json --head head.json --summary "$GITHUB_STEP_SUMMARY"
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from shared import ENVIRONMENTS, Settings, SettingsError, load_settings

# environment -> cloud -> component -> USD a month (reports/cost.py `estimates`).
Estimates = Mapping[str, Mapping[str, Mapping[str, float]]]
CLOUDS = ("aws", "gcp")
# Changes below a cent a month are rounding, not a change.
NOISE_USD = 0.005


def _usd(value: float) -> str:
    return f"{'+' if value > 0 else '-' if value < 0 else ''}${abs(value):,.2f}"


def _components(base: Estimates, head: Estimates, environment: str) -> list[str]:
    names: dict[str, None] = {}
    for side in (base, head):
        for cloud in CLOUDS:
            names.update(dict.fromkeys(side.get(environment, {}).get(cloud, {})))
    return list(names)


def _cost(side: Estimates, environment: str, cloud: str, component: str) -> float:
    return float(side.get(environment, {}).get(cloud, {}).get(component, 0.0))


def increase(base: Estimates, head: Estimates, environment: str) -> float:
    """The environment's change in USD a month, both clouds together."""
    return sum(
        _cost(head, environment, cloud, component) - _cost(base, environment, cloud, component)
        for cloud in CLOUDS
        for component in _components(base, head, environment)
    )


def table(base: Estimates, head: Estimates, settings_of: Mapping[str, Settings]) -> str:
    """One Markdown section per environment: the changed components, the totals, and the limit."""
    lines = ["### Estimated monthly cost: this pull request against its base (USD, list prices)"]
    for environment in ENVIRONMENTS:
        limit = settings_of[environment].cost_review.max_monthly_increase_usd
        change = increase(base, head, environment)
        verdict = "over the limit" if change > limit else "within the limit"
        lines += [
            "",
            f"**{environment}**: {_usd(change)} a month ({verdict} of {_usd(limit)})",
            "",
            "| component | AWS base | AWS head | AWS change | GCP base | GCP head | GCP change |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        rows = 0
        for component in [*_components(base, head, environment), None]:
            cells = [component or "**total**"]
            differs = False
            for cloud in CLOUDS:
                names = [component] if component else _components(base, head, environment)
                before = sum(_cost(base, environment, cloud, name) for name in names)
                after = sum(_cost(head, environment, cloud, name) for name in names)
                differs |= abs(after - before) >= NOISE_USD
                cells += [f"${before:,.2f}", f"${after:,.2f}", _usd(after - before)]
            if differs or component is None:
                lines.append("| " + " | ".join(cells) + " |")
                rows += 1
        if rows == 1:
            lines.insert(len(lines) - 1, "| (no component changed) | | | | | | |")
    return "\n".join(lines) + "\n"


def over_limit(base: Estimates, head: Estimates, settings_of: Mapping[str, Settings]) -> list[str]:
    return [
        f"{environment}: {_usd(increase(base, head, environment))} a month is above "
        f"cost_review.max_monthly_increase_usd ({_usd(settings_of[environment].cost_review.max_monthly_increase_usd)})"
        for environment in ENVIRONMENTS
        if increase(base, head, environment) > settings_of[environment].cost_review.max_monthly_increase_usd
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.cost_diff", description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="reports.cost --json of the base branch")
    parser.add_argument("--head", type=Path, required=True, help="reports.cost --json of the pull request")
    parser.add_argument("--summary", type=Path, help="append the table here too (e.g. $GITHUB_STEP_SUMMARY)")
    args = parser.parse_args(argv)
    try:
        base, head = (json.loads(path.read_text()) for path in (args.base, args.head))
        settings_of = {environment: load_settings(environment) for environment in ENVIRONMENTS}
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = table(base, head, settings_of)
    print(text)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(text)
    problems = over_limit(base, head, settings_of)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
