"""`make bench`: the cost of a full synth against the cost of merely importing what it uses.

Each measurement runs in a fresh process (imports are cached within one), and
peak memory is the largest total RSS of that process and its children (the jsii
Node.js runtime does much of the work). Budget: a full synth of both clouds and
all environments within 2x the cost of importing the libraries it uses. The
per-cloud ratios are for information: aws_cdk defers loading its JavaScript
assembly to first use, so its import looks cheap and its synth carries the load.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_RATIO = 2.0

CHILD_CODE = {
    ("aws", "import"): "import aws_stacks.platform",
    # The tests' synth: the CLI's context from cdk.json and the cdk-nag pack, as `cdk synth` runs it.
    ("aws", "synth"): (
        "import sys; from tests.synth import synth_aws; from pathlib import Path; "
        "result = synth_aws(Path(sys.argv[1])); assert result.templates"
    ),
    ("gcp", "import"): "import gcp_stacks.platform",
    # The entry point itself, as `cdktf synth` runs it.
    ("gcp", "synth"): (
        "import os, runpy, sys; os.environ['CDKTF_OUTDIR'] = sys.argv[1]; "
        "runpy.run_path('gcp_app.py', run_name='__main__')"
    ),
}


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


def measure(cloud: str, kind: str) -> tuple[float, float]:
    """Wall seconds and peak MiB of one fresh process doing `kind` for `cloud`."""
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", CHILD_CODE[(cloud, kind)], outdir], cwd=ROOT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_rss_kib(pid) for pid in _descendants(process.pid)))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    if code != 0:
        raise SystemExit(f"{cloud} {kind} failed with exit code {code}")
    return elapsed, peak / 1024


def main() -> int:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    print(f"{'cloud':<6} {'import s':>9} {'import MiB':>11} {'synth s':>8} {'synth MiB':>10} {'ratio':>6}  budget")
    totals = [0.0, 0.0]
    for cloud in ("aws", "gcp"):
        import_seconds, import_mib = measure(cloud, "import")
        synth_seconds, synth_mib = measure(cloud, "synth")
        ratio = synth_seconds / import_seconds
        totals[0] += import_seconds
        totals[1] += synth_seconds
        print(
            f"{cloud:<6} {import_seconds:>9.1f} {import_mib:>11.0f} {synth_seconds:>8.1f} {synth_mib:>10.0f} "
            f"{ratio:>6.2f}"
        )
    ratio = totals[1] / totals[0]
    within = ratio <= BUDGET_RATIO
    verdict = "ok" if within else f"over {BUDGET_RATIO}x"
    print(f"{'total':<6} {totals[0]:>9.1f} {'':>11} {totals[1]:>8.1f} {'':>10} {ratio:>6.2f}  {verdict}")
    print("synth = every environment, including cdk-nag (AWS) and writing the cloud assembly / cdktf.out")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
