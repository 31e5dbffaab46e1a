"""The project's import graph, read with `ast` (nothing is imported): no circle, no reach into another package's
internals, and reports never call operator commands."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.synth import ROOT

# On one xdist worker: the graph (every project file parsed) is built once per process.
pytestmark = pytest.mark.xdist_group("import_graph")

PACKAGES = ("shared", "aws_stacks", "gcp_stacks", "ops", "reports", "scripts", "tests")
ENTRY_POINTS = ("app.py", "gcp_app.py")


@functools.cache
def module_files() -> dict[str, Path]:
    """Module name -> file, for every project module (a package is its `__init__`)."""
    found = {Path(name).stem: ROOT / name for name in ENTRY_POINTS}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__snapshots__" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path, known: set[str], root: Path = ROOT) -> list[tuple[str, str]]:
    """(imported module, imported name or "") for every import in the file, at any depth (functions and
    `if TYPE_CHECKING:` blocks too: a circle only type checkers see is still a circle)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                # `from pkg import module` imports the module; `from module import name` the module.
                child = f"{base}.{alias.name}"
                found.append((child, "") if child in known else (base, alias.name))
    return found


@functools.cache
def project_imports() -> dict[str, list[tuple[str, str]]]:
    """`imports_of` every project module, parsed once per session (the tests below share it)."""
    files = module_files()
    known = set(files)
    return {module: imports_of(path, known) for module, path in files.items()}


def import_graph() -> dict[str, set[str]]:
    known = set(module_files())
    return {
        module: {target for target, _ in imports if target in known and target != module}
        for module, imports in project_imports().items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module (Tarjan), as a path that closes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_circle(graph, component) for component in components]


def _circle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module] & component):
                if target == start:
                    return [*paths[module], start]
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no circle through {start}")


def test_the_graph_sees_the_project():
    graph = import_graph()
    assert {"shared.settings", "aws_stacks.data", "gcp_stacks.platform", "ops.deploy", "reports.cost"} <= set(graph)
    assert "aws_stacks.outputs" in graph["aws_stacks.data"]
    assert "shared.errors" in graph["shared.settings"]


def test_no_import_circle_anywhere():
    found = cycles(import_graph())
    assert found == [], "import circles: " + "; ".join(" -> ".join(circle) for circle in found)


def test_a_circle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_function_level_relative_and_type_checking_imports_count(tmp_path):
    (tmp_path / "aws_stacks").mkdir()
    path = tmp_path / "aws_stacks" / "outputs.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from aws_stacks.data import Database\n"
        "def later():\n    from . import nag\n    from .security import _frozen\n"
    )
    known = {"aws_stacks.data", "aws_stacks.nag", "aws_stacks.security"}
    assert imports_of(path, known, root=tmp_path) == [
        ("typing", "TYPE_CHECKING"),
        ("aws_stacks.data", "Database"),
        ("aws_stacks.nag", ""),
        ("aws_stacks.security", "_frozen"),
    ]


def test_no_package_imports_another_packages_internals():
    """An underscore name is private to its package: outside it, use (or make) a public name."""
    known = set(module_files())
    found = []
    for module, imports in project_imports().items():
        own = module.split(".")[0]
        for target, name in imports:
            if target in known and target.split(".")[0] != own and name.startswith("_"):
                found.append(f"{module} imports {target}.{name}")
    assert found == []


def test_reports_never_import_operator_commands():
    """A report reads settings and outputs; it acts on nothing, so it needs nothing from ops/."""
    graph = import_graph()
    found = [f"{module} -> {target}" for module in graph if module.startswith("reports") for target in graph[module]]
    assert [edge for edge in found if edge.split(" -> ")[1].startswith("ops")] == []
