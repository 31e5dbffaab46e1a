"""`load_settings`: the one way stacks and tests get an environment's settings."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared import overrides as _overrides
from shared.environments import DEFINITIONS
from shared.errors import SettingsError
from shared.model import ENVIRONMENTS, Settings


def load_settings(
    environment: str,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validated settings for `environment` (dev, staging or production).

    `overrides` maps keys of `shared.overrides.OVERRIDES` to raw strings (CDK
    context passes them here); `BB_<ENV>_<KEY>` environment variables apply first.
    Raises `SettingsError` naming the environment and field on any bad value.
    """
    if environment not in DEFINITIONS:
        raise SettingsError(str(environment), [("environment", f"unknown; choose one of {list(ENVIRONMENTS)}")])
    environ = os.environ if environ is None else environ
    chosen = _overrides.collect(environment, environ, overrides or {})
    return _overrides.apply(DEFINITIONS[environment](), chosen)


def load_all(environ: Mapping[str, str] | None = None) -> dict[str, Settings]:
    return {name: load_settings(name, environ=environ) for name in ENVIRONMENTS}
