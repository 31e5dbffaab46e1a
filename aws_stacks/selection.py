"""Which environments the AWS app synthesizes, with which overrides: read from CDK context, without aws_cdk.

`app.py` calls `select` before it imports aws_cdk, so a bad value fails in a fraction of a second instead of
after jsii has started; `build_platform` calls it again on the app's context when tests build an app directly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

from shared import ENVIRONMENTS, OVERRIDES, Settings, SettingsError, load_all, load_settings
from shared.overrides import unknown_key_problem
from shared.selection import chosen_environments

# Context the app sets itself (the CLI refuses `aws:` keys given with -c): no creation stack traces, whose
# jsii temporary paths would make `*.metadata.json` and `validation-report.json` differ from run to run.
APP_CONTEXT = {"aws:cdk:disable-creation-stack-traces": True}

# Context keys of the project's own: `env` and the override keys. Anything else snake_case is taken for a
# misspelt override (CDK's own keys carry ':', '/', '@' or '-').
ENV_KEY = "env"
_PROJECT_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
RETIRED_KEYS = {
    "image_tag": "infrastructure deploys no longer choose the image; release one with ops/release.py "
    "(README: Releasing an application image)",
}


def cdk_json_context(cdk_json_path: str) -> dict:
    """The context `cdk synth` hands the app from cdk.json: its `context`, plus the keys the CLI derives from its
    own settings (as CLI 2.1148 does; tests/test_synth_context.py compares against the real CLI).

    `make synth` and the tests run the app with this instead of through the CLI, which saves the CLI's start-up.
    The one key left out is `@aws-cdk/core:failSynthOnValidationErrors: false`: the CLI sets it and then fails on
    the report itself; run directly, the app fails on it.
    """
    with open(cdk_json_path, encoding="utf-8") as file:
        cdk_json = json.load(file)
    context = dict(cdk_json.get("context", {}))
    context["aws:cdk:enable-asset-metadata"] = cdk_json.get("assetMetadata", True)
    if cdk_json.get("pathMetadata", True):
        context["aws:cdk:enable-path-metadata"] = True
    if not cdk_json.get("versionReporting", True):
        context["aws:cdk:disable-version-reporting"] = True
    context["aws:cdk:bundling-stacks"] = ["**"]
    return context


def cli_context(environ: Mapping[str, str] | None = None) -> dict:
    """The context the CDK CLI hands the app: CDK_CONTEXT_JSON, or a file when it is too large for the env."""
    environ = os.environ if environ is None else environ
    context = json.loads(environ.get("CDK_CONTEXT_JSON") or "{}")
    overflow = environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    if overflow:
        with open(overflow, encoding="utf-8") as file:
            context.update(json.load(file))
    return context


def selected_environments(context: Mapping) -> tuple[str, ...]:
    """`-c env=production` (or a comma list) picks environments; default: all."""
    return chosen_environments(context.get(ENV_KEY), "-c env")


def context_overrides(context: Mapping, environments: tuple[str, ...]) -> dict[str, str]:
    label = ",".join(environments)
    problems = [
        (key, RETIRED_KEYS.get(key) or unknown_key_problem(key))
        for key in sorted(context)
        if isinstance(key, str) and _PROJECT_KEY.match(key) and key not in OVERRIDES
    ]
    if problems:
        raise SettingsError(label, problems)
    overrides = {key: str(context[key]) for key in OVERRIDES if context.get(key) not in (None, "")}
    if overrides and len(environments) != 1:
        raise SettingsError(
            label, [(key, "a context override applies to one environment; add -c env=<name>") for key in overrides]
        )
    return overrides


def select(context: Mapping, environ: Mapping[str, str] | None = None) -> list[Settings]:
    """Validated settings of the environments the context selects; all of them are also checked together."""
    environments = selected_environments(context)
    overrides = context_overrides(context, environments)
    if environments == ENVIRONMENTS and not overrides:
        return list(load_all(environ).values())
    return [load_settings(name, overrides=overrides, environ=environ) for name in environments]
