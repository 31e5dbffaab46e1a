"""`load_settings`: the one way stacks and tests get an environment's settings."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator, Mapping

from shared import overrides as _overrides
from shared.accounts import account_service_problems
from shared.checks import did_you_mean, parse_cidr
from shared.environments import DEFINITIONS, ENVIRONMENTS
from shared.errors import SettingsError
from shared.settings import Settings


def load_settings(
    environment: str,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validated settings for `environment` (a key of `shared.environments.DEFINITIONS`).

    `overrides` maps keys of `shared.overrides.OVERRIDES` to raw strings (CDK
    context passes them here); `BB_<ENV>_<KEY>` environment variables apply first.
    The other environments are loaded too (environment variables only) and checked against this one, so a
    single-environment path (`cdk synth -c env=staging`, `make diff ENV=staging`) refuses what `make synth` does.
    Raises `SettingsError` naming the environment and field on any bad value, of every environment at once.
    """
    if environment not in DEFINITIONS:
        raise SettingsError(
            str(environment),
            [("environment", f"unknown{did_you_mean(environment, ENVIRONMENTS)}; choose one of {list(ENVIRONMENTS)}")],
        )
    return _load({environment: overrides or {}}, environ)[environment]


def load_all(environ: Mapping[str, str] | None = None) -> dict[str, Settings]:
    """Every environment, validated on its own and against the others."""
    return _load({}, environ)


def _load_one(environment: str, overrides: Mapping[str, str], environ: Mapping[str, str]) -> Settings:
    chosen = _overrides.collect(environment, environ, overrides)
    return _overrides.apply(_defined(DEFINITIONS[environment]), chosen)


@functools.cache
def _defined(define: Callable[[], Settings]) -> Settings:
    """An environment as defined, before overrides: a pure function, validated once per process (Settings is frozen;
    every load validates all environments, and tests load thousands of times). Keyed by the function, so a
    replaced definition is defined afresh."""
    return define()


def _load(overrides: Mapping[str, Mapping[str, str]], environ: Mapping[str, str] | None) -> dict[str, Settings]:
    """Every environment (`overrides` per environment), then the checks across them; one error names them all."""
    environ = os.environ if environ is None else environ
    misaddressed = _overrides.misaddressed_variables(environ)  # no environment's own: said once, not per environment
    if misaddressed:
        raise SettingsError(",".join(overrides) or ",".join(ENVIRONMENTS), misaddressed)
    loaded, errors = {}, []
    for name in ENVIRONMENTS:
        try:
            loaded[name] = _load_one(name, overrides.get(name, {}), environ)
        except SettingsError as error:
            errors.append(error)
    if errors:
        raise combined(errors)
    problems = list(cross_environment_problems(loaded))
    if problems:
        raise SettingsError(",".join(loaded), problems)
    return loaded


def combined(errors: list[SettingsError]) -> SettingsError:
    """One error for several environments: each field prefixed with its environment (one stays as it is)."""
    if len(errors) == 1:
        return errors[0]
    return SettingsError(
        ",".join(error.environment for error in errors),
        [(f"{error.environment}.{field}", problem) for error in errors for field, problem in error.problems],
    )


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
