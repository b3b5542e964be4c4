"""The layering the project promises (docs/architecture.md), checked on the source tree.

* No two packages of ``dl_lab`` import each other, and the library never imports Kedro's
  wiring (``dl_lab.pipelines``) back.
* Every Lightning ``Trainer`` is built in ``training/trainer.py``.
* Every ``nn.Module`` subclass lives in ``models/`` (task LightningModules in ``training/``).
* Every ``pipeline.py`` is written with the kit: keyword-argument ``node(...)`` calls, no
  ``Node(...)`` of its own, no private wiring helpers.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "dl_lab"
TOP_MODULES = {"tracking", "datasets", "errors", "config", "registry", "hooks", "settings"}


def _package(path: Path) -> str:
    """The first-level part of ``dl_lab`` a file belongs to (a package or a module)."""
    part = path.relative_to(SRC).parts[0]
    return part.removesuffix(".py")


def _imported(tree: ast.AST) -> set[str]:
    names = set()
    for item in ast.walk(tree):
        if isinstance(item, ast.ImportFrom) and item.module and item.module.startswith("dl_lab"):
            parts = item.module.split(".")
            if len(parts) > 1:
                names.add(parts[1])
            else:  # from dl_lab import tracking, errors
                names.update(alias.name for alias in item.names)
        elif isinstance(item, ast.Import):
            for alias in item.names:
                if alias.name.startswith("dl_lab."):
                    names.add(alias.name.split(".")[1])
    return names


def _sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(SRC.rglob("*.py"))]


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree in _sources():
        package = _package(path)
        graph[package] |= {name for name in _imported(tree) if name != package}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def test_no_two_packages_import_each_other():
    assert _cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_library_knows_nothing_of_the_wiring():
    wiring = {"pipelines", "pipeline_registry", "settings", "hooks", "cli"}
    graph = import_graph()
    library = set(graph) - wiring - {"__init__", "__main__"}
    offenders = {pkg: graph[pkg] & wiring for pkg in library if graph[pkg] & wiring}
    assert offenders == {}


def _calls(tree: ast.AST, name: str) -> list[int]:
    lines = []
    for item in ast.walk(tree):
        if isinstance(item, ast.Call):
            func = item.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == name:
                lines.append(item.lineno)
    return lines


def test_every_trainer_is_built_in_the_trainer_factory():
    builders = {
        str(path.relative_to(SRC)): lines
        for path, tree in _sources()
        if (lines := _calls(tree, "Trainer"))
    }
    assert list(builders) == ["training/trainer.py"]


def test_every_network_lives_in_models():
    outside = []
    for path, tree in _sources():
        area = _package(path)
        for item in ast.walk(tree):
            if isinstance(item, ast.ClassDef):
                bases = {ast.unparse(base) for base in item.bases}
                if bases & {"nn.Module", "torch.nn.Module", "Module"} and area != "models":
                    outside.append(f"{path.relative_to(SRC)}:{item.name}")
    allowed = {  # not networks: layers a task module or the data path composes
        "training/classification.py:Standardize",
        "training/regularizers.py:WeightPenalty",
        "data/augmentation.py:BatchAugmenter",
    }
    assert sorted(set(outside) - allowed) == []


def test_every_pipeline_is_wired_with_the_kit():
    for path in sorted((SRC / "pipelines").glob("*/pipeline.py")):
        tree = ast.parse(path.read_text())
        where = path.relative_to(SRC)
        assert _calls(tree, "Node") == [], f"{where} builds Node(...) itself"
        private = [f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
        private = [name for name in private if name.startswith("_")]
        assert private == [], f"{where} has private wiring helpers {private}"
        for line in _calls(tree, "node"):
            call = next(c for c in ast.walk(tree) if isinstance(c, ast.Call) and c.lineno == line)
            if len(call.args) > 1:
                assert not isinstance(call.args[1], ast.List | ast.Tuple | ast.Constant), (
                    f"{where}:{line} passes positional inputs; use a dict of keyword inputs"
                )
        assert any(
            isinstance(i, ast.ImportFrom) and i.module == "dl_lab.pipelines._kit"
            for i in ast.walk(tree)
        ), f"{where} does not use the kit"
