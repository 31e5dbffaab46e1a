"""shared/code_cache.cjs: a module compiles once, later runs reuse its code; changed or damaged entries never run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from shared import code_cache

# Over the preload's smallest size, so it is cached; `filler` makes it so.
MODULE = """'use strict';
const helper = require('./helper.js');
const filler = %s;
module.exports = { answer: %s, helper: helper(), here: __filename, resolved: require.resolve('./helper.js'), filler };
"""


def _write_module(folder: Path, answer: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "helper.js").write_text("module.exports = () => 'helped';\n")
    module = folder / "module.js"
    module.write_text(MODULE % (json.dumps("x" * 5000), answer))
    return module


def _package(root: Path, answer: str) -> Path:
    return _write_module(root / "node_modules" / "pkg", answer)


def _environ(cache: Path, report: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the preload enabled afresh on `cache` (the session enabled its own)."""
    environ = {
        key: value for key, value in os.environ.items() if key not in ("NODE_OPTIONS", "BOOKEDBARBER_CODE_CACHE_DIR")
    }
    code_cache.enable(environ, directory=cache)
    environ.update(BOOKEDBARBER_CODE_CACHE_REPORT=str(report), **extra)
    return environ


def _run(module: Path, cache: Path, report: Path, **extra: str) -> dict:
    environ = _environ(cache, report, **extra)
    script = f"const m = require({json.dumps(str(module))}); console.log(JSON.stringify({{...m, filler: undefined}}))"
    done = subprocess.run(["node", "-e", script], env=environ, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _counts(report: Path) -> dict:
    """The node process's hits and compiles (the report's last line), then a fresh report for the next run."""
    lines = report.read_text().splitlines() if report.exists() else []
    report.unlink(missing_ok=True)
    counts = json.loads(lines[-1]) if lines else {}
    counts.pop("pid", None)
    return counts


def _entries(cache: Path) -> list[Path]:
    return sorted(path for path in cache.rglob("*") if path.is_file())


def test_a_module_compiles_once_and_later_runs_reuse_it_with_the_same_behaviour(tmp_path):
    module, cache, report = _package(tmp_path, "42"), tmp_path / "cache", tmp_path / "report"
    first = _run(module, cache, report)
    assert len(_entries(cache)) == 1
    second = _run(module, cache, report)
    assert (
        second
        == first
        == {
            "answer": 42,
            "helper": "helped",
            "here": str(module),
            "resolved": str(module.parent / "helper.js"),
        }
    )


def test_the_second_run_reads_the_entry_instead_of_compiling(tmp_path):
    module, cache, report = _package(tmp_path, "1"), tmp_path / "cache", tmp_path / "report"
    _run(module, cache, report)
    assert _counts(report) == {"hits": 0, "compiled": 1}
    _run(module, cache, report)
    assert _counts(report) == {"hits": 1, "compiled": 0}


def test_the_same_bytes_at_another_path_reuse_the_entry(tmp_path):
    # jsii links the packages into a new temporary folder every run: the entry is keyed by content, not path.
    cache, report = tmp_path / "cache", tmp_path / "report"
    _run(_package(tmp_path / "run-1", "7"), cache, report)
    _counts(report)
    moved = _package(tmp_path / "run-2", "7")
    assert _run(moved, cache, report)["here"] == str(moved)
    assert _counts(report) == {"hits": 1, "compiled": 0}


def test_changed_code_runs_as_changed_even_at_the_same_length(tmp_path):
    cache, report = tmp_path / "cache", tmp_path / "report"
    module = _package(tmp_path, "11")
    assert _run(module, cache, report)["answer"] == 11
    _package(tmp_path, "22")  # same length, other code
    assert _run(module, cache, report)["answer"] == 22
    assert len(_entries(cache)) == 2


def test_a_damaged_entry_is_rejected_compiled_from_source_and_replaced(tmp_path):
    module, cache, report = _package(tmp_path, "5"), tmp_path / "cache", tmp_path / "report"
    _run(module, cache, report)
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a code cache")
    _counts(report)
    assert _run(module, cache, report)["answer"] == 5
    assert _counts(report) == {"hits": 0, "compiled": 1}
    assert entry.read_bytes() != b"not a code cache"


def test_only_packages_are_cached(tmp_path):
    # Cached code names the path it was first compiled at in stack traces: aws-cdk-lib folds package frames by
    # `/node_modules/` wherever they are, but tells the jsii runtime's frames by this run's folder.
    module, cache, report = _write_module(tmp_path / "lib", "9"), tmp_path / "cache", tmp_path / "report"
    assert _run(module, cache, report)["answer"] == 9
    assert _entries(cache) == [] and _counts(report) == {"hits": 0, "compiled": 0}


def test_nodes_own_switch_turns_it_off(tmp_path):
    module, cache, report = _package(tmp_path, "3"), tmp_path / "cache", tmp_path / "report"
    assert _run(module, cache, report, NODE_DISABLE_COMPILE_CACHE="1")["answer"] == 3
    assert not cache.exists() and not report.exists()


def test_enable_keeps_the_callers_node_options_and_adds_the_preload_once(tmp_path):
    environ = {"NODE_OPTIONS": "--max-semi-space-size=16"}
    code_cache.enable(environ, directory=tmp_path)
    code_cache.enable(environ, directory=tmp_path)
    assert environ["NODE_OPTIONS"] == f'--max-semi-space-size=16 --require "{code_cache.PRELOAD}"'
    assert environ["BOOKEDBARBER_CODE_CACHE_DIR"] == str(tmp_path)
    assert not any(name.startswith("BB_") for name in environ)  # the settings' namespace, read by the fingerprint


def test_one_cache_per_set_of_locks_and_an_upgrade_removes_the_old(tmp_path):
    root, caches = tmp_path / "checkout", tmp_path / "caches"
    root.mkdir()
    (root / "uv.lock").write_text("aws-cdk-lib 2.275.0\n")
    (root / "package-lock.json").write_text("{}\n")
    before = code_cache.current(caches, root)
    assert code_cache.current(caches, root) == before
    (before / "entry").parent.mkdir(parents=True)
    (before / "entry").write_bytes(b"code")
    (root / "uv.lock").write_text("aws-cdk-lib 2.276.0\n")
    after = code_cache.current(caches, root)
    assert after != before and not before.exists()


def test_a_module_that_may_call_import_takes_nodes_way_and_imports_on_every_run(tmp_path):
    # Code made from cached data loses its import() callback on Node 20: such a module is never cached.
    folder = tmp_path / "node_modules" / "dynamic"
    folder.mkdir(parents=True)
    module = folder / "index.js"
    module.write_text(f"const filler = {json.dumps('x' * 5000)};\nmodule.exports = () => import('node:path');\n")
    cache, report = tmp_path / "cache", tmp_path / "report"
    script = f"require({json.dumps(str(module))})().then((p) => console.log(typeof p.join))"
    environ = _environ(cache, report)
    for _ in range(2):
        done = subprocess.run(["node", "-e", script], env=environ, capture_output=True, text=True, check=True)
        assert (done.stdout, done.stderr) == ("function\n", "")
        assert _counts(report) == {"hits": 0, "compiled": 0}
    assert _entries(cache) == []


def test_what_only_nodes_loader_accepts_takes_its_way(tmp_path):
    module = _package(tmp_path, "8")
    module.write_text("#!/usr/bin/env node\n" + module.read_text())  # a shebang: a syntax error once wrapped
    cache, report = tmp_path / "cache", tmp_path / "report"
    assert _run(module, cache, report)["answer"] == 8
    assert _entries(cache) == []


def test_leftovers_of_a_killed_writer_are_swept_by_the_next_writer(tmp_path):
    cache, report = tmp_path / "cache", tmp_path / "report"
    _run(_package(tmp_path / "a", "1"), cache, report)
    (folder,) = [path for path in cache.iterdir() if path.is_dir()]
    leftover, recent = folder / "dead.1.partial", folder / "busy.2.partial"
    leftover.write_bytes(b"half")
    recent.write_bytes(b"being written")
    os.utime(leftover, (0, 0))
    _run(_package(tmp_path / "b", "2"), cache, report)  # a new module: this run writes, then sweeps
    assert not leftover.exists() and recent.exists()
