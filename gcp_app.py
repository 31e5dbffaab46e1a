#!/usr/bin/env python3
"""The CDK for Terraform app (GCP): every environment; overrides come from BB_<ENV>_<KEY> variables."""

import sys

from cdktf import App

from gcp_stacks.platform import build_platform
from shared import SettingsError


def main() -> None:
    app = App()
    try:
        build_platform(app)
    except SettingsError as error:
        sys.exit(f"error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
