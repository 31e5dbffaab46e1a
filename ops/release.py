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
the bake time runs with the rollback alarms) or rolls it back: ops/rollout.py, the same function an infrastructure
deploy decides its own deployments with. An infrastructure deploy keeps whatever was released. If the update
fails, the previous tags are written back. Where a standby stands by (`recovery.has_standby`), the standby region's
services then get the same tags the same way (the replicated images, that region's tag parameters, its stack's
deployed template), so a failover serves the release; their deployments have no pause (nothing routes the
candidate header there). A failed standby update leaves the primary serving the release, and says so.
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

from ops import preflight, rollout
from ops.deploy import confirmed
from ops.rollout import CandidateNotReadyError, Runner, run_command
from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.checks import did_you_mean
from shared.contract import CANDIDATE_TAG
from shared.names import aws_release_execution_role_name, aws_repository_name, tag_parameter_name
from shared.recovery_names import aws_standby_names
from shared.release import IMAGES, check_tag, gcp_image

__all__ = ["CandidateNotReadyError", "Runner", "run_command"]  # re-exported: ops/rollout.py holds them
# Minutes a release waits for ECR to replicate the images into the standby region (asynchronous after each push).
# Our budget, not a documented figure: the ECR User Guide's replication pages state no duration.
IMAGE_REPLICATION_MINUTES = 30


def _place(settings: Settings, standby: bool) -> tuple[str, str]:
    """(region, stack) the release updates: the primary's compute stack, or the standby stack in the recovery region
    (its services read the tag parameters of that region, created by the recovery stack)."""
    if standby:
        return settings.aws.recovery_region, aws_standby_names(settings)["stack"]
    return settings.aws.region, settings.name("compute")


def aws_check_commands(
    settings: Settings, tag: str, images: Sequence[str], *, standby: bool = False
) -> list[list[str]]:
    region, _ = _place(settings, standby)
    return [
        ["aws", "ecr", "describe-images", "--region", region, "--repository-name",
         aws_repository_name(settings, image), "--image-ids", f"imageTag={tag}", "--output", "text"]
        for image in images
    ]  # fmt: skip


def aws_read_command(settings: Settings, image: str, *, standby: bool = False) -> list[str]:
    region, _ = _place(settings, standby)
    return ["aws", "ssm", "get-parameter", "--region", region, "--name",
            tag_parameter_name(settings, image), "--query", "Parameter.Value", "--output", "text"]  # fmt: skip


def aws_write_command(settings: Settings, image: str, tag: str, *, standby: bool = False) -> list[str]:
    region, _ = _place(settings, standby)
    return ["aws", "ssm", "put-parameter", "--region", region, "--name",
            tag_parameter_name(settings, image), "--type", "String", "--value", tag, "--overwrite"]  # fmt: skip


def _stack(settings: Settings, standby: bool) -> list[str]:
    region, stack = _place(settings, standby)
    return ["--region", region, "--stack-name", stack]


def aws_parameters_command(settings: Settings, *, standby: bool = False) -> list[str]:
    return ["aws", "cloudformation", "describe-stacks", *_stack(settings, standby),
            "--query", "Stacks[0].Parameters[].ParameterKey", "--output", "text"]  # fmt: skip


def aws_update_commands(settings: Settings, parameter_keys: Sequence[str], *, standby: bool = False) -> list[list[str]]:
    """The deployed template, every parameter as it was: only the SSM-typed tag parameters resolve anew."""
    role = f"arn:aws:iam::{settings.aws.account_id}:role/{aws_release_execution_role_name(settings)}"
    parameters = [f"ParameterKey={key},UsePreviousValue=true" for key in parameter_keys]
    return [
        ["aws", "cloudformation", "update-stack", *_stack(settings, standby), "--use-previous-template",
         "--role-arn", role, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "--parameters", *parameters],
    ]  # fmt: skip


def aws_wait_command(settings: Settings, *, standby: bool = False) -> list[str]:
    return ["aws", "cloudformation", "wait", "stack-update-complete", *_stack(settings, standby)]


def aws_stack_status_command(settings: Settings) -> list[str]:
    return ["aws", "cloudformation", "describe-stacks", *_stack(settings, False), "--query",
            "Stacks[0].StackStatus", "--output", "text"]  # fmt: skip


