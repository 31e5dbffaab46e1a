"""Synthesize each app once, the way the CLIs do, for the whole test session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Tests need the report of every finding rather than a failed synth; `make synth` keeps failing on them.
REPORT_INSTEAD_OF_FAILING = {"@aws-cdk/core:failSynthOnValidationErrors": False}


# cdk.json settings the CLI turns into context keys of the same meaning.
_CLI_SETTINGS_AS_CONTEXT = {
    "versionReporting": "aws:cdk:version-reporting",
    "pathMetadata": "aws:cdk:enable-path-metadata",
}


def cdk_json_context() -> dict:
    """A bare `App()` does not read cdk.json: pass its context so tests see what `cdk synth` sees."""
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    context = dict(cdk_json.get("context", {}))
    for setting, key in _CLI_SETTINGS_AS_CONTEXT.items():
        if setting in cdk_json:
            context[key] = cdk_json[setting]
    return context


@dataclass(frozen=True)
class AwsSynth:
    directory: Path
    templates: dict[str, dict]  # stack name -> CloudFormation template
    validation_report: dict | None  # cdk-nag findings, None when the report is absent


def synth_aws(outdir: Path, extra_context: dict | None = None) -> AwsSynth:
    import aws_cdk as cdk

    from aws_stacks.platform import build_platform
    from aws_stacks.selection import APP_CONTEXT

    context = {**cdk_json_context(), **APP_CONTEXT, **REPORT_INSTEAD_OF_FAILING, **(extra_context or {})}
    app = cdk.App(context=context, outdir=str(outdir))
    stacks = build_platform(app)
    assembly = app.synth()
    templates = {stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks}
    report_path = Path(assembly.directory) / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return AwsSynth(Path(assembly.directory), templates, report)


def synth_gcp(outdir: Path | None = None) -> dict[str, dict]:
    """Stack name -> Terraform JSON, through cdktf's `Testing` helpers (metadata stripped, keys sorted).

    Validations run as in `cdktf synth` (e.g. a feature the targeted Terraform lacks), which `Testing` skips by
    default. With `outdir`, the app's files (manifest, `stacks/*/cdk.tf.json`) are written there too (~0.1 s).
    """
    from cdktn import Testing

    from gcp_stacks.platform import build_platform

    app = Testing.app(outdir=str(outdir)) if outdir else Testing.app()
    stacks = build_platform(app)
    documents = {stack.node.id: json.loads(Testing.synth(stack, run_validations=True)) for stack in stacks}
    if outdir:
        app.synth()
    return documents
