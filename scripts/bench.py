"""`make bench`: `make synth` and `make test` against an anchor, measured side by side in one run.

The anchor is the design card's original toolchain: aws-cdk-lib 2.275 with cdk-nag, and the archived
cdktf 0.21 with its google provider 16.12.1, each synthesizing one hello-world stack (a bucket) through
its CLI, one after the other. It is installed from `scripts/anchor/requirements.txt` into `.deps/anchor/`
(once) and never used by the platform. Budgets: `make synth` within 0.75x of the anchor, `make test`
within 2.0x. Peak memory is the largest total RSS of a command and all its children (the jsii Node.js
runtimes do much of the work). `--repeat N` keeps the fastest of N runs of each command.
"""

from __future__ import annotations

import argparse
import json
import os
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
BUDGETS = {"make synth": 0.75, "make test": 2.0}
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


def fastest(command: list[str], cwd: Path, repeat: int) -> Measurement:
    runs = [measure(command, cwd) for _ in range(repeat)]
    return min(runs, key=lambda run: run.seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the fastest counts")
    parser.add_argument("--skip-test", action="store_true", help="measure make synth only")
    args = parser.parse_args(argv)
    install_anchor()
    cdk, cdktf = str(ROOT / "node_modules/.bin/cdk"), str(ROOT / "node_modules/.bin/cdktf")
    anchor_aws = fastest([cdk, "synth", "--quiet", "-o", "cdk.out"], ANCHOR / "aws", args.repeat)
    anchor_gcp = fastest([cdktf, "synth"], ANCHOR / "gcp", args.repeat)
    anchor = Measurement(anchor_aws.seconds + anchor_gcp.seconds, max(anchor_aws.peak_mib, anchor_gcp.peak_mib))
    rows = [("anchor: aws hello (cdk + cdk-nag)", anchor_aws), ("anchor: gcp hello (cdktf 0.21)", anchor_gcp)]
    rows.append(("anchor (one after the other)", anchor))
    ours = {"make synth": fastest(["make", "--no-print-directory", "synth"], ROOT, args.repeat)}
    if not args.skip_test:
        ours["make test"] = fastest(["make", "--no-print-directory", "test"], ROOT, args.repeat)
    print(f"\n{'command':<36} {'seconds':>8} {'peak MiB':>9} {'ratio':>6}  budget")
    for name, result in rows:
        print(f"{name:<36} {result.seconds:>8.1f} {result.peak_mib:>9.0f}")
    within = True
    for name, result in ours.items():
        ratio = result.seconds / anchor.seconds
        ok = ratio <= BUDGETS[name]
        within &= ok
        verdict = f"<= {BUDGETS[name]}x {'ok' if ok else 'OVER'}"
        print(f"{name:<36} {result.seconds:>8.1f} {result.peak_mib:>9.0f} {ratio:>6.2f}  {verdict}")
    print(f"{os.cpu_count()} cores; make synth = every environment of both clouds incl. cdk-nag, side by side")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
