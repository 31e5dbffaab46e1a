#!/usr/bin/env python3
"""The AWS CDK app: every environment, or the ones `-c env=<name>[,<name>]` selects."""

import os
import sys

from shared import SettingsError

# Direct `npx cdk` runs too: jsii's Node 20 end-of-life banner is noise on these machines.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> None:
    # Imported here so the banner setting above is in place before jsii starts Node.
    import aws_cdk as cdk

    from aws_stacks.platform import build_platform

    app = cdk.App()
    try:
        build_platform(app)
    except SettingsError as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
