"""Release an application image: the one step that changes which image the services run.

    .venv/bin/python -m scripts.release --cloud aws --env production --tag v1.4.2 [--image backend] [--dry-run]

AWS: checks the tag exists in ECR, writes it to the image's Parameter Store parameter
(`/bookedbarber/<env>/release/<image>/image-tag`), then redeploys the compute stack, whose task definitions
read that parameter on every deploy; an infrastructure deploy therefore keeps whatever was released.
GCP: `gcloud run services update --image`; the Cloud Run services ignore image changes in Terraform.
The image must already be pushed with that tag (docs/aws.md, docs/gcp.md). Overrides (BB_<ENV>_*) apply as
for a deploy, so account, project and region are the deployment's own.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Sequence

from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.release import IMAGES, aws_repository_name, check_tag, gcp_image, tag_parameter_name


def aws_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    region = settings.aws.region
    commands = []
    for image in images:
        commands.append(
            ["aws", "ecr", "describe-images", "--region", region, "--repository-name",
             aws_repository_name(settings, image), "--image-ids", f"imageTag={tag}"]
        )  # fmt: skip
    for image in images:
        commands.append(
            ["aws", "ssm", "put-parameter", "--region", region, "--name", tag_parameter_name(settings, image),
             "--type", "String", "--value", tag, "--overwrite"]
        )  # fmt: skip
    # --force: the template is unchanged; CloudFormation re-reads the parameter and updates the task definitions.
    commands.append(
        ["npx", "--no-install", "cdk", "deploy", settings.name("compute"), "-c", f"env={settings.environment}",
         "--exclusively", "--force", "--require-approval", "broadening"]
    )  # fmt: skip
    return commands


def gcp_commands(settings: Settings, tag: str, images: Sequence[str]) -> list[list[str]]:
    return [
        ["gcloud", "run", "services", "update", settings.name(IMAGES[image][1]), "--project",
         settings.gcp.project_id, "--region", settings.gcp.region, "--image", gcp_image(settings, image, tag)]
        for image in images
    ]  # fmt: skip


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.release", description=__doc__.splitlines()[0])
    parser.add_argument("--cloud", choices=("aws", "gcp"), required=True)
    parser.add_argument("--env", choices=ENVIRONMENTS, required=True)
    parser.add_argument("--tag", required=True, help="image tag already pushed, e.g. v1.4.2 or a git sha")
    parser.add_argument("--image", choices=tuple(IMAGES), action="append", help="default: both images")
    parser.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        tag = check_tag(args.tag, args.env)
        settings = load_settings(args.env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    images = tuple(dict.fromkeys(args.image or IMAGES))
    build = aws_commands if args.cloud == "aws" else gcp_commands
    for command in build(settings, tag, images):
        print("+ " + shlex.join(command), flush=True)
        if not args.dry_run:
            subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
