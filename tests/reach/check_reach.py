"""`make reach`: every settings field reaches exactly where shared/reach.py says, and parity reads back every field
that reaches both clouds.

Outside `make test` (it synthesizes production about 130 times per cloud): tests/reach/worker.py does each cloud in
one process (jsii starts once), AWS in chunks so no jsii process grows without bound, both clouds side by side. Then:
- a field's variant changes AWS's output if and only if its row says AWS (both, AWS only), likewise GCP; a
  tooling-only field changes neither, and the module its row names reads it;
- for every both-clouds field, parity fed one cloud's output of the variant and the other's of the base (the
  settings of the base) fails on a row that names the field, for each cloud in turn.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reports.parity import rows
from shared.environments import DEFINITIONS
from shared.reach import NOT_YET_READ, REACH, Where, apply, variants
from tests.synth import ROOT

VARIANTS = {variant.field: variant for variant in variants()}
BASES = sorted({variant.base for variant in VARIANTS.values()})
AWS_CHUNK = 32  # variants per AWS process: each synthesis keeps ~20 MB alive inside jsii


def _jobs() -> list[tuple[str, list[str]]]:
    """(cloud, worker arguments): GCP in one process, AWS's bases and then its variants in chunks."""
    fields = list(VARIANTS)
    jobs = [("gcp", ["--bases", *BASES, "--fields", *fields]), ("aws", ["--bases", *BASES])]
    return jobs + [("aws", ["--fields", *fields[i : i + AWS_CHUNK]]) for i in range(0, len(fields), AWS_CHUNK)]


def _run(index: int, cloud: str, arguments: list[str], scratch) -> tuple[str, dict]:
    out = scratch / f"{cloud}-{index}.pickle"
    subprocess.run([sys.executable, "-m", "tests.reach.worker", cloud, str(out), *arguments], cwd=ROOT, check=True)
    return cloud, pickle.loads(out.read_bytes())


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, dict]:
    scratch = tmp_path_factory.mktemp("reach")
    started = time.perf_counter()
    results: dict[str, dict] = {"aws": {}, "gcp": {}}
    # two at a time: the GCP process beside the AWS chunks, one after the other
    with ThreadPoolExecutor(2) as pool:
        for cloud, found in pool.map(lambda job: _run(job[0], *job[1], scratch), enumerate(_jobs())):
            results[cloud].update(found)
    print(f"\nreach: {len(VARIANTS)} variants per cloud measured in {time.perf_counter() - started:.0f} s")
    return results


def _changed(results: dict, field: str) -> list[str]:
    """The parts (stack: resource) of one cloud's output that the field's variant changed."""
    base, got = results[f"base:{VARIANTS[field].base}"]["digests"], results[field]["digests"]
    return [
        f"{stack}: {part}"
        for stack in sorted(set(base) | set(got))
        for part in sorted(set(base.get(stack, {})) | set(got.get(stack, {})))
        if base.get(stack, {}).get(part) != got.get(stack, {}).get(part)
    ]


def test_every_variant_is_valid_and_changes_its_field():
    for field, variant in VARIANTS.items():
        settings = apply(variant)  # raises SettingsError when the table's value no longer validates
        assert field in variant.changes
        assert settings != DEFINITIONS[variant.base]()


def test_only_the_named_fields_are_left_unread():
    """rpo/rto are read by the disaster-recovery work (issue 19); nothing else may sit unread."""
    assert set(NOT_YET_READ) <= {"resilience.rpo_minutes", "resilience.rto_minutes"}
    for field in NOT_YET_READ:
        assert REACH[field].where is Where.BOTH and "issue 19" in REACH[field].why


@pytest.mark.parametrize("field", list(VARIANTS))
def test_the_field_reaches_where_its_row_says(measured, field):
    variant = VARIANTS[field]
    reach = [REACH[name] for name in variant.changes]  # fields that must move together: their reaches combined
    wants_aws, wants_gcp = any(r.aws for r in reach), any(r.gcp for r in reach)
    if field in NOT_YET_READ:
        wants_aws = wants_gcp = False
    aws, gcp = _changed(measured["aws"], field), _changed(measured["gcp"], field)
    assert (bool(aws), bool(gcp)) == (wants_aws, wants_gcp), (
        f"{field} is classified {REACH[field].where.value}, but changing it to {dict(variant.changes)} changed "
        f"AWS: {aws[:5] or 'nothing'}; GCP: {gcp[:5] or 'nothing'}"
    )
    for cloud, found in (("aws", measured["aws"]), ("gcp", measured["gcp"])):
        assert found[field]["failures"] == [], f"{cloud} synthesis of {field}'s variant reports findings"
    if REACH[field].where is Where.TOOLING:
        attribute = field.rpartition(".")[2]
        for reader in REACH[field].readers:
            assert attribute in inspect.getsource(importlib.import_module(reader)), f"{reader} never reads {field}"


BOTH = [field for field in VARIANTS if REACH[field].where is Where.BOTH and field not in NOT_YET_READ]


@pytest.mark.parametrize("field", BOTH)
@pytest.mark.parametrize("tampered", ["aws", "gcp"])
def test_parity_fails_naming_the_field_when_one_cloud_differs(measured, field, tampered):
    variant = VARIANTS[field]
    base = DEFINITIONS[variant.base]()
    outputs = {cloud: measured[cloud][f"base:{variant.base}"]["parity"] for cloud in ("aws", "gcp")}
    assert not any(isinstance(value, str) for value in outputs.values()), outputs
    assert all(row.agrees for row in rows(base, outputs["aws"], outputs["gcp"])), "the base must agree first"
    outputs[tampered] = measured[tampered][field]["parity"]
    assert not isinstance(outputs[tampered], str), outputs[tampered]
    failing = [row for row in rows(base, outputs["aws"], outputs["gcp"]) if not row.agrees]
    naming = [row.concept.name for row in failing if field in row.concept.fields]
    assert naming, f"{tampered.upper()}'s output with {field} changed passes parity" + (
        f" (rows failing without naming it: {[row.concept.name for row in failing]})" if failing else ""
    )
