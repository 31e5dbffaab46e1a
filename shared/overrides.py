"""Per-deployment values that can change without editing code.

Each key can come from an environment variable `BB_<ENVIRONMENT>_<KEY>` (for
example `BB_PRODUCTION_AWS_ACCOUNT_ID`) or, for the AWS app, from CDK context
(`-c aws_account_id=...` with `-c env=production`). Explicit overrides (context)
win over environment variables. Lists are comma-separated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from shared.checks import closest, did_you_mean
from shared.environments import ENVIRONMENTS
from shared.errors import SettingsError
from shared.settings import Settings


def _text(value: str) -> str:
    return value.strip()


def _integer(value: str) -> int | str:
    """An integer, or the text itself so that validation names the field instead of a ValueError."""
    text = value.strip()
    return int(text) if text.isdigit() else text


def _items(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _flag(value: str) -> bool:
    if value.strip().lower() not in ("true", "false"):
        raise ValueError(f"'{value}' is not true or false")
    return value.strip().lower() == "true"


# key -> (dotted settings field, parser)
OVERRIDES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "aws_account_id": ("aws.account_id", _text),
    "aws_region": ("aws.region", _text),
    "aws_availability_zones": ("aws.availability_zones", _items),
    "aws_hosted_zone_id": ("aws.hosted_zone_id", _text),
    "aws_cloudfront_prefix_list_id": ("aws.cloudfront_prefix_list_id", lambda value: value.strip() or None),
    "aws_recovery_region": ("aws.recovery_region", _text),
    "aws_cloudfront_vpc_origin_security_group_id": (
        "aws.cloudfront_vpc_origin_security_group_id",
        lambda value: value.strip() or None,
    ),
    "aws_owned_account_services": ("account_services.owned", _items),
    "aws_organization_managed_services": ("account_services.organization_managed", _items),
    "dns_serving_cloud": ("dns.serving_cloud", _text),
    "dns_aws_zone_name": ("dns.aws_zone_name", _text),
    "dns_gcp_zone_name": ("dns.gcp_zone_name", _text),
    "gcp_project_id": ("gcp.project_id", _text),
    "gcp_region": ("gcp.region", _text),
    "gcp_state_bucket": ("gcp.state_bucket", lambda value: value.strip() or None),
    "gcp_billing_account_id": ("gcp.billing_account_id", _text),
    "gcp_dns_managed_zone": ("gcp.dns_managed_zone", _text),
    "gcp_dns_project_id": ("gcp.dns_project_id", lambda value: value.strip() or None),
    "gcp_project_number": ("gcp.project_number", lambda value: value.strip() or None),
    "domain_zone_name": ("domain.zone_name", _text),
    "app_domain": ("domain.app_domain", _text),
    "origin_domain": ("domain.origin_domain", _text),
    "alert_warning_emails": ("routes.warning_emails", _items),
    "alert_slack_channel": ("routes.slack_channel", _text),
    "alert_pagerduty_secret_name": ("routes.pagerduty_secret_name", _text),
    "alert_slack_webhook_secret_name": ("routes.slack_webhook_secret_name", _text),
    "alert_slack_workspace_id": ("routes.slack_workspace_id", lambda value: value.strip() or None),
    "alert_slack_channel_id": ("routes.slack_channel_id", lambda value: value.strip() or None),
    "alert_runbook_base_url": ("routes.runbook_base_url", lambda value: value.strip() or None),
    "github_owner": ("github.owner", _text),
    "github_repository": ("github.repository", _text),
    "github_repository_id": ("github.repository_id", _integer),
    "github_environment": ("github.environment", _text),
    "recovery_strategy": ("recovery.strategy", _text),
    "recovery_gcp_standby_region": ("recovery.gcp_standby_region", _text),
    "recovery_gcp_cross_region_storage": ("recovery.gcp_cross_region_storage", _flag),
}


def environment_variable(environment: str, key: str) -> str:
    return f"BB_{environment.upper()}_{key.upper()}"


def replace_fields(obj: Any, changes: Mapping[str, Any]) -> Any:
    """A copy of `obj` with (possibly nested, dotted) fields changed, in one step.

    Only the `Settings` object validates, so the changes are checked together:
    overriding a region and its availability zones at once is fine.
    """
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for dotted, value in changes.items():
        head, _, rest = dotted.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, inner in nested.items():
        direct[head] = replace_fields(getattr(obj, head), inner)
    return dataclasses.replace(obj, **direct)


def replace_field(settings: Settings, dotted: str, value: Any) -> Settings:
    return replace_fields(settings, {dotted: value})


def unknown_key_problem(key: str) -> str:
    """A misspelt override is an error, never silently ignored: name the closest real key."""
    return f"is not an overridable setting{did_you_mean(key, OVERRIDES)}; choose from {sorted(OVERRIDES)}"


def unknown_variables(environment: str, environ: Mapping[str, str]) -> list[str]:
    """`BB_<ENV>_*` variables that name no override: the project's namespace, so a typo there is a mistake."""
    prefix = environment_variable(environment, "")
    return sorted(name for name in environ if name.startswith(prefix) and name[len(prefix) :].lower() not in OVERRIDES)


def misaddressed_variables(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """`BB_<X>_<KEY>` with a real override key but no environment X (`BB_PROD_AWS_ACCOUNT_ID`): (name, problem)."""
    found = []
    for name in sorted(environ):
        if not name.startswith("BB_") or any(name.startswith(environment_variable(e, "")) for e in ENVIRONMENTS):
            continue
        for key in OVERRIDES:
            suffix = "_" + key.upper()
            if name.endswith(suffix) and len(name) > len("BB_") + len(suffix):
                named = name[len("BB_") : -len(suffix)].lower()
                match = next((e for e in ENVIRONMENTS if e.startswith(named)), None) or closest(named, ENVIRONMENTS)
                hint = f" (did you mean '{environment_variable(match, key)}'?)" if match else ""
                found.append((name, f"'{named}' is not an environment{hint}; choose from {list(ENVIRONMENTS)}"))
                break
    return found


def collect(environment: str, environ: Mapping[str, str], explicit: Mapping[str, str]) -> dict[str, str]:
    """The overrides that apply to `environment`: environment variables, then explicit ones."""
    problems = [(key, unknown_key_problem(key)) for key in sorted(set(explicit) - set(OVERRIDES))]
    prefix = environment_variable(environment, "")
    for name in unknown_variables(environment, environ):
        match = closest(name[len(prefix) :].lower(), OVERRIDES)
        hint = f" (did you mean '{environment_variable(environment, match)}'?)" if match else ""
        problems.append((name, f"is not an overridable setting{hint}; the README lists the keys"))
    problems += misaddressed_variables(environ)
    if problems:
        raise SettingsError(environment, problems)
    chosen = {
        key: environ[environment_variable(environment, key)]
        for key in OVERRIDES
        if environment_variable(environment, key) in environ
    }
    chosen.update(explicit)
    return chosen


def apply(settings: Settings, overrides: Mapping[str, str]) -> Settings:
    if not overrides:
        return settings
    changes = {}
    problems = []
    for key, raw in overrides.items():
        dotted, parse = OVERRIDES[key]
        try:
            changes[dotted] = parse(str(raw))
        except ValueError as error:
            problems.append((key, str(error)))
    if problems:
        raise SettingsError(settings.environment, problems)
    return replace_fields(settings, changes)
