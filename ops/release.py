"""Release an application image: the one step that changes which image the services run.

    .venv/bin/python -m ops.release --cloud aws --env production --tag v1.4.2 [--image api] [--dry-run]

Both clouds follow one contract: deploy the candidate beside what serves, check it through the load balancer with
the candidate header (ops/health_check.py --candidate), then shift the traffic; a failed check rolls back.
AWS: checks the tag exists in ECR, writes it to the image's Parameter Store parameter
(`/bookedbarber/<env>/release/<image>/image-tag`), then updates the compute stack with its deployed template
(`--use-previous-template`, so no infrastructure change rides along) through the release execution role, which
may only register task definitions and update the services; CloudFormation re-reads the tag parameters. ECS's
blue/green deployment starts the new revision in the alternate target group, gives it the test rule (candidate
header) and pauses (shared/rollout.py); the check then continues each paused deployment (production traffic moves,
the bake time runs with the rollback alarms) or rolls it back. An infrastructure deploy keeps whatever was
released. If the update fails, the previous tags are written back.
GCP: new revisions without traffic, tagged `candidate`, checked through the load balancer with the candidate
header, then given the traffic (the Cloud Run services ignore image changes in Terraform); a failed check removes
the candidate tag, so the header no longer reaches the rejected build.
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
import time
from collections.abc import Callable, Mapping, Sequence

from ops import preflight
from ops.deploy import confirmed
from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.checks import did_you_mean
from shared.contract import CANDIDATE_TAG
from shared.names import aws_release_execution_role_name, aws_repository_name, tag_parameter_name
from shared.release import IMAGES, check_tag, gcp_image

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
    return [
        ["aws", "cloudformation", "update-stack", *_compute(settings), "--use-previous-template", "--role-arn", role,
         "--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "--parameters", *parameters],
    ]  # fmt: skip


def _compute(settings: Settings) -> list[str]:
    return ["--region", settings.aws.region, "--stack-name", settings.name("compute")]


def aws_wait_command(settings: Settings) -> list[str]:
    return ["aws", "cloudformation", "wait", "stack-update-complete", *_compute(settings)]


def aws_stack_status_command(settings: Settings) -> list[str]:
    return ["aws", "cloudformation", "describe-stacks", *_compute(settings), "--query", "Stacks[0].StackStatus",
            "--output", "text"]  # fmt: skip


def aws_deployment_command(settings: Settings, image: str) -> list[str]:
    """The service's blue/green deployment under way (its ARN, or `None`)."""
    return ["aws", "ecs", "list-service-deployments", "--region", settings.aws.region, "--cluster",
            settings.name("cluster"), "--service", settings.name(image), "--status", "IN_PROGRESS",
            "--query", "serviceDeployments[0].serviceDeploymentArn", "--output", "text"]  # fmt: skip


def aws_paused_hook_command(settings: Settings, deployment_arn: str) -> list[str]:
    """The id of the deployment's pause hook once it waits for the check (`None` before)."""
    return ["aws", "ecs", "describe-service-deployments", "--region", settings.aws.region,
            "--service-deployment-arns", deployment_arn, "--query",
            "serviceDeployments[0].lifecycleHookDetails[?status=='AWAITING_ACTION'].hookId | [0]",
            "--output", "text"]  # fmt: skip


def aws_decide_command(settings: Settings, deployment_arn: str, hook_id: str, action: str) -> list[str]:
    """CONTINUE: production traffic moves to the candidate; ROLLBACK: it stops, blue keeps serving."""
    return ["aws", "ecs", "continue-service-deployment", "--region", settings.aws.region,
            "--service-deployment-arn", deployment_arn, "--hook-id", hook_id, "--action", action]  # fmt: skip


def candidate_check_command(settings: Settings) -> list[str]:
    """The same check on both clouds: the public URL, through the load balancer, with the candidate header."""
    return [sys.executable, "-m", "ops.health_check", "--env", settings.environment, "--candidate",
            "--attempts", "5", "--interval", "15"]  # fmt: skip


def aws_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """The commands of a successful release, in order (what --dry-run prints; ARNs and hook ids are read)."""
    deployment, hook = "<the deployment listed above>", "<the hook id described above>"
    return [
        *aws_check_commands(settings, tag, images),
        *(aws_read_command(settings, image) for image in images),
        aws_parameters_command(settings),
        *(aws_write_command(settings, image, tag) for image in images),
        *aws_update_commands(settings, ["<each key the describe-stacks above lists>"]),
        *(command for image in images
          for command in (aws_deployment_command(settings, image), aws_paused_hook_command(settings, deployment))),
        candidate_check_command(settings),
        *(aws_decide_command(settings, deployment, hook, "CONTINUE") for _ in images),
        aws_wait_command(settings),
    ]  # fmt: skip


class CandidateNotReadyError(Exception):
    """The blue/green deployments did not reach the candidate check (the stack failed, or time ran out)."""


def _answer(text: str) -> str:
    value = text.strip()
    return "" if value in ("", "None", "null") else value


