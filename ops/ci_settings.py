"""For a workflow job: one environment's names and identities, from settings plus the repository's variables.

The repository's Actions variables carry the per-deployment overrides under their `BB_<ENV>_<KEY>` names
(shared/overrides.py). This writes the non-empty ones to $GITHUB_ENV, so every later step (and `make`) sees the
same settings, and writes the values the workflow needs to $GITHUB_OUTPUT. Nothing here is secret.

    python -m ops.ci_settings --env staging   # with VARS_JSON='${{ toJSON(vars) }}' in the environment
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping

from shared import SettingsError, load_settings
from shared.contract import SERVICES
from shared.delivery import gcp_account_email, gcp_workload_identity_provider
from shared.names import aws_repository_name, aws_role_arn, secret_manager_id
from shared.release import gcp_registry

OVERRIDE_PREFIX = "BB_"


def overrides(variables: Mapping[str, str]) -> dict[str, str]:
    """Repository variables that are settings overrides; empty ones would fail validation, so they are dropped."""
    return {key: str(value) for key, value in variables.items() if key.startswith(OVERRIDE_PREFIX) and str(value)}


def outputs(environment: str, environ: Mapping[str, str]) -> dict[str, str]:
    settings = load_settings(environment, environ=environ)
    values = {
        "aws_region": settings.aws.region,
        "aws_diff_role": aws_role_arn(settings, "diff"),
        "aws_deploy_role": aws_role_arn(settings, "deploy"),
        "aws_release_role": aws_role_arn(settings, "release"),
        # The quarterly drill's role (drill.yml), where recovery.drills (aws_stacks/delivery.py).
        "aws_drill_role": aws_role_arn(settings, "drill"),
        "aws_drift_role": aws_role_arn(settings, "drift"),
        "ecr_registry": f"{settings.aws.account_id}.dkr.ecr.{settings.aws.region}.amazonaws.com",
        "aws_cluster": settings.name("cluster"),
        "gcp_project": settings.gcp.project_id,
        "gcp_region": settings.gcp.region,
        "gcp_workload_identity_provider": gcp_workload_identity_provider(settings) or "",
        "gcp_plan_account": gcp_account_email(settings, "plan"),
        "gcp_deploy_account": gcp_account_email(settings, "deploy"),
        "gcp_release_account": gcp_account_email(settings, "release"),
        "gcp_drift_account": gcp_account_email(settings, "drift"),
        # The quarterly drill's service account (drill.yml's gcp job), where recovery.drills (gcp_stacks/delivery.py).
        "gcp_drill_account": gcp_account_email(settings, "drill"),
        # The info route's Slack token (Secret Manager id): the drift workflow posts its result with it.
        "gcp_slack_token_secret": secret_manager_id(settings.routes.slack_webhook_secret_name),
        "gcp_registry": gcp_registry(settings),
        "prefix": settings.prefix,
        "app_url": f"https://{settings.domain.app_domain}",
    }
    for service in SERVICES:
        values[f"ecr_{service}"] = aws_repository_name(settings, service)
        values[f"service_{service}"] = settings.name(service)
    return values


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    args = parser.parse_args(argv)
    environ = dict(os.environ if environ is None else environ)
    chosen = overrides(json.loads(environ.get("VARS_JSON") or "{}"))
    multiline = sorted(key for key, value in chosen.items() if "\n" in value or "\r" in value)
    if multiline:
        # A line break would let a variable write further variables into $GITHUB_ENV.
        print(f"error: repository variables {multiline} contain a line break", file=sys.stderr)
        return 2
    environ.update(chosen)
    try:
        values = outputs(args.env, environ)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not values["gcp_workload_identity_provider"]:
        print(f"note: {OVERRIDE_PREFIX}{args.env.upper()}_GCP_PROJECT_NUMBER is not set: GCP jobs cannot authenticate")
    for variable, text in (
        ("GITHUB_ENV", "".join(f"{key}={value}\n" for key, value in sorted(chosen.items()))),
        ("GITHUB_OUTPUT", "".join(f"{key}={value}\n" for key, value in values.items())),
    ):
        if environ.get(variable):
            with open(environ[variable], "a", encoding="utf-8") as sink:
                sink.write(text)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
