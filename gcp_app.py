#!/usr/bin/env python3
"""The CDK Terrain (CDK for Terraform) app for GCP: every environment, or those `BB_ENV=<name>[,<name>]` names
(every environment is still validated); overrides come from BB_<ENV>_<KEY> variables."""

import os
import sys

from shared import SettingsError, jsii_start, load_all, quick_exit
from shared.selection import chosen_environments

# Direct `npx cdktf` runs too: jsii's Node 20 end-of-life banner is noise on these machines.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def main() -> None:
    try:
        all_settings = load_all()
        chosen = [all_settings[name] for name in chosen_environments(os.environ.get("BB_ENV"), "BB_ENV")]
    except SettingsError as error:
        sys.exit(f"error: {error}")
    # Only once the settings are valid: the google provider takes seconds to import. The jsii runtime starts and
    # loads it while Python imports its bindings (shared/jsii_start.py).
    jsii_start.start()
    from cdktn import App

    from gcp_stacks.platform import build_platform

    app = App()
    build_platform(app, chosen)
    app.synth()


if __name__ == "__main__":
    main()
    quick_exit.after_success()
