"""aws-cdk-lib's built-in template validation ("CloudFormation Validate"), run beside the app instead of inside it.

aws-cdk-lib 2.275 validates every template with its bundled @aws/cloudformation-validate engine on the jsii runtime's
single thread, after synthesis: compiling the engine and validating one environment's templates took as long as
building and synthesizing the whole environment. Here the same engine, with aws-cdk-lib's own default rules and
options, runs in a Node worker process started as the app begins building, so the engine compiles on the other core
while the app builds its constructs; the app turns the built-in off (`new_app`) and registers `TemplateValidation`
(aws_stacks/nag.py) under the built-in's name, so findings, acknowledgements (`CloudFormation-Validate::W3010`) and a
failing synth stay what they were. `CDK_VALIDATION=false` turns both off, as it turns off the built-in.
tests/aws/test_template_validation.py proves the options are aws-cdk-lib's and the findings the built-in's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_suffix(".cjs")
# V8 compiles the engine's 9 MB of WebAssembly on background threads and recompiles it with TurboFan as it runs:
# 5 s of CPU across both cores to validate every environment, taken from the app beside it. One thread and the
# baseline compiler alone do the same validation in 2.2 s of CPU on one core (measured here, 28 templates).
NODE_FLAGS = ("--single-threaded", "--liftoff-only")
PLUGIN_NAME = "CloudFormation Validate"
# What the worker needs from aws-cdk-lib's package, by path inside its jsii tarball.
_ENGINE = "package/node_modules/@aws/cloudformation-validate/"
_RULES = "package/core/lib/validation/rules/"
_PLUGIN = "package/core/lib/validation/cloudformation-validate-plugin.js"


def disabled() -> bool:
    """The switch aws-cdk-lib reads for its built-in: honoured for the validation that replaces it."""
    return os.environ.get("CDK_VALIDATION") == "false"


def engine_home() -> Path:
    """aws-cdk-lib's bundled engine, its default rules and its plugin source, extracted once per aws-cdk-lib version
    (about 2 s, the first time) into `.deps/`; later runs read the folder."""
    version = metadata.version("aws-cdk-lib")
    home = ROOT / ".deps" / "cloudformation-validate" / f"aws-cdk-lib-{version}"
    if home.is_dir():
        return home
    tarball = Path(
        str(metadata.distribution("aws-cdk-lib").locate_file(f"aws_cdk/_jsii/aws-cdk-lib@{version}.jsii.tgz"))
    )
    home.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=home.parent, prefix=".extracting-"))
    with tarfile.open(tarball) as archive:
        for member in archive:
            for prefix, folder in ((_ENGINE, "engine"), (_RULES, "rules")):
                if member.isfile() and member.name.startswith(prefix):
                    target = scratch / folder / member.name[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
            if member.name == _PLUGIN:
                (scratch / "plugin.js").write_bytes(archive.extractfile(member).read())
    (scratch / "rules").mkdir(exist_ok=True)
    try:
        scratch.rename(home)  # another process may have finished first: its copy is as good
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
    return home


class Worker:
    """A Node process holding a compiled engine: it validates the expected templates as they appear, and reports."""

    def __init__(self, home: Path | None = None) -> None:
        home = home or engine_home()
        self._process = subprocess.Popen(
            ["node", *NODE_FLAGS, str(WORKER), str(home)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.version: str | None = None
        self.answered_early = 0  # of the last report's templates, how many were validated while being synthesized

    def _answer(self) -> dict:
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"{PLUGIN_NAME}: its worker exited with code {self._process.wait()} before answering")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{PLUGIN_NAME}: {answer['error']}")
        return answer

    def ready(self) -> None:
        """Wait until the worker has compiled its engine."""
        if self.version is None:
            self.version = self._answer()["version"]  # the worker's first line

    def _send(self, message: dict) -> None:
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def expect(self, stacks: list[dict]) -> None:
        """The templates the synthesis is about to write: the worker validates each as its file appears, while the
        app goes on synthesizing (and cdk-nag checks), so `report` mostly reads what was found."""
        self._send({"expect": stacks})

    def report(self, stacks: list[dict]) -> dict:
        """Every template's findings, grouped as the built-in plugin groups them: one violation per rule, severity
        and description, listing its resources in the order of `stacks`."""
        self.ready()
        self._send({"stacks": stacks})
        answer = self._answer()
        self.answered_early = answer["answeredEarly"]
        violations: dict[tuple[str, str, str], dict] = {}
        for findings in answer["findings"]:
            for finding in findings:
                key = (finding["ruleName"], finding["severity"], finding["description"])
                described = {name: value for name, value in finding.items() if name != "resource"}
                violations.setdefault(key, {**described, "violatingResources": []})
                violations[key]["violatingResources"].append(finding["resource"])
        found = list(violations.values())
        return {"success": all(v["severity"] not in ("error", "fatal") for v in found), "violations": found}

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait()


_started: Worker | None = None


def start() -> Worker | None:
    """Start the worker now (before the app builds its stacks, to overlap the engine's compilation with the app's
    work); later calls return the same one. None when validation is switched off. One worker: a second engine costs
    more CPU than it saves, for one environment and for all (app.py)."""
    global _started
    if disabled():
        return None
    if _started is None:
        _started = Worker()
    return _started


def started() -> Worker | None:
    return _started


def expect(outdir: str, stacks: list) -> None:
    """Tell the started worker (if any) which templates `stacks` will write into `outdir`."""
    if _started is not None:
        _started.expect(
            [
                {
                    "templatePath": str(Path(outdir).resolve() / stack.template_file),
                    "stackConstructPath": stack.node.path,
                    "accountId": stack.account,
                    "region": stack.region,
                }
                for stack in stacks
            ]
        )
