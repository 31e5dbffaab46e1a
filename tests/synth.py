"""Synthesize each app once, the way the CLIs do, for the whole test session."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Tests need the report of every finding rather than a failed synth; `make synth` keeps failing on them.
REPORT_INSTEAD_OF_FAILING = {"@aws-cdk/core:failSynthOnValidationErrors": False}


def cdk_json_context() -> dict:
    """A bare `App()` does not read cdk.json: pass its context so tests see what `cdk synth` sees."""
    from aws_stacks.selection import cdk_json_context as from_cdk_json

    return from_cdk_json(str(ROOT / "cdk.json"))


@dataclass(frozen=True)
class AwsSynth:
    directory: Path
    templates: dict[str, dict]  # stack name -> CloudFormation template
    validation_report: dict | None  # cdk-nag findings, None when the report is absent
    cfn_lint: CfnLint | None = None  # started in the background once the templates exist


# Where clean cfn-lint verdicts are kept between runs (`make clean` removes it with the rest of .deps/).
CFN_LINT_CACHE = ROOT / ".deps" / "cache" / "cfn-lint"


def _lint_environment() -> bytes:
    """What besides a template's bytes decides cfn-lint's verdict: its version, its locked dependencies (the
    resource schemas ship inside cfn-lint) and the committed configuration."""
    from importlib.metadata import version

    return b"\0".join(
        [version("cfn-lint").encode(), (ROOT / "uv.lock").read_bytes(), (ROOT / ".cfnlintrc.yaml").read_bytes()]
    )


class CfnLint:
    """cfn-lint over the templates in two background processes, with the committed `.cfnlintrc.yaml`.

    It is the slowest check (pure Python, ~1.7 s per template here) and needs no jsii: started as soon as the
    templates are written, it runs beside the AWS worker's other tests. Its verdict is a pure function of the
    template's bytes and `_lint_environment`, so a template that passed cleanly is remembered under the digest of
    both and not linted again until either changes; a template with any finding is never remembered (its output is
    wanted every time). A fresh clone, and CI, lint every template.
    """

    def __init__(
        self,
        templates: list[Path],
        processes: int = 2,
        cache: Path = CFN_LINT_CACHE,
        executable: list[str] | None = None,
    ) -> None:
        executable = executable or [str(Path(sys.executable).parent / "cfn-lint")]
        environment = _lint_environment()
        self._cache = cache
        self._digests = {
            path: hashlib.sha256(environment + b"\0" + path.read_bytes()).hexdigest() for path in templates
        }
        pending = [path for path in templates if not (cache / self._digests[path]).exists()]
        self._chunks = [chunk for chunk in (pending[index::processes] for index in range(processes)) if chunk]
        self._runs = [
            subprocess.Popen(
                [*executable, "--format", "parseable", *map(str, chunk)],
                cwd=ROOT,  # picks up .cfnlintrc.yaml
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for chunk in self._chunks
        ]

    def result(self) -> tuple[int, str]:
        """The worst exit code and every process's output, once all have finished."""
        outputs = [run.communicate()[0] for run in self._runs]
        for run, chunk, output in zip(self._runs, self._chunks, outputs, strict=True):
            if run.returncode == 0 and not output.strip():
                self._cache.mkdir(parents=True, exist_ok=True)
                for path in chunk:
                    (self._cache / self._digests[path]).touch()
        return max((run.returncode for run in self._runs), default=0), "".join(outputs)


def synth_aws(outdir: Path, extra_context: dict | None = None) -> AwsSynth:

    from aws_stacks.platform import build_platform, new_app
    from aws_stacks.selection import APP_CONTEXT

    context = {**cdk_json_context(), **APP_CONTEXT, **REPORT_INSTEAD_OF_FAILING, **(extra_context or {})}
    app = new_app(context=context, outdir=str(outdir))
    stacks = build_platform(app)
    assembly = app.synth()
    templates = {stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks}
    report_path = Path(assembly.directory) / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return AwsSynth(Path(assembly.directory), templates, report)


def with_cfn_lint(result: AwsSynth) -> AwsSynth:
    paths = sorted(result.directory / f"{name}.template.json" for name in result.templates)
    return dataclasses.replace(result, cfn_lint=CfnLint(paths))


def synth_gcp(outdir: Path | None = None) -> dict[str, dict]:
    """Stack name -> Terraform JSON, as cdktf's `Testing.synth` returns it (metadata stripped).

    One `app.synth()`, as `cdktf synth` runs it (validations included, e.g. a feature the targeted Terraform
    lacks), read back from `stacks/*/cdk.tf.json`: synthesizing every stack again through `Testing.synth` cost a
    second. The smallest stack is compared with `Testing.synth` so the two cannot drift apart.
    """
    from cdktn import Testing

    from gcp_stacks.platform import build_platform

    app = Testing.app(outdir=str(outdir)) if outdir else Testing.app()
    stacks = build_platform(app)
    app.synth()
    files = {stack.node.id: Path(app.outdir) / "stacks" / stack.node.id / "cdk.tf.json" for stack in stacks}
    documents = {name: _without_metadata(json.loads(path.read_text())) for name, path in files.items()}
    smallest = min(stacks, key=lambda stack: files[stack.node.id].stat().st_size)
    if json.loads(Testing.synth(smallest, run_validations=True)) != documents[smallest.node.id]:
        raise AssertionError(f"{smallest.node.id}: cdk.tf.json without metadata differs from Testing.synth")
    return documents


def _without_metadata(value):
    """What `Testing.synth` drops: every "//" (cdktf metadata) key."""
    if isinstance(value, dict):
        return {key: _without_metadata(item) for key, item in value.items() if key != "//"}
    if isinstance(value, list):
        return [_without_metadata(item) for item in value]
    return value
