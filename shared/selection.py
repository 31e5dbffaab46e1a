"""Which environments an app builds: all of them, or the comma list an operator names (`-c env=` for the CDK CLI,
`BB_ENV=` for the GCP app, which the cdktf CLI hands no context). Every environment is still validated."""

from __future__ import annotations

from shared import ENVIRONMENTS, SettingsError
from shared.checks import did_you_mean


def chosen_environments(value: str | None, source: str) -> tuple[str, ...]:
    """One name, a comma list of names, or empty / `all` for every environment; an unknown name names `source`."""
    if value in (None, "", "all"):
        return ENVIRONMENTS
    names = tuple(name.strip() for name in str(value).split(","))
    for name in names:
        if name not in ENVIRONMENTS:
            hint = did_you_mean(name, ENVIRONMENTS)
            raise SettingsError(
                name, [("environment", f"unknown (from {source}){hint}; choose from {list(ENVIRONMENTS)}")]
            )
    return names
