"""Imports go one way: toolkit.core <- safety, reward_models <- toolkit (stages, eval, run) <- pipeline <- cli.

The test reads every module's imports (top-level and the lazy ones inside functions) with `ast`, so a
cycle hidden behind a function-level import fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("toolkit", "safety", "reward_models")
LOWER_LAYERS = {"toolkit.core": set(), "safety": {"toolkit.core"}, "reward_models": {"toolkit.core"}}


def unit(module: str) -> str | None:
    """The unit a cycle is checked between: a top-level package, or one first-level part of `toolkit`."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] != "toolkit":
        return parts[0]
    return ".".join(parts[:2]) if len(parts) > 1 else "toolkit"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Modules `path` imports; `from a import b` counts `a.b` when b is a module, else `a`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES)
    return found


MODULES = {module_name(path) for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def unit_graph() -> dict[str, set[str]]:
    """unit -> units it imports (self-edges dropped)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            source = unit(module_name(path))
            assert source is not None
            targets = {unit(name) for name in imported_modules(path)} - {None, source}
            graph.setdefault(source, set()).update(t for t in targets if t is not None)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path [a, b, ..., a], or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if state.get(nxt) is None and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_between_packages_or_toolkit_modules() -> None:
    cycle = find_cycle(unit_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("layer", sorted(LOWER_LAYERS))
def test_lower_layers_import_nothing_above_them(layer: str) -> None:
    above = unit_graph().get(layer, set()) - LOWER_LAYERS[layer]
    assert not above, f"{layer} imports {sorted(above)}; it may only import {sorted(LOWER_LAYERS[layer]) or 'nothing of ours'}"


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "d": {"a"}}) is None
