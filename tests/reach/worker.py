"""One cloud's half of `make reach`: synthesize the base environments and every variant of shared/reach.py in this
one process (jsii starts once), and write, per variant, a digest of every resource and what parity reads back.

Run by tests/reach/check_reach.py, one process per cloud so the two use both cores:
`python -m tests.reach.worker aws OUT.pickle`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

from shared.environments import DEFINITIONS
from shared.reach import BASE, Variant, apply, variants

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

Digests = dict[str, dict[str, str]]  # stack -> part ("Resources/Api", "resource/google_x/y") -> sha256


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _parts(document: dict, depth: int) -> dict[str, str]:
    """Each resource (AWS: `Resources/<id>`; Terraform: `resource/<type>/<name>`) and other top-level block."""
    found = {}
    for key, value in document.items():
        if isinstance(value, dict) and depth > 0 and key in ("Resources", "Outputs", "resource", "data", "output"):
            inner = value.items()
            for name, item in inner:
                if depth > 1 and isinstance(item, dict) and key in ("resource", "data"):
                    found.update({f"{key}/{name}/{sub}": _digest(body) for sub, body in item.items()})
                else:
                    found[f"{key}/{name}"] = _digest(item)
        else:
            found[key] = _digest(value)
    return found


def _as_base(stacks: dict[str, dict], prefix: str, base_prefix: str) -> dict[str, dict]:
    """Stack names under the base's prefix, so a renamed project still reads as the same environment's output."""
    return {base_prefix + name.removeprefix(prefix): body for name, body in stacks.items()}


def synth_aws(settings, outdir: Path) -> tuple[dict[str, dict], list[str]]:

    from aws_stacks.platform import build_platform, new_app
    from aws_stacks.selection import APP_CONTEXT
    from tests.synth import REPORT_INSTEAD_OF_FAILING, cdk_json_context

    app = new_app(context={**cdk_json_context(), **APP_CONTEXT, **REPORT_INSTEAD_OF_FAILING}, outdir=str(outdir))
    stacks = build_platform(app, [settings])
    assembly = app.synth()
    templates = {stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template for stack in stacks}
    return templates, _failures(outdir / "validation-report.json")


def _failures(report: Path) -> list[str]:
    """Open findings of every validation plugin (cdk-nag packs, CloudFormation's own checks): rule and construct."""
    if not report.exists():
        return []
    return [
        f"{plugin['pluginName']} {violation['ruleName']}: {construct['constructPath']}"
        for plugin in json.loads(report.read_text())["pluginReports"]
        for violation in plugin.get("violations", [])
        for construct in violation["violatingConstructs"]
    ]


def synth_gcp(settings, outdir: Path) -> tuple[dict[str, dict], list[str]]:
    from cdktn import Testing

    from gcp_stacks.platform import TARGET_VERSIONS, add_environment

    app = Testing.app()
    app.node.set_context("targetVersions", TARGET_VERSIONS)
    stacks = add_environment(app, settings)
    # run_validations raises on a failed validation: the variant's synthesis is refused, as `cdktf synth` would
    return {stack.node.id: json.loads(Testing.synth(stack, run_validations=True)) for stack in stacks}, []


def measure(cloud: str, wanted: list[Variant], bases: list[str]) -> dict[str, object]:
    from reports.parity import extract_aws, extract_gcp

    synth, extract = {"aws": (synth_aws, extract_aws), "gcp": (synth_gcp, extract_gcp)}[cloud]
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch:

        def one(key: str, settings, base) -> None:
            started = time.perf_counter()
            synthesized, failures = synth(settings, Path(scratch) / key.replace(":", "-"))
            stacks = _as_base(synthesized, settings.prefix, base.prefix)
            try:
                parity = extract(stacks, base)
            except Exception as error:  # an unreadable output is a finding: the check reports it
                parity = f"{type(error).__name__}: {error}"
            results[key] = {
                "digests": {name: _parts(body, 2) for name, body in stacks.items()},
                "parity": parity,
                "failures": failures,
                "seconds": time.perf_counter() - started,
            }

        for name in sorted(bases):
            settings = DEFINITIONS[name]()
            one(f"base:{name}", settings, settings)
        for variant in wanted:
            one(variant.field, apply(variant), DEFINITIONS[variant.base]())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reach.worker", description=__doc__.splitlines()[0])
    parser.add_argument("cloud", choices=("aws", "gcp"))
    parser.add_argument("out", type=Path, help="where to write the pickled results")
    parser.add_argument("--fields", nargs="*", default=[], help="the fields whose variants to measure")
    parser.add_argument("--bases", nargs="*", default=[], help=f"base environments to measure (e.g. {BASE})")
    args = parser.parse_args(argv)
    wanted = [v for v in variants() if v.field in args.fields]
    args.out.write_bytes(pickle.dumps(measure(args.cloud, wanted, args.bases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
