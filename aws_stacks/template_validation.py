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


class Workers:
    """Node processes holding a compiled engine each; a request's templates are shared out among them by size."""

    def __init__(self, count: int, home: Path | None = None) -> None:
        home = home or engine_home()
        self._processes = [
            subprocess.Popen(
                ["node", *NODE_FLAGS, str(WORKER), str(home)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        self.version: str | None = None
        self.answered_early = 0  # of the last report's templates, how many were validated while being synthesized
        self._expected: dict[str, int] = {}  # template path -> the worker validating it early

    def _answer(self, process: subprocess.Popen) -> dict:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{PLUGIN_NAME}: its worker exited with code {process.wait()} before answering")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{PLUGIN_NAME}: {answer['error']}")
        return answer

    def ready(self) -> None:
        """Wait until every worker has compiled its engine."""
        if self.version is None:
            ready = [self._answer(process) for process in self._processes]  # each worker's first line
            self.version = ready[0]["version"]

    def _send(self, process: subprocess.Popen, message: dict) -> None:
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()

    def expect(self, stacks: list[dict]) -> None:
        """The templates the synthesis is about to write: each worker validates its share as each file appears,
        while the app goes on synthesizing (and cdk-nag checks), so `report` mostly reads what was found."""
        self._expected = {stack["templatePath"]: index % len(self._processes) for index, stack in enumerate(stacks)}
        for worker, process in enumerate(self._processes):
            self._send(process, {"expect": [s for s in stacks if self._expected[s["templatePath"]] == worker]})

    def _shares(self, stacks: list[dict]) -> list[list[int]]:
        """Stack indexes per worker: an expected template stays with the worker that validated it early; the others
        go to the worker with the fewest bytes."""
        shares: list[list[int]] = [[] for _ in self._processes]
        sizes = [Path(stack["templatePath"]).stat().st_size for stack in stacks]
        unexpected = []
        for index, stack in enumerate(stacks):
            worker = self._expected.get(stack["templatePath"])
            if worker is None:
                unexpected.append(index)
            else:
                shares[worker].append(index)
        for index in sorted(unexpected, key=lambda index: -sizes[index]):
            min(shares, key=lambda share: sum(sizes[i] for i in share)).append(index)
        return shares

    def report(self, stacks: list[dict]) -> dict:
        """Every template's findings, grouped as the built-in plugin groups them: one violation per rule, severity
        and description, listing its resources in the order of `stacks`."""
        self.ready()
        asked = []
        for process, share in zip(self._processes, self._shares(stacks), strict=True):
            if share:
                self._send(process, {"stacks": [stacks[index] for index in share]})
                asked.append((process, share))
        per_stack: dict[int, list[dict]] = {}
        self.answered_early = 0
        for process, share in asked:
            answer = self._answer(process)
            per_stack.update(zip(share, answer["findings"], strict=True))
            self.answered_early += answer["answeredEarly"]
        violations: dict[tuple[str, str, str], dict] = {}
        for index in range(len(stacks)):
            for finding in per_stack[index]:
                key = (finding["ruleName"], finding["severity"], finding["description"])
                described = {name: value for name, value in finding.items() if name != "resource"}
                violations.setdefault(key, {**described, "violatingResources": []})
                violations[key]["violatingResources"].append(finding["resource"])
        found = list(violations.values())
        return {"success": all(v["severity"] not in ("error", "fatal") for v in found), "violations": found}

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.stdin.close()
                process.wait()


_started: Workers | None = None


def start() -> Workers | None:
    """Start the worker now (before the app builds its stacks, to overlap the engine's compilation with the app's
    work); later calls return the same one. None when validation is switched off. One worker: a second engine costs
    more CPU than it saves, for one environment and for all (app.py)."""
    global _started
    if disabled():
        return None
    if _started is None:
        _started = Workers(1)
    return _started


def started() -> Workers | None:
    return _started


def expect(outdir: str, stacks: list) -> None:
    """Tell the started workers (if any) which templates `stacks` will write into `outdir`."""
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
