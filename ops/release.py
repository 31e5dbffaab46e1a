"""Release an application image: the one step that changes which image the services run.

    .venv/bin/python -m ops.release --cloud aws --env production --tag v1.4.2 [--image api] [--dry-run]

AWS: checks the tag exists in ECR, writes it to the image's Parameter Store parameter
(`/bookedbarber/<env>/release/<image>/image-tag`), then updates the compute stack with its deployed template
(`--use-previous-template`, so no infrastructure change rides along) through the release execution role, which
may only register task definitions and update the services; CloudFormation re-reads the tag parameters. An
infrastructure deploy therefore keeps whatever was released. If the update fails, the previous tags are written
back.
GCP: new revisions without traffic, tagged `candidate`, checked through the load balancer with the candidate
header, then given the traffic (the Cloud Run services ignore image changes in Terraform).
The image must already be pushed with that tag (docs/aws.md, docs/gcp.md). Overrides (BB_<ENV>_*) apply as
for a deploy, so account, project and region are the deployment's own. A release has `make deploy`'s guard: the
same preflight (no placeholder left), and production's typed confirmation (or --confirm / CONFIRM=production).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

from ops import preflight
from ops.deploy import confirmed
from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.checks import did_you_mean
from shared.contract import CANDIDATE_TAG
from shared.delivery import aws_release_execution_role_name
from shared.release import IMAGES, aws_repository_name, check_tag, gcp_image, tag_parameter_name

# Runs a command (capturing its standard output when asked, else streaming it); raises CalledProcessError.
Runner = Callable[..., str]


def run_command(command: list[str], capture: bool = False) -> str:
    print("+ " + shlex.join(command), flush=True)
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE if capture else None, text=True)
    return result.stdout or ""


def aws_check_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    return [
        ["aws", "ecr", "describe-images", "--region", settings.aws.region, "--repository-name",
         aws_repository_name(settings, image), "--image-ids", f"imageTag={tag}", "--output", "text"]
        for image in images
    ]  # fmt: skip


def aws_read_command(settings: Settings, image: str) -> list[str]:
    return ["aws", "ssm", "get-parameter", "--region", settings.aws.region, "--name",
            tag_parameter_name(settings, image), "--query", "Parameter.Value", "--output", "text"]  # fmt: skip


def aws_write_command(settings: Settings, image: str, tag: str) -> list[str]:
    return ["aws", "ssm", "put-parameter", "--region", settings.aws.region, "--name",
            tag_parameter_name(settings, image), "--type", "String", "--value", tag, "--overwrite"]  # fmt: skip


def aws_parameters_command(settings: Settings) -> list[str]:
    return ["aws", "cloudformation", "describe-stacks", "--region", settings.aws.region, "--stack-name",
            settings.name("compute"), "--query", "Stacks[0].Parameters[].ParameterKey", "--output", "text"]  # fmt: skip


def aws_update_commands(settings: Settings, parameter_keys: Sequence[str]) -> list[list[str]]:
    """The deployed template, every parameter as it was: only the SSM-typed tag parameters resolve anew."""
    role = f"arn:aws:iam::{settings.aws.account_id}:role/{aws_release_execution_role_name(settings)}"
    parameters = [f"ParameterKey={key},UsePreviousValue=true" for key in parameter_keys]
    place = ["--region", settings.aws.region, "--stack-name", settings.name("compute")]
    return [
        ["aws", "cloudformation", "update-stack", *place, "--use-previous-template", "--role-arn", role,
         "--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "--parameters", *parameters],
        ["aws", "cloudformation", "wait", "stack-update-complete", *place],
    ]  # fmt: skip


def aws_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """The commands of a successful release, in order (what --dry-run prints; the parameter keys are read)."""
    return [
        *aws_check_commands(settings, tag, images),
        *(aws_read_command(settings, image) for image in images),
        aws_parameters_command(settings),
        *(aws_write_command(settings, image, tag) for image in images),
        *aws_update_commands(settings, ["<each key the describe-stacks above lists>"]),
    ]


def release_aws(settings: Settings, tag: str, images: Sequence[str], run: Runner) -> None:
    """Write the new tags and update the stack; if that fails, write the previous tags back.

    A failed rollout is rolled back by ECS and CloudFormation, but the parameters would still name the bad tag
    and the next infrastructure deploy would try it again.
    """
    for command in aws_check_commands(settings, tag, images):
        run(command)
    previous = {image: run(aws_read_command(settings, image), capture=True).strip() for image in images}
    if all(old == tag for old in previous.values()):
        # CloudFormation refuses an update that changes nothing.
        print(f"{tag} is already the released tag of {', '.join(images)}: nothing to update")
        return
    keys = run(aws_parameters_command(settings), capture=True).split()
    for image in images:
        run(aws_write_command(settings, image, tag))
    try:
        for command in aws_update_commands(settings, keys):
            run(command)
    except subprocess.CalledProcessError:
        for image, old_tag in previous.items():
            run(aws_write_command(settings, image, old_tag))
        raise


def gcp_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """New revisions without traffic, tagged `candidate`; a check of them through the load balancer with the
    candidate header (Cloud Run admits only the load balancer, so a tag URL is unreachable); then the traffic.
    A failure stops the sequence before any traffic moves."""
    place = ["--project", settings.gcp.project_id, "--region", settings.gcp.region]
    services = [settings.name(image) for image in images]
    deploys = [
        ["gcloud", "run", "deploy", service, "--image", gcp_image(settings, image, tag), *place,
         "--no-traffic", "--tag", CANDIDATE_TAG, "--quiet"]
        for service, image in zip(services, images, strict=True)
    ]  # fmt: skip
    check = [sys.executable, "-m", "ops.health_check", "--env", settings.environment, "--candidate",
             "--attempts", "5", "--interval", "15"]  # fmt: skip
    traffic = [
        ["gcloud", "run", "services", "update-traffic", service, *place, "--to-tags", f"{CANDIDATE_TAG}=100"]
        for service in services
    ]
    # The standby region's services take no traffic until a failover, so they get the release once the primary
    # serves it: a failover then runs the same images.
    standby = []
    if settings.recovery.has_standby:
        standby_place = ["--project", settings.gcp.project_id, "--region", settings.recovery.gcp_standby_region]
        standby = [
            ["gcloud", "run", "deploy", service, "--image", gcp_image(settings, image, tag), *standby_place, "--quiet"]
            for service, image in zip(services, images, strict=True)
        ]
    return [*deploys, check, *traffic, *standby]


def _environment(value: str) -> str:
    if value not in ENVIRONMENTS:
        raise argparse.ArgumentTypeError(f"'{value}' is not an environment{did_you_mean(value, ENVIRONMENTS)}")
    return value


def guard(settings: Settings, cloud: str, given: str, ask: Callable[[str], str], interactive: bool) -> list[str]:
    """What stops a real release, as for `make deploy`: placeholders, then production's confirmation."""
    found = preflight.problems(settings.environment, cloud)
    if found or not settings.github.deploy_confirmation:
        return found
    environment = settings.environment
    if given and given != environment:
        return [f"CONFIRM={given} does not match the environment {environment}; set CONFIRM={environment}"]
    if not confirmed(
        environment, given, lambda _: ask(f"Type the environment name ({environment}) to release to it: "), interactive
    ):
        return [f"{environment} needs confirmation: type its name when asked, or set CONFIRM={environment}"]
    return []


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.release", description=__doc__.splitlines()[0])
    parser.add_argument("--cloud", choices=("aws", "gcp"), required=True)
    parser.add_argument("--env", type=_environment, required=True, help="dev, staging or production")
    parser.add_argument("--tag", required=True, help="image tag already pushed, e.g. v1.4.2 or a git sha")
    parser.add_argument("--image", choices=tuple(IMAGES), action="append", help="default: both images")
    parser.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    parser.add_argument("--confirm", default="", help="the environment's name, for automation (or CONFIRM=...)")
    return parser.parse_args(argv)


def main(
    argv: Sequence[str] | None = None,
    run: Runner = run_command,
    *,
    environ: Mapping[str, str] | None = None,
    ask: Callable[[str], str] = input,
    interactive: bool | None = None,
) -> int:
    args = parse(argv)
    try:
        tag = check_tag(args.tag, args.env)
        settings = load_settings(args.env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    images = tuple(dict.fromkeys(args.image or IMAGES))
    if args.dry_run:
        build = aws_commands if args.cloud == "aws" else gcp_commands
        for command in build(settings, tag, images):
            print("+ " + shlex.join(command))
        return 0
    environ = os.environ if environ is None else environ
    interactive = sys.stdin.isatty() if interactive is None else interactive
    refused = guard(settings, args.cloud, args.confirm or environ.get("CONFIRM", ""), ask, interactive)
    for problem in refused:
        print(f"error: {problem}", file=sys.stderr)
    if refused:
        return 2
    try:
        if args.cloud == "aws":
            release_aws(settings, tag, images, run)
        else:
            for command in gcp_commands(settings, tag, images):
                run(command)
    except subprocess.CalledProcessError as error:
        print(f"error: release of {tag} to {args.env} failed at: {shlex.join(error.cmd)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