def aws_paused_deployments(
    settings: Settings,
    images: Sequence[str],
    run: Runner,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    poll_seconds: float = 15.0,
) -> dict[str, tuple[str, str]]:
    """Wait until every released service's deployment waits at the candidate check: image -> (ARN, hook id)."""
    deadline = clock() + settings.rollout.candidate_check_timeout_minutes * 60
    paused: dict[str, tuple[str, str]] = {}
    while True:
        for image in images:
            if image in paused:
                continue
            deployment = _answer(run(aws_deployment_command(settings, image), capture=True))
            hook = _answer(run(aws_paused_hook_command(settings, deployment), capture=True)) if deployment else ""
            if hook:
                paused[image] = (deployment, hook)
        if len(paused) == len(images):
            return paused
        status = _answer(run(aws_stack_status_command(settings), capture=True))
        if "ROLLBACK" in status or status.endswith("FAILED"):
            raise CandidateNotReadyError(f"the compute stack is {status} before the candidate check")
        if clock() >= deadline:
            missing = ", ".join(image for image in images if image not in paused)
            raise CandidateNotReadyError(f"no paused deployment of {missing} within the candidate check's timeout")
        sleep(poll_seconds)


def release_aws(
    settings: Settings, tag: str, images: Sequence[str], run: Runner, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Write the new tags, start the stack update, check the candidates, then continue or roll back.

    A failed rollout is rolled back by ECS and CloudFormation, but the parameters would still name the bad tag
    and the next infrastructure deploy would try it again: the previous tags are written back on any failure.
    """
    for command in aws_check_commands(settings, tag, images):
        run(command)
    previous = {image: run(aws_read_command(settings, image), capture=True).strip() for image in images}
    changed = [image for image in images if previous[image] != tag]
    if not changed:
        # CloudFormation refuses an update that changes nothing.
        print(f"{tag} is already the released tag of {', '.join(images)}: nothing to update")
        return
    keys = run(aws_parameters_command(settings), capture=True).split()
    for image in images:
        run(aws_write_command(settings, image, tag))
    try:
        for command in aws_update_commands(settings, keys):
            run(command)
        # Only the services whose tag changed get a new revision, so only they pause.
        paused = aws_paused_deployments(settings, changed, run, sleep=sleep)
        try:
            run(candidate_check_command(settings))
        except subprocess.CalledProcessError:
            for deployment, hook in paused.values():
                run(aws_decide_command(settings, deployment, hook, "ROLLBACK"))
            raise
        for deployment, hook in paused.values():
            run(aws_decide_command(settings, deployment, hook, "CONTINUE"))
        run(aws_wait_command(settings))
    except (subprocess.CalledProcessError, CandidateNotReadyError):
        for image, old_tag in previous.items():
            run(aws_write_command(settings, image, old_tag))
        raise


def _gcp_place(settings: Settings) -> list[str]:
    return ["--project", settings.gcp.project_id, "--region", settings.gcp.region]


def gcp_deploy_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    return [
        ["gcloud", "run", "deploy", settings.name(image), "--image", gcp_image(settings, image, tag),
         *_gcp_place(settings), "--no-traffic", "--tag", CANDIDATE_TAG, "--quiet"]
        for image in images
    ]  # fmt: skip


def gcp_traffic_commands(settings: Settings, images: Sequence[str]) -> list[list[str]]:
    return [
        ["gcloud", "run", "services", "update-traffic", settings.name(image), *_gcp_place(settings),
         "--to-tags", f"{CANDIDATE_TAG}=100"]
        for image in images
    ]  # fmt: skip


def gcp_rollback_commands(settings: Settings, images: Sequence[str]) -> list[list[str]]:
    """Traffic never moved; dropping the tag keeps the candidate header from reaching the rejected build."""
    return [
        ["gcloud", "run", "services", "update-traffic", settings.name(image), *_gcp_place(settings),
         "--remove-tags", CANDIDATE_TAG]
        for image in images
    ]  # fmt: skip


def gcp_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """New revisions without traffic, tagged `candidate`; a check of them through the load balancer with the
    candidate header (Cloud Run admits only the load balancer, so a tag URL is unreachable); then the traffic.
    A failure stops the sequence before any traffic moves."""
    return [
        *gcp_deploy_commands(settings, tag, images),
        candidate_check_command(settings),
        *gcp_traffic_commands(settings, images),
        *gcp_standby_commands(settings, tag, images),
    ]


def gcp_standby_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """The standby region's services take no traffic until a failover, so they get the release once the primary
    serves it: a failover then runs the same images."""
    if not settings.recovery.has_standby:
        return []
    place = ["--project", settings.gcp.project_id, "--region", settings.recovery.gcp_standby_region]
    return [
        ["gcloud", "run", "deploy", settings.name(image), "--image", gcp_image(settings, image, tag), *place, "--quiet"]
        for image in images
    ]


def release_gcp(settings: Settings, tag: str, images: Sequence[str], run: Runner) -> None:
    for command in gcp_deploy_commands(settings, tag, images):
        run(command)
    try:
        run(candidate_check_command(settings))
    except subprocess.CalledProcessError:
        for command in gcp_rollback_commands(settings, images):
            run(command)
        raise
    for command in [*gcp_traffic_commands(settings, images), *gcp_standby_commands(settings, tag, images)]:
        run(command)


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
    parser.add_argument("--env", type=_environment, required=True, help="one of " + ", ".join(ENVIRONMENTS))
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
    sleep: Callable[[float], None] = time.sleep,
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
            release_aws(settings, tag, images, run, sleep)
        else:
            release_gcp(settings, tag, images, run)
    except subprocess.CalledProcessError as error:
        print(f"error: release of {tag} to {args.env} failed at: {shlex.join(error.cmd)}", file=sys.stderr)
        return 1
    except CandidateNotReadyError as error:
        print(f"error: release of {tag} to {args.env} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
