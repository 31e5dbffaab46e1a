"""`make diff` / `make deploy` / `make drift`: one environment of one cloud, checked before any CLI starts.

In order: the environment and its settings (ops/preflight.py), credentials (a clear message instead of the
CLI's stack trace minutes later), the confirmation the settings ask for (production), then the CLI.

The platform's stacks are selected by name; the delivery stack (the GitHub Actions trust) only with `--trust`,
so the workflows it trusts never change it.

    python -m ops.deploy diff --cloud aws --env staging
    python -m ops.deploy deploy --cloud gcp --env production --confirm production
    python -m ops.deploy drift --cloud aws --env staging   # changed outside code? exit 0 none, non-zero drift

AWS deploy: a changed task definition (an environment variable, a size) starts a blue/green deployment that waits at
the candidate check, as a release's does; while the CLI runs, ops/rollout.py checks each paused deployment through
the load balancer with the candidate header and continues or rolls it back (the deploy identity may do exactly that
on the environment's cluster, nothing else on ECS). A rejected candidate fails the stack update, so CloudFormation
rolls the infrastructure change back. The images stay the released ones: the tags come from Parameter Store.

Drift: `cdk drift --fail` per AWS stack (CloudFormation compares each resource with its template, reading it with
the caller's credentials), `terraform plan -detailed-exitcode` per GCP stack (2: changes, 1: error). Every stack
is checked even after one drifted; the run fails if any did.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from ops import preflight, rollout
from shared import ENVIRONMENTS, Settings, load_settings
from shared.release import IMAGES
from shared.stacks import TRUST_COMPONENT, aws_stack_names, gcp_stack_names

CLOUDS = ("aws", "gcp")
STACK_NAMES = {"aws": aws_stack_names, "gcp": gcp_stack_names}


def stacks(cloud: str, environment: str, *, trust: bool) -> list[str]:
    """The environment's stacks in deployment order: the platform's, or with `trust` only the delivery stack."""
    names = STACK_NAMES[cloud](load_settings(environment))
    return [name for name in names if name.endswith(f"-{TRUST_COMPONENT}") == trust]


def aws_credentials(environ: Mapping[str, str], home: Path) -> str | None:
    """Where the AWS SDK would find credentials, or None. Instance roles are not probed (no network here)."""
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return "environment variables"
    if environ.get("AWS_WEB_IDENTITY_TOKEN_FILE") and environ.get("AWS_ROLE_ARN"):
        return "web identity (OIDC)"
    if environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return "container credentials"
    if environ.get("AWS_PROFILE"):
        return f"profile {environ['AWS_PROFILE']}"
    for variable, default in (("AWS_SHARED_CREDENTIALS_FILE", "credentials"), ("AWS_CONFIG_FILE", "config")):
        path = Path(environ.get(variable) or home / ".aws" / default)
        if path.is_file() and "[" in path.read_text(errors="replace"):
            return str(path)
    return None


def gcp_credentials(environ: Mapping[str, str], home: Path) -> str | None:
    """Where Terraform's google provider would find credentials (application default credentials), or None."""
    if environ.get("GOOGLE_OAUTH_ACCESS_TOKEN"):
        return "access token"
    for variable in ("GOOGLE_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"):
        value = environ.get(variable, "")
        if value and (value.lstrip().startswith("{") or Path(value).is_file()):
            return variable
    config = Path(environ.get("CLOUDSDK_CONFIG") or home / ".config" / "gcloud")
    well_known = config / "application_default_credentials.json"
    return str(well_known) if well_known.is_file() else None


CREDENTIALS: dict[str, tuple[Callable[[Mapping[str, str], Path], str | None], str]] = {
    "aws": (
        aws_credentials,
        "no AWS credentials: run `aws sso login --profile <name>` and set AWS_PROFILE, or export "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (CI: aws-actions/configure-aws-credentials with role-to-assume)",
    ),
    "gcp": (
        gcp_credentials,
        "no GCP credentials: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
        "(CI: google-github-actions/auth with workload identity federation)",
    ),
}


def drift_commands(cloud: str, environment: str, names: list[str]) -> list[list[str]]:
    if cloud == "aws":
        return [["npx", "--no-install", "cdk", "drift", name, "-c", f"env={environment}", "--fail"] for name in names]
    commands = [[*_gcp_cli(environment), "synth"]]
    for name in names:
        directory = f"-chdir=cdktf.out/stacks/{name}"
        commands.append(["terraform", directory, "init", "-input=false", "-no-color"])
        # -lock=false: reads state, never takes its lock (a plan identity may not write it).
        commands.append(
            ["terraform", directory, "plan", "-input=false", "-lock=false", "-no-color", "-detailed-exitcode"]
        )
    return commands


def commands(action: str, cloud: str, environment: str, names: list[str], *, template_only: bool) -> list[list[str]]:
    if action == "drift":
        return drift_commands(cloud, environment, names)
    if cloud == "aws":
        argv = ["npx", "--no-install", "cdk", action, *names, "-c", f"env={environment}"]
        if action == "diff" and template_only:
            # Compares with the deployed templates, which is all the plan role may read (GetTemplate); the CLI
            # falls back to these credentials when it may not assume the lookup role.
            argv += ["--method", "template"]
        if action == "deploy":
            # Reviewers approved this change already (pull request + GitHub environment, or the typed confirmation).
            argv += ["--require-approval", "never"]
        return [argv]
    if action == "diff":
        # `cdktf diff` takes one stack at a time: the first diff synthesizes, the others reuse its cdktf.out/.
        return [
            [*_gcp_cli(environment), "diff", *(["--skip-synth"] if index else []), name]
            for index, name in enumerate(names)
        ]
    return [[*_gcp_cli(environment), "deploy", *names, "--auto-approve"]]


