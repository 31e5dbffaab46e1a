#!/usr/bin/env python3
"""The AWS CDK app: every environment, or the ones `-c env=<name>[,<name>]` selects."""

import sys

import aws_cdk as cdk

from aws_stacks.platform import build_platform
from shared import SettingsError


def main() -> None:
    app = cdk.App()
    try:
        build_platform(app)
    except SettingsError as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
