"""`make bench`: `make synth` and `make test` against an anchor, measured side by side in one run.

The anchor is the design card's original toolchain: aws-cdk-lib 2.275 with cdk-nag, and the archived cdktf 0.21 with
its google provider 16.12.1, each synthesizing one hello-world stack (a bucket) through its CLI, one after the
other. It is installed from `scripts/anchor/requirements.txt` into `.deps/anchor/` (once) and never used by the
platform. Budgets: `make synth` within 0.75x of the anchor, `make test` within 2.0x; one environment through each
cloud's CLI (`cdk synth -c env=production`, `BB_ENV=production cdktf synth`) within 1.25x of that cloud's hello-
world through the same CLI. Each comparison runs `--pairs N` interleaved (ours, anchor) pairs and reports the median
ratio and the spread of the pair ratios; a spread too wide to judge is reported as UNSURE, not as a failure. Peak
memory is the largest total RSS of a command and all its children (the jsii Node.js runtimes do much of the work).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHOR_SOURCE = ROOT / "scripts" / "anchor"
ANCHOR = ROOT / ".deps" / "anchor"
ANCHOR_PYTHON = ANCHOR / "venv" / "bin" / "python"
UV = ROOT / ".deps" / "boot" / "bin" / "uv"
# Ratios to the anchor: `make synth` and `make test` against both hello-worlds one after the other; "one" is one
# environment through a cloud's CLI against that cloud's hello-world through the same CLI.
BUDGETS = {"make synth": 0.75, "make test": 2.0, "one": 1.25}
ONE_ENVIRONMENT = "production"
# Pair ratios spread wider than this (relative to their median) say more about the machine's load than the code.
SPREAD_LIMIT = 0.25
QUIET = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CHECKPOINT_DISABLE": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "UV_COMPILE_BYTECODE": "1",
}


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mib: float


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str], cwd: Path) -> Measurement:
    """Wall seconds and peak MiB of one command and its process tree; its output is discarded."""
    environ = {**os.environ, **QUIET}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_rss_kib(pid) for pid in _descendants(process.pid)))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        tail = "\n".join(output.decode(errors="replace").splitlines()[-30:])
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}:\n{tail}")
    return Measurement(elapsed, peak / 1024)


def install_anchor() -> None:
    """The anchor's own venv and app folders, re-made only when its requirements change."""
    stamp = ANCHOR / ".installed"
    requirements = ANCHOR_SOURCE / "requirements.txt"
    if not stamp.exists() or stamp.read_text() != requirements.read_text():
        print("bench: installing the anchor toolchain into .deps/anchor/ (once)", flush=True)
        environ = {**os.environ, **QUIET, "UV_PYTHON_DOWNLOADS": "never"}
        subprocess.run([str(UV), "venv", "--quiet", "--python", "3.11", str(ANCHOR / "venv")], check=True, env=environ)
        subprocess.run(
            [str(UV), "pip", "install", "--quiet", "--python", str(ANCHOR_PYTHON), "-r", str(requirements)],
            check=True,
            env=environ,
        )
        stamp.write_text(requirements.read_text())
    aws, gcp = ANCHOR / "aws", ANCHOR / "gcp"
    for folder, app, config_name, config in (
        (
            aws,
            "aws_app.py",
            "cdk.json",
            # The bucket has findings; the anchor measures the check, so report them instead of failing.
            {"context": {"@aws-cdk/core:failSynthOnValidationErrors": False}, "notices": False},
        ),
        (gcp, "gcp_app.py", "cdktf.json", {"language": "python", "sendCrashReports": "false"}),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.py").write_text((ANCHOR_SOURCE / app).read_text())
        (folder / config_name).write_text(json.dumps({"app": f"{ANCHOR_PYTHON} app.py", **config}, indent=2))


# One run's Measurement per command of a subject; a subject's time is the sum of its commands (run in order).
Subject = list[tuple[list[str], Path]]


def run_subject(subject: Subject) -> Measurement:
    runs = [measure(command, cwd) for command, cwd in subject]
    return Measurement(sum(run.seconds for run in runs), max(run.peak_mib for run in runs))


@dataclass(frozen=True)
class Comparison:
    name: str
    budget: float
    pairs: list[tuple[Measurement, Measurement]]  # (ours, anchor) per interleaved pair

    @property
    def ratios(self) -> list[float]:
        return sorted(ours.seconds / anchor.seconds for ours, anchor in self.pairs)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> float:
        """Widest minus narrowest pair ratio, relative to the median: how much the machine's load moved it."""
        return (self.ratios[-1] - self.ratios[0]) / self.median

    @property
    def verdict(self) -> str:
        if len(self.pairs) > 1 and self.spread > SPREAD_LIMIT:
            return "UNSURE"  # too noisy to judge; neither a pass nor a failure
        return "ok" if self.median <= self.budget else "OVER"


def compare(name: str, ours: Subject, anchor: Subject, pairs: int, budget: float) -> Comparison:
    """`pairs` interleaved pairs, alternating which side goes first, so a load change hits both sides alike."""
    measured = []
    for index in range(pairs):
        if index % 2 == 0:
            mine = run_subject(ours)
            theirs = run_subject(anchor)
        else:
            theirs = run_subject(anchor)
            mine = run_subject(ours)
        measured.append((mine, theirs))
        print(f"bench: {name} pair {index + 1}/{pairs}: {mine.seconds:.1f} s vs {theirs.seconds:.1f} s", flush=True)
    return Comparison(name, budget, measured)


def report(comparisons: list[Comparison]) -> int:
    print(f"\n{'command':<34} {'median s':>8} {'anchor s':>8} {'peak MiB':>9} {'ratio':>6} {'spread':>7}  budget")
    failed = False
    for item in comparisons:
        ours = statistics.median(run.seconds for run, _ in item.pairs)
        anchor = statistics.median(run.seconds for _, run in item.pairs)
        peak = max(run.peak_mib for run, _ in item.pairs)
        ratios = ", ".join(f"{ratio:.2f}" for ratio in item.ratios)
        print(
            f"{item.name:<34} {ours:>8.1f} {anchor:>8.1f} {peak:>9.0f} {item.median:>6.2f} {item.spread:>6.0%}"
            f"  <= {item.budget}x {item.verdict} (pairs: {ratios})"
        )
        failed |= item.verdict == "OVER"
    if any(item.verdict == "UNSURE" for item in comparisons):
        print(f"UNSURE: the pair ratios spread over {SPREAD_LIMIT:.0%} of their median: the machine's load moved them "
              "too much to judge; run again when it is quieter, or with more --pairs")  # fmt: skip
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min); make synth = every environment of both clouds")
    print(f"incl. cdk-nag, side by side; one environment = {ONE_ENVIRONMENT} through each cloud's CLI")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=_positive, default=3, help="interleaved (ours, anchor) pairs per comparison")
    parser.add_argument("--skip-test", action="store_true", help="leave `make test` out")
    parser.add_argument("--only-environment", action="store_true", help="measure the one-environment CLI run only")
    args = parser.parse_args(argv)
    install_anchor()
    cdk, cdktf = str(ROOT / "node_modules/.bin/cdk"), str(ROOT / "node_modules/.bin/cdktf")
    anchor_aws: Subject = [([cdk, "synth", "--quiet", "-o", "cdk.out"], ANCHOR / "aws")]
    anchor_both: Subject = [*anchor_aws, ([cdktf, "synth"], ANCHOR / "gcp")]
    anchor_gcp: Subject = [([cdktf, "synth"], ANCHOR / "gcp")]
    # The operator's everyday loop: one environment through each cloud's CLI, into folders of their own (cdk.out and
    # cdktf.out stay), each against its cloud's hello-world through the same CLI.
    one_aws = [cdk, "synth", "--quiet", "-c", f"env={ONE_ENVIRONMENT}", "-o", str(ANCHOR / "one-environment.out")]
    one_gcp = ["env", f"BB_ENV={ONE_ENVIRONMENT}", cdktf, "synth", "--output", str(ANCHOR / "one-environment-gcp.out")]
    comparisons = [
        compare(f"cdk synth -c env={ONE_ENVIRONMENT}", [(one_aws, ROOT)], anchor_aws, args.pairs, BUDGETS["one"]),
        compare(f"BB_ENV={ONE_ENVIRONMENT} cdktf synth", [(one_gcp, ROOT)], anchor_gcp, args.pairs, BUDGETS["one"]),
    ]
    if not args.only_environment:
        synth = [(["make", "--no-print-directory", "synth"], ROOT)]
        comparisons.append(compare("make synth", synth, anchor_both, args.pairs, BUDGETS["make synth"]))
        if not args.skip_test:
            test = [(["make", "--no-print-directory", "test"], ROOT)]
            comparisons.append(compare("make test", test, anchor_both, args.pairs, BUDGETS["make test"]))
    return report(comparisons)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number")
    return int(value)


if __name__ == "__main__":
    sys.exit(main())
