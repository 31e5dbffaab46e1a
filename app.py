#!/usr/bin/env python3
"""The AWS CDK app: every environment, or the ones `-c env=<name>[,<name>]` selects."""

import os
import sys
from pathlib import Path

from aws_stacks import template_validation
from aws_stacks.findings import open_findings
from aws_stacks.invocation import ACCOUNT_COMMANDS, cli_command
from aws_stacks.selection import APP_CONTEXT, cli_context, select
from ops.preflight import placeholders
from shared import Settings, SettingsError, jsii_start, quick_exit

# Direct `npx cdk` runs too: jsii's Node 20 end-of-life banner is noise on these machines.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def stop_before_an_account_command_on_placeholders(all_settings: list[Settings]) -> None:
    """`cdk diff|deploy` against a placeholder account would wait for credentials, then fail twice: say at once
    what to set, as `make diff` does. `cdk synth` (and the tests, which start the app without the CLI) go on."""
    invocation = cli_command(os.getppid())
    if invocation is None or invocation[0] not in ACCOUNT_COMMANDS:
        return
    command, stacks = invocation
    trust = bool(stacks) and all(stack.endswith("-delivery") for stack in stacks)
    # The settings as selected, context overrides (`-c aws_account_id=...`) included.
    found = [problem for settings in all_settings for problem in placeholders(settings, "aws", trust=trust)]
    if found:
        sys.exit("\n".join(f"error: {problem}" for problem in found) + f"\n(stopped before `cdk {command}`)")


def main() -> None:
    try:
        all_settings = select(cli_context())
    except SettingsError as error:
        sys.exit(f"error: {error}")
    stop_before_an_account_command_on_placeholders(all_settings)
    # Only once the settings are valid: the jsii runtime starts and loads aws-cdk-lib and cdk-nag while Python
    # imports their bindings (shared/jsii_start.py).
    jsii_start.start()
    from aws_stacks.platform import build_platform, new_app

    # The template validation's engine compiles in its own process while the stacks are built: that conversation
    # between Python and Node leaves a core idle, the imports above did not. One worker, for every environment too:
    # a second engine costs 1.2 s of CPU, more than it saves (against two workers, interleaved pairs: make synth
    # 0.93x, synth-aws 0.87x, one environment through the CLI 0.88x).
    template_validation.start()
    app = new_app(context=APP_CONTEXT)
    build_platform(app, all_settings)
    try:
        app.synth()
    except RuntimeError as error:
        findings = open_findings(Path(app.outdir))
        if "ValidationFailed" not in str(error) or not findings:
            raise
        sys.exit("error: cdk-nag findings are open:\n  " + "\n  ".join(findings))


if __name__ == "__main__":
    main()
    quick_exit.after_success()
