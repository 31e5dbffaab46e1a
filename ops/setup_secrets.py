"""Write the initial secret values of one environment, from the operator's shell, never from the repository.

Each value comes from `BB_SECRET_<KEY>` or, when the terminal is interactive, a prompt that does not echo
(an empty answer skips it). Writing is idempotent: a value equal to the current one is left alone, so
re-running adds no new version. Values are passed to the CLIs on stdin, never on their command line.

    python -m ops.setup_secrets --cloud aws --env staging --dry-run
    BB_SECRET_PAGERDUTY_INTEGRATION_KEY=... python -m ops.setup_secrets --cloud gcp --env staging
    BB_SECRET_SENTRY_DSN=https://<key>@<org>.ingest.sentry.io/<id> python -m ops.setup_secrets --cloud aws --env dev
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared import Settings, SettingsError, load_settings
from shared.contract import SENTRY_DSN_FIELD, SENTRY_DSN_SECRET
from shared.names import secret_manager_id
from shared.stacks import AWS_EDGE_REGION

ENV_PREFIX = "BB_SECRET_"


@dataclass(frozen=True)
class SecretSpec:
    key: str  # BB_SECRET_<KEY>
    description: str
    aws_name: str  # Secrets Manager name
    aws_field: str | None  # JSON field inside the secret string; None for a plain string
    gcp_id: str | None  # Secret Manager secret id (no '/'); None: the secret exists on AWS only
    prompt: bool  # False: written only when the operator exports it (the stack generates it otherwise)
    # Also resolved by the us-east-1 stacks (edge-observability subscribes PagerDuty there): replicated to that
    # region when the environment's own region is another, since a dynamic reference resolves in its stack's region.
    read_at_edge: bool = False


def _gcp_id(name: str) -> str:
    return secret_manager_id(name)


def catalog(settings: Settings) -> list[SecretSpec]:
    """Names from settings and the stacks' conventions (aws_stacks/secrets.py, gcp_stacks/secrets.py)."""
    routes = settings.routes
    return [
        SecretSpec(
            "APP_SECRET_KEY", "application signing key", settings.path("app/secret-key"), "secret_key",
            settings.name("app-secret-key"), True,
        ),
        SecretSpec(
            "SENTRY_DSN", "Sentry DSN of both services (error tracking)", settings.path(SENTRY_DSN_SECRET),
            SENTRY_DSN_FIELD, settings.name("sentry-dsn"), True,
        ),
        SecretSpec(
            "PAGERDUTY_INTEGRATION_KEY", "PagerDuty Events API v2 integration key (critical alerts, findings)",
            routes.pagerduty_secret_name, None, _gcp_id(routes.pagerduty_secret_name), True, read_at_edge=True,
        ),
        SecretSpec(
            "SLACK_WEBHOOK_URL", "Slack incoming-webhook URL (info alerts)",
            routes.slack_webhook_secret_name, None, _gcp_id(routes.slack_webhook_secret_name), True,
        ),
        SecretSpec(
            # AWS only: Memorystore for Valkey signs the api in with IAM, it has no AUTH string.
            "REDIS_AUTH_TOKEN", "Redis AUTH token", settings.path("cache/auth-token"), "token", None, False,
        ),
    ]  # fmt: skip


Runner = Callable[[list[str], str | None], subprocess.CompletedProcess]


def _run(argv: list[str], stdin: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)


class AwsStore:
    def __init__(self, settings: Settings, run: Runner) -> None:
        self.base = ["aws", "secretsmanager", "--region", settings.aws.region, "--output", "json"]
        self.run = run
        self.edge_replica = settings.aws.region != AWS_EDGE_REGION

    def _call(self, action: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return self.run([*self.base[:2], action, *self.base[2:], *args], stdin)

    def current(self, spec: SecretSpec) -> tuple[bool, str | None]:
        """(the secret exists, its current string): a secret created without a value has none yet."""
        result = self._call("get-secret-value", "--secret-id", spec.aws_name)
        if result.returncode == 0:
            return True, json.loads(result.stdout)["SecretString"]
        return self._call("describe-secret", "--secret-id", spec.aws_name).returncode == 0, None

    def desired(self, spec: SecretSpec, value: str, current: str | None) -> str:
        if spec.aws_field is None:
            return value
        document = json.loads(current) if current else {}
        return json.dumps({**document, spec.aws_field: value}, sort_keys=True)

    def write(self, spec: SecretSpec, secret_string: str, exists: bool) -> None:
        action = "put-secret-value" if exists else "create-secret"
        request = {"SecretId" if exists else "Name": spec.aws_name, "SecretString": secret_string}
        if not exists and spec.read_at_edge and self.edge_replica:
            request["AddReplicaRegions"] = [{"Region": AWS_EDGE_REGION}]
        result = self._call(action, "--cli-input-json", "file:///dev/stdin", stdin=json.dumps(request))
        if result.returncode:
            raise RuntimeError(f"{action} {spec.aws_name} failed: {result.stderr.strip()[:300]}")


class GcpStore:
    def __init__(self, settings: Settings, run: Runner) -> None:
        self.project = ["--project", settings.gcp.project_id]
        self.run = run

    def current(self, spec: SecretSpec) -> tuple[bool, str | None]:
        """Terraform creates the secrets; an operator only adds versions."""
        argv = ["gcloud", "secrets", "versions", "access", "latest", "--secret", spec.gcp_id, *self.project]
        result = self.run(argv, None)
        return True, (result.stdout if result.returncode == 0 else None)

    def desired(self, spec: SecretSpec, value: str, current: str | None) -> str:
        return value

    def write(self, spec: SecretSpec, secret_string: str, exists: bool) -> None:
        argv = ["gcloud", "secrets", "versions", "add", spec.gcp_id, "--data-file=-", *self.project]
        result = self.run(argv, secret_string)
        if result.returncode:
            raise RuntimeError(f"adding a version to {spec.gcp_id} failed (does the secret exist?): "
                               f"{result.stderr.strip()[:300]}")  # fmt: skip


def value_for(spec: SecretSpec, environ: Mapping[str, str], ask: Callable[[str], str] | None) -> tuple[str, str]:
    """(value, where it came from); an empty value means skip."""
    variable = ENV_PREFIX + spec.key
    if environ.get(variable):
        return environ[variable], variable
    if spec.prompt and ask is not None:
        return ask(f"{spec.description} ({variable}; empty to skip): "), "prompt"
    return "", f"{variable} not set"


def main(
    argv: list[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    run: Runner = _run,
    ask: Callable[[str], str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cloud", required=True, choices=("aws", "gcp"))
    parser.add_argument("--env", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list what would be written, without values")
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    if ask is None and sys.stdin.isatty() and not args.dry_run:
        ask = getpass.getpass
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    store = (AwsStore if args.cloud == "aws" else GcpStore)(settings, run)
    failed = False
    for spec in catalog(settings):
        if args.cloud == "gcp" and spec.gcp_id is None:
            continue
        name = spec.aws_name if args.cloud == "aws" else spec.gcp_id
        if args.dry_run:
            source = ENV_PREFIX + spec.key
            supplied = "from " + source if environ.get(source) else ("would prompt" if spec.prompt else "skipped")
            print(f"would write {name} ({spec.description}): {supplied}")
            continue
        value, source = value_for(spec, environ, ask)
        if not value:
            print(f"skipped {name}: {source}")
            continue
        try:
            exists, current = store.current(spec)
            desired = store.desired(spec, value, current)
            if desired == current:
                print(f"unchanged {name}")
                continue
            store.write(spec, desired, exists=exists)
            print(f"wrote {name} (from {source})")
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
