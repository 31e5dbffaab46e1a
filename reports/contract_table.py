"""The README's "Application contract" table: every variable each service receives, from shared/contract.py.

`.venv/bin/python -m reports.contract_table` prints the table; paste it into README.md.
tests/shared/test_contract.py fails, naming this command, when the README no longer matches the contract.
"""

from __future__ import annotations

import argparse

from shared.contract import CLOUDS, SERVICES

HEADER = "| variable | api | web | holds |\n| --- | --- | --- | --- |"


def table() -> str:
    rows: dict[str, tuple[set[str], str, tuple[str, ...]]] = {}
    for service in SERVICES.values():
        for variable in service.variables:
            secret_on = tuple(cloud for cloud in CLOUDS if variable.is_secret(cloud))
            users, holds, secret = rows.get(variable.name, (set(), variable.holds, secret_on))
            rows[variable.name] = (users | {service.name}, holds, secret)
    rows["FEATURE_<FLAG>"] = (set(SERVICES), "`true` or `false`, one per `feature_flags` entry of the settings", ())
    lines = [HEADER]
    for name, (users, holds, secret_on) in rows.items():
        marks = ["yes" if service in users else "" for service in ("api", "web")]
        where = "" if secret_on == CLOUDS else f" on {', '.join(cloud.upper() for cloud in secret_on)} only"
        kind = f" (secret{where}: injected from the cloud's secret store)" if secret_on else ""
        lines.append(f"| `{name}` | {marks[0]} | {marks[1]} | {holds}{kind} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
