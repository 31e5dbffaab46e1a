"""`make synth`: validate settings once, then synthesize both apps side by side, each into its own log.

Bad settings stop here, in well under a second, before either jsii runtime starts. The two
syntheses are independent, so on a 2-core machine they run at once; their output goes to
`.deps/logs/synth-<cloud>.log` so the two never interleave, and a failure prints its own
side's log, named. The table of stacks comes last.

Each app writes into `<output>.partial/`, moved to `<output>/` only on success: a failed synthesis (an open
cdk-nag finding, say) leaves no `cdk.out/` at all, and its partial output is kept as `<output>.failed/`, so no later
command (parity, cost, diagram, a test) reads it as good. With `--reuse` (what `make parity|cost|diagram` run), a
cloud whose output folder still carries the fingerprint of its inputs (scripts/fingerprint.py) is not synthesized
again. While the apps run, a line every PROGRESS_SECONDS says which are still running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from aws_stacks.selection import cdk_json_context
from scripts import fingerprint
from shared import SettingsError, load_all

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".deps" / "logs"
QUIET = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CHECKPOINT_DISABLE": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
}
PROGRESS_SECONDS = 15.0
NEXT_STEPS = (
    "next: make parity | make cost | make diagram (these reuse this synthesis until an input changes)",
    "      make diff CLOUD=aws|gcp ENV=<env>, then make deploy CLOUD=aws|gcp ENV=<env>",
)


@dataclass(frozen=True)
class Side:
    cloud: str
    command: tuple[str, ...]
    output: str  # the folder a successful synthesis leaves, removed first so no stale stack survives
    environ: tuple[tuple[str, str], ...] = ()  # what the CLI would hand the app (its output folder: `partial`)

    @property
    def partial(self) -> str:
        return f"{self.output}.partial"

    @property
    def failed(self) -> str:
        return f"{self.output}.failed"


def _sides() -> dict[str, Side]:
    """Each app run the way its CLI runs it (`cdk synth`, `cdktf synth`): the same context and output folder, so
    the same bytes (tests/test_synth_context.py), without the CLIs' own start-up on the critical path."""
    aws_context = json.dumps(cdk_json_context(str(ROOT / "cdk.json")))
    python = ".venv/bin/python"
    return {
        "aws": Side(
            "aws",
            (python, "app.py"),
            "cdk.out",
            (("CDK_OUTDIR", "cdk.out.partial"), ("CDK_CONTEXT_JSON", aws_context)),
        ),
        "gcp": Side("gcp", (python, "gcp_app.py"), "cdktf.out", (("CDKTF_OUTDIR", "cdktf.out.partial"),)),
    }


SIDES = _sides()


def check_settings() -> bool:
    try:
        load_all()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return False
    return True


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run(clouds: list[str]) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, **QUIET}
    running = []
    inputs = {cloud: fingerprint.fingerprint(cloud) for cloud in clouds}
    for cloud in clouds:
        side = SIDES[cloud]
        for folder in (side.output, side.partial, side.failed):
            shutil.rmtree(ROOT / folder, ignore_errors=True)
        log = LOGS / f"synth-{cloud}.log"
        handle = log.open("w")
        started = time.perf_counter()
        process = subprocess.Popen(
            side.command, cwd=ROOT, env={**environ, **dict(side.environ)}, stdout=handle, stderr=subprocess.STDOUT
        )
        running.append((side, process, handle, log, started))
        print(f"{cloud}: synthesizing ({side.output}/, log: {log.relative_to(ROOT)})", flush=True)
    failed = []
    # Report each side as it finishes, with its own duration, whichever ends first.
    pending = list(running)
    began, last_progress = time.perf_counter(), time.perf_counter()
    while pending:
        if time.perf_counter() - last_progress >= PROGRESS_SECONDS:
            last_progress = time.perf_counter()
            still = ", ".join(entry[0].cloud for entry in pending)
            print(f"... still synthesizing: {still} ({last_progress - began:.0f} s)", flush=True)
        for entry in list(pending):
            side, process, handle, log, started = entry
            code = process.poll()
            if code is None:
                continue
            pending.remove(entry)
            handle.close()
            seconds = time.perf_counter() - started
            if code == 0 and not (ROOT / side.partial).is_dir():
                code = 1  # exited 0 but wrote nothing: no output to trust either
            if code == 0:
                (ROOT / side.partial).rename(ROOT / side.output)
                fingerprint.record(side.cloud, ROOT / side.output, inputs[side.cloud])
                print(f"{side.cloud}: done in {seconds:.1f} s", flush=True)
            else:
                if (ROOT / side.partial).exists():
                    (ROOT / side.partial).rename(ROOT / side.failed)
                failed.append(side.cloud)
                print(
                    f"\n{side.cloud}: FAILED (exit {code}) after {seconds:.1f} s; no {side.output}/ (what was written "
                    f"is in {side.failed}/); end of {log.relative_to(ROOT)}:"
                )
                print(_tail(log), flush=True)
        time.sleep(0.05)
    if failed:
        print(f"\nsynth failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    from reports import summary

    code = summary.report(clouds)
    if code == 0:
        print("\n" + "\n".join(NEXT_STEPS))
    return code


def stale(clouds: list[str]) -> list[str]:
    """The clouds whose output folder does not carry the fingerprint of their current inputs."""
    return [
        cloud
        for cloud in clouds
        if not fingerprint.is_current(cloud, ROOT / SIDES[cloud].output, fingerprint.fingerprint(cloud))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("clouds", nargs="*", help=f"any of {sorted(SIDES)}; default: both")
    parser.add_argument("--check-only", action="store_true", help="validate every environment's settings and stop")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a cloud's last output when nothing it was made from changed (settings, code, locks, BB_* overrides)",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.clouds) - set(SIDES))
    if unknown:
        parser.error(f"unknown cloud(s) {unknown}; choose from {sorted(SIDES)}")
    if not check_settings():
        return 2
    if args.check_only:
        print("settings: every environment is valid")
        return 0
    clouds = args.clouds or sorted(SIDES)
    if args.reuse:
        todo = stale(clouds)
        for cloud in sorted(set(clouds) - set(todo)):
            print(f"{cloud}: reusing {SIDES[cloud].output}/ (nothing it was made from changed since it was written)")
        if not todo:
            return 0
        clouds = todo
    return run(clouds)


if __name__ == "__main__":
    sys.exit(main())
