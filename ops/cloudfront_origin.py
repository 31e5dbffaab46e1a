"""Point CloudFront's dynamic paths at the standby's load balancer (`--to standby`) or back at the origin group
(`--to group`): the traffic switch of an AWS failover and failback (ops/failover.py runs it).

With a standby, the edge stack's dynamic behaviors use an origin group (primary ALB, then the standby's), which
CloudFront fails over for GET, HEAD and OPTIONS only. Writes move when the behaviors target the standby origin
itself: this command reads the distribution's configuration, changes the behaviors' target and updates it with
the configuration's ETag, through the CloudFront API in us-east-1, so nothing in the lost region is needed (a
CloudFormation update of the edge stack would re-read the primary compute stack's output). The edge stack's next
deploy restores the group, which is what failback wants. `--dry-run` prints the commands offline.

    python -m ops.cloudfront_origin --env production --to standby --dry-run
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from shared import ENVIRONMENTS, SettingsError, load_settings
from shared.recovery_names import STANDBY_ORIGIN_ID
from shared.settings import Settings
from shared.stacks import AWS_EDGE_REGION

TARGETS = ("standby", "group")


def distribution_id_lookup(settings: Settings) -> list[str]:
    return ["aws", "cloudformation", "describe-stacks", "--region", AWS_EDGE_REGION, "--stack-name",
            settings.name("edge"), "--query", "Stacks[0].Outputs[?OutputKey=='CloudFrontDistributionId'].OutputValue",
            "--output", "text"]  # fmt: skip


def switched(config: dict, to: str) -> dict:
    """The distribution's configuration with every behavior that targets the origin group (`to=standby`) or the
    standby origin (`to=group`) moved to the other; static behaviors (the S3 origin) are untouched."""
    groups = [group["Id"] for group in config.get("OriginGroups", {}).get("Items", [])]
    if len(groups) != 1:
        raise ValueError(f"expected the one origin group of a standby, found {groups}")
    source, target = (groups[0], STANDBY_ORIGIN_ID) if to == "standby" else (STANDBY_ORIGIN_ID, groups[0])
    result = json.loads(json.dumps(config))
    behaviors = [result["DefaultCacheBehavior"], *result.get("CacheBehaviors", {}).get("Items", [])]
    for behavior in behaviors:
        if behavior["TargetOriginId"] == source:
            behavior["TargetOriginId"] = target
    return result


def commands(distribution_id: str, etag: str, config_file: Path) -> list[list[str]]:
    return [
        ["aws", "cloudfront", "update-distribution", "--id", distribution_id, "--if-match", etag,
         "--distribution-config", f"file://{config_file}"],
        # Propagation to every edge location: minutes (the failover's promote step runs meanwhile).
        ["aws", "cloudfront", "wait", "distribution-deployed", "--id", distribution_id],
    ]  # fmt: skip


def run(settings: Settings, to: str, *, wait: bool, call: Callable[[Sequence[str]], str]) -> None:
    distribution_id = call(distribution_id_lookup(settings)).strip()
    current = json.loads(call(["aws", "cloudfront", "get-distribution-config", "--id", distribution_id]))
    config = switched(current["DistributionConfig"], to)
    with tempfile.TemporaryDirectory() as folder:
        config_file = Path(folder) / "distribution-config.json"
        config_file.write_text(json.dumps(config))
        update, wait_command = commands(distribution_id, current["ETag"], config_file)
        call(update)
        if wait:
            call(wait_command)


def _call(command: Sequence[str]) -> str:
    print(f"$ {shlex.join(command)}", flush=True)
    return subprocess.run(list(command), check=True, capture_output=True, text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="one of " + ", ".join(ENVIRONMENTS))
    parser.add_argument("--to", choices=TARGETS, required=True, help="standby: every method; group: failback")
    parser.add_argument("--wait", action="store_true", help="wait until the change is deployed to every edge")
    parser.add_argument("--dry-run", action="store_true", help="print the commands; change nothing")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        parser.exit(2, f"error: {error}\n")
    if not settings.recovery.has_standby:
        parser.exit(2, f"error: {settings.environment} has no standby origin (recovery.strategy)\n")
    if args.dry_run:
        print(f"$ {shlex.join(distribution_id_lookup(settings))}")
        print("$ aws cloudfront get-distribution-config --id <distribution>")
        print(f"  behaviors targeting the {'origin group' if args.to == 'standby' else 'standby origin'} -> {args.to}")
        for command in commands("<distribution>", "<etag>", Path("distribution-config.json")):
            print(f"$ {shlex.join(command)}")
        return 0
    try:
        run(settings, args.to, wait=args.wait, call=_call)
    except (subprocess.CalledProcessError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
