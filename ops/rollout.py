"""The AWS candidate check, one function for every path that rolls the services out (shared/rollout.py).

Each primary service deploys blue/green and waits at a PAUSE hook after the test traffic shift, whatever started the
deployment: a release (ops/release.py, a new image tag) or an infrastructure deploy (ops/deploy.py, a changed task
definition: an environment variable, a size, a secret). Both decide the same way: the check through the load
balancer with the candidate header (ops/health_check.py --candidate), then CONTINUE (production traffic moves, the
bake time runs with the rollback alarms) or ROLLBACK (blue keeps serving; CloudFormation then fails the stack update
and rolls it back). A deployment nobody decides rolls back at `rollout.candidate_check_timeout_minutes`.

The standby region's services have no pause (aws_stacks/standby.py: the candidate header reaches only the
primary's load balancer): nothing there waits for a decision.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from shared import Settings

# Runs a command (capturing its standard output when asked, else streaming it); raises CalledProcessError.
Runner = Callable[..., str]
# Seconds between two looks at the services' deployments.
POLL_SECONDS = 15.0


def run_command(command: list[str], capture: bool = False) -> str:
    print("+ " + shlex.join(command), flush=True)
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE if capture else None, text=True)
    return result.stdout or ""


class CandidateNotReadyError(Exception):
    """The blue/green deployments did not reach the candidate check (the stack failed, or time ran out)."""


def deployment_command(settings: Settings, image: str) -> list[str]:
    """The service's blue/green deployment under way (its ARN, or `None`)."""
    return ["aws", "ecs", "list-service-deployments", "--region", settings.aws.region, "--cluster",
            settings.name("cluster"), "--service", settings.name(image), "--status", "IN_PROGRESS",
            "--query", "serviceDeployments[0].serviceDeploymentArn", "--output", "text"]  # fmt: skip


def paused_hook_command(settings: Settings, deployment_arn: str) -> list[str]:
    """The id of the deployment's pause hook once it waits for the check (`None` before)."""
    return ["aws", "ecs", "describe-service-deployments", "--region", settings.aws.region,
            "--service-deployment-arns", deployment_arn, "--query",
            "serviceDeployments[0].lifecycleHookDetails[?status=='AWAITING_ACTION'].hookId | [0]",
            "--output", "text"]  # fmt: skip


def decide_command(settings: Settings, deployment_arn: str, hook_id: str, action: str) -> list[str]:
    """CONTINUE: production traffic moves to the candidate; ROLLBACK: it stops, blue keeps serving."""
    return ["aws", "ecs", "continue-service-deployment", "--region", settings.aws.region,
            "--service-deployment-arn", deployment_arn, "--hook-id", hook_id, "--action", action]  # fmt: skip


def candidate_check_command(settings: Settings) -> list[str]:
    """The same check on both clouds: the public URL, through the load balancer, with the candidate header."""
    return [sys.executable, "-m", "ops.health_check", "--env", settings.environment, "--candidate",
            "--attempts", "5", "--interval", "15"]  # fmt: skip


def answer(text: str) -> str:
    """A CLI text answer, with `None`/`null` (nothing found) as empty."""
    value = text.strip()
    return "" if value in ("", "None", "null") else value


def paused(settings: Settings, image: str, run: Runner) -> tuple[str, str] | None:
    """(deployment ARN, hook id) when the service's deployment waits at the candidate check, else None."""
    deployment = answer(run(deployment_command(settings, image), capture=True))
    if not deployment:
        return None
    hook = answer(run(paused_hook_command(settings, deployment), capture=True))
    return (deployment, hook) if hook else None


def check_and_decide(settings: Settings, waiting: dict[str, tuple[str, str]], run: Runner) -> None:
    """Check the candidates through the load balancer, then continue every waiting deployment, or roll every one back
    and raise the check's CalledProcessError."""
    try:
        run(candidate_check_command(settings))
    except subprocess.CalledProcessError:
        for deployment, hook in waiting.values():
            run(decide_command(settings, deployment, hook, "ROLLBACK"))
        raise
    for deployment, hook in waiting.values():
        run(decide_command(settings, deployment, hook, "CONTINUE"))


def wait_for_pauses(
    settings: Settings,
    images: Sequence[str],
    run: Runner,
    *,
    failed: Callable[[], str],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    poll_seconds: float = POLL_SECONDS,
) -> dict[str, tuple[str, str]]:
    """Wait until every one of `images` waits at the candidate check: image -> (ARN, hook id). `failed()` names
    why waiting is pointless (the stack rolled back), or is empty."""
    deadline = clock() + settings.rollout.candidate_check_timeout_minutes * 60
    waiting: dict[str, tuple[str, str]] = {}
    while True:
        for image in images:
            if image not in waiting and (found := paused(settings, image, run)):
                waiting[image] = found
        if len(waiting) == len(images):
            return waiting
        reason = failed()
        if reason:
            raise CandidateNotReadyError(f"{reason} before the candidate check")
        if clock() >= deadline:
            missing = ", ".join(image for image in images if image not in waiting)
            raise CandidateNotReadyError(f"no paused deployment of {missing} within the candidate check's timeout")
        sleep(poll_seconds)


class Process(Protocol):
    def poll(self) -> int | None: ...


def watch(
    settings: Settings,
    images: Sequence[str],
    process: Process,
    run: Runner,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = POLL_SECONDS,
) -> tuple[int, list[str]]:
    """While an infrastructure deploy runs (`process`, the CDK CLI), decide each deployment it starts as it reaches
    the pause: the candidate check, then continue or roll back. Which services a deploy changes is CloudFormation's
    business, so every service is watched until the CLI exits. Returns the CLI's exit code (non-zero if a candidate
    was rolled back) and the services whose candidate failed the check."""
    decided: set[str] = set()
    rejected: list[str] = []
    while (code := process.poll()) is None:
        waiting = {
            image: found
            for image in images
            if (found := paused(settings, image, run)) is not None and found[0] not in decided
        }
        if waiting:
            decided.update(deployment for deployment, _ in waiting.values())
            try:
                check_and_decide(settings, waiting, run)
            except subprocess.CalledProcessError:
                # Rolled back: CloudFormation fails the service's update and the CLI exits non-zero.
                rejected.extend(waiting)
            continue
        sleep(poll_seconds)
    return (code or (1 if rejected else 0)), rejected