def _gcp_cli(environment: str) -> list[str]:
    """The cdktf CLI with the app building only `environment` (BB_ENV; every environment is still validated)."""
    return ["env", f"BB_ENV={environment}", "npx", "--no-install", "cdktf"]


class Finished:
    """A command that already ran to its end (a test's runner, which returns an exit code): nothing to watch."""

    def __init__(self, code: int) -> None:
        self.code = code

    def poll(self) -> int:
        return self.code


def deploy_aws(
    settings: Settings, argv: list[str], *, start, shell: rollout.Runner, sleep: Callable[[float], None] = time.sleep
) -> int:
    """`cdk deploy` in the background, and the candidate check of every blue/green deployment it starts."""
    print("blue/green: each paused deployment is checked through the load balancer, then continued or rolled back")
    code, rejected = rollout.watch(settings, IMAGES, start(argv), shell, sleep=sleep)
    if rejected:
        print(f"error: the candidate check rejected {', '.join(rejected)}: rolled back", file=sys.stderr)
    return code


def confirmed(environment: str, given: str, ask: Callable[[str], str], interactive: bool) -> bool:
    if given:
        return given == environment
    if not interactive:
        return False
    return ask(f"Type the environment name ({environment}) to deploy it: ").strip() == environment


def main(
    argv: list[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    run: Callable[[list[str]], int] | None = None,
    ask: Callable[[str], str] = input,
    interactive: bool | None = None,
    start: Callable[[list[str]], rollout.Process] | None = None,
    shell: rollout.Runner = rollout.run_command,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """`run` runs a command to its end (exit code); `start` starts the AWS deploy without waiting (default: a
    subprocess, or `run` when a test gives only that); `shell` runs the candidate check's AWS CLI reads and
    decisions (ops/rollout.py)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("diff", "deploy", "drift"))
    parser.add_argument("--cloud", default="", help="aws or gcp")
    parser.add_argument("--env", default="", help="one of " + ", ".join(ENVIRONMENTS))
    parser.add_argument("--confirm", default="", help="the environment's name, for automation (or CONFIRM=...)")
    parser.add_argument("--trust", action="store_true", help="only the delivery stack (one-time trust setup)")
    parser.add_argument("--template-only", action="store_true", help="AWS diff through the read-only lookup role")
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ

    if args.cloud not in CLOUDS:
        return _fail([f"CLOUD={args.cloud or '(empty)'} is not a cloud; set CLOUD={'|'.join(CLOUDS)}"])
    problems = preflight.problems(args.env, args.cloud, trust=args.trust)
    if problems:
        return _fail(problems)
    settings = load_settings(args.env)
    found, hint = CREDENTIALS[args.cloud]
    source = found(environ, Path(environ.get("HOME") or Path.home()))
    if source is None:
        return _fail([hint])
    if args.action == "deploy" and settings.github.deploy_confirmation:
        interactive = sys.stdin.isatty() if interactive is None else interactive
        given = args.confirm or environ.get("CONFIRM", "")
        if given and given != args.env:
            return _fail([f"CONFIRM={given} does not match the environment {args.env}; set CONFIRM={args.env}"])
        if not confirmed(args.env, given, ask, interactive):
            return _fail([f"{args.env} needs confirmation: type its name when asked, or set CONFIRM={args.env}"])
    names = stacks(args.cloud, args.env, trust=args.trust)
    print(f"{args.action} {args.cloud} {args.env} (credentials: {source}): {' '.join(names)}", flush=True)
    runner = run or (lambda cmd: subprocess.run(cmd, check=False).returncode)
    if args.action == "drift":
        return _drift(runner, drift_commands(args.cloud, args.env, names))
    argvs = commands(args.action, args.cloud, args.env, names, template_only=args.template_only)
    if args.action == "deploy" and args.cloud == "aws" and not args.trust:
        (argv,) = argvs
        if start is None:
            start = subprocess.Popen if run is None else (lambda cmd: Finished(runner(cmd)))
        return deploy_aws(settings, argv, start=start, shell=shell, sleep=sleep)
    for argv in argvs:
        code = runner(argv)
        if code:
            return code
    return 0


def _drift(runner: Callable[[list[str]], int], argvs: list[list[str]]) -> int:
    """Every check runs; one line per check at the end (`drifted` or `failed`), and non-zero if any was not clean."""
    results = []
    for argv in argvs:
        code = runner(argv)
        checks = "drift" in argv or "-detailed-exitcode" in argv
        if checks or code:
            # terraform plan -detailed-exitcode: 2 means changes; cdk drift --fail: 1 means drift.
            drifted = code == 2 or ("drift" in argv and code == 1)
            results.append((" ".join(argv), "clean" if not code else "drifted" if drifted else "failed"))
        if code and not checks:
            break  # synth or init failed: nothing after it can be checked
    for command, outcome in results:
        print(f"{outcome:8} {command}")
    return 0 if all(outcome == "clean" for _, outcome in results) else 1


def _fail(problems: list[str]) -> int:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