def aws_standby_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    """The standby region's services, once the primary serves the release: the replicated images, the tags of that
    region, its stack with its deployed template. No candidate check: nothing routes the candidate header there."""
    if not settings.recovery.has_standby:
        return []
    return [
        *aws_check_commands(settings, tag, images, standby=True),
        *(aws_read_command(settings, image, standby=True) for image in images),
        aws_parameters_command(settings, standby=True),
        *(aws_write_command(settings, image, tag, standby=True) for image in images),
        *aws_update_commands(settings, ["<each key the describe-stacks above lists>"], standby=True),
        aws_wait_command(settings, standby=True),
    ]


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
          for command in (rollout.deployment_command(settings, image),
                          rollout.paused_hook_command(settings, deployment))),
        rollout.candidate_check_command(settings),
        *(rollout.decide_command(settings, deployment, hook, "CONTINUE") for _ in images),
        aws_wait_command(settings),
        *aws_standby_commands(settings, tag, images),
    ]  # fmt: skip


class StandbyReleaseError(Exception):
    """The primary serves the release; the standby region's services still run the previous tags."""


def aws_paused_deployments(
    settings: Settings,
    images: Sequence[str],
    run: Runner,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    poll_seconds: float = rollout.POLL_SECONDS,
) -> dict[str, tuple[str, str]]:
    """Wait until every released service's deployment waits at the candidate check: image -> (ARN, hook id)."""

    def failed() -> str:
        status = rollout.answer(run(aws_stack_status_command(settings), capture=True))
        return f"the compute stack is {status}" if "ROLLBACK" in status or status.endswith("FAILED") else ""

    return rollout.wait_for_pauses(
        settings, images, run, failed=failed, sleep=sleep, clock=clock, poll_seconds=poll_seconds
    )


def _update_tags(
    settings: Settings,
    tag: str,
    images: Sequence[str],
    run: Runner,
    *,
    standby: bool,
    roll_out: Callable[[list[str]], None],
) -> bool:
    """Write the new tags, update the stack, then `roll_out(changed images)`; on any failure write the previous tags
    back (else the next infrastructure deploy would try the bad tag again). False when every tag already was `tag`
    (CloudFormation refuses an update that changes nothing)."""
    previous = {
        image: run(aws_read_command(settings, image, standby=standby), capture=True).strip() for image in images
    }
    changed = [image for image in images if previous[image] != tag]
    if not changed:
        return False
    keys = run(aws_parameters_command(settings, standby=standby), capture=True).split()
    for image in images:
        run(aws_write_command(settings, image, tag, standby=standby))
    try:
        for command in aws_update_commands(settings, keys, standby=standby):
            run(command)
        roll_out(changed)
    except (subprocess.CalledProcessError, CandidateNotReadyError):
        for image, old_tag in previous.items():
            run(aws_write_command(settings, image, old_tag, standby=standby))
        raise
    return True


def wait_for_replicas(
    settings: Settings,
    tag: str,
    images: Sequence[str],
    run: Runner,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """ECR replicates each push to the standby region asynchronously: wait until every image is there."""
    deadline = clock() + IMAGE_REPLICATION_MINUTES * 60
    for command in aws_check_commands(settings, tag, images, standby=True):
        while True:
            try:
                run(command)
                break
            except subprocess.CalledProcessError:
                if clock() >= deadline:
                    raise
                sleep(rollout.POLL_SECONDS)


def release_aws(
    settings: Settings,
    tag: str,
    images: Sequence[str],
    run: Runner,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """The primary: new tags, the stack update, the candidate check, then continue or roll back (ops/rollout.py).
    Then, once the primary serves the release, the standby region's services, so a failover serves it too."""
    for command in aws_check_commands(settings, tag, images):
        run(command)

    def check_candidates(changed: list[str]) -> None:
        # Only the services whose tag changed get a new revision, so only they pause.
        waiting = aws_paused_deployments(settings, changed, run, sleep=sleep, clock=clock)
        rollout.check_and_decide(settings, waiting, run)
        run(aws_wait_command(settings))

    if not _update_tags(settings, tag, images, run, standby=False, roll_out=check_candidates):
        print(f"{tag} is already the released tag of {', '.join(images)} in {settings.aws.region}")
    if not settings.recovery.has_standby:
        return
    try:
        wait_for_replicas(settings, tag, images, run, sleep=sleep, clock=clock)
        updated = _update_tags(
            settings, tag, images, run, standby=True, roll_out=lambda _: run(aws_wait_command(settings, standby=True))
        )
    except subprocess.CalledProcessError as error:
        raise StandbyReleaseError(
            f"{settings.aws.region} serves {tag}; the standby in {settings.aws.recovery_region} still runs the "
            f"previous tags (failed at: {shlex.join(error.cmd)}). Run the same release again to retry the standby."
        ) from error
    if not updated:
        print(f"{tag} is already the released tag of {', '.join(images)} in {settings.aws.recovery_region}")


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
        rollout.candidate_check_command(settings),
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
        run(rollout.candidate_check_command(settings))
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
    except (CandidateNotReadyError, StandbyReleaseError) as error:
        print(f"error: release of {tag} to {args.env} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
