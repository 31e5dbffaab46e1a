"""`load_settings`: the one way stacks and tests get an environment's settings."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping

from shared import overrides as _overrides
from shared.accounts import account_service_problems
from shared.checks import did_you_mean, parse_cidr
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
        raise SettingsError(
            str(environment),
            [("environment", f"unknown{did_you_mean(environment, ENVIRONMENTS)}; choose one of {list(ENVIRONMENTS)}")],
        )
    environ = os.environ if environ is None else environ
    chosen = _overrides.collect(environment, environ, overrides or {})
    return _overrides.apply(DEFINITIONS[environment](), chosen)


def load_all(environ: Mapping[str, str] | None = None) -> dict[str, Settings]:
    """Every environment, validated on its own and against the others."""
    loaded = {name: load_settings(name, environ=environ) for name in ENVIRONMENTS}
    problems = list(cross_environment_problems(loaded))
    if problems:
        raise SettingsError(",".join(loaded), problems)
    return loaded


# Networks that must not overlap between environments: any two could be peered or joined by VPN later.
_NETWORKS = ("aws_vpc_cidr", "gcp_app_subnet_cidr", "gcp_private_services_cidr")


def cross_environment_problems(loaded: Mapping[str, Settings]) -> Iterator[tuple[str, str]]:
    yield from account_service_problems(loaded)
    ranges = [
        (name, field, parse_cidr(getattr(settings.network, field))[0])
        for name, settings in loaded.items()
        for field in _NETWORKS
    ]
    for (name, field, network), (other_name, other_field, other) in itertools.combinations(ranges, 2):
        if name != other_name and network.overlaps(other):
            yield f"{other_name}.network.{other_field}", f"{other} overlaps {network} ({name}.network.{field})"
