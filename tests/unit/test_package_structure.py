"""scaffold's own house: no import cycles, no private names across modules, each module alone.

The import graph is read from the source (module-level imports, ``TYPE_CHECKING`` blocks and
imports inside functions left out: those run later, when every module is loaded).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import scaffold

PACKAGE = Path(scaffold.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = package[: len(package) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names, line) for each import that runs when ``module`` loads."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, list[str], int]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((a.name, [], node.lineno) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.append((_resolve(module, node), [a.name for a in node.names], node.lineno))
            elif isinstance(node, ast.If) and not _is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(tree.body)
    return found


def _all_imports(module: str) -> list[tuple[str, list[str], int]]:
    """Every ``from X import a, b`` of ``module``, wherever it is (functions included)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return [
        (_resolve(module, node), [a.name for a in node.names], node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    ]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        edges = set()
        for target, names, _line in _top_level_imports(module):
            candidates = [f"{target}.{n}" for n in names] + [target]
            edges |= {c for c in candidates if c in MODULES and c != module}
        graph[module] = edges
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_the_package_s_imports() -> None:
    graph = _graph()
    assert "scaffold.errors" in graph["scaffold.project"]
    assert "scaffold.cli_cohort" in graph["scaffold.cli"]
    assert "scaffold.gitrepo" in graph["scaffold.update_check"]


def test_no_import_cycle_between_modules() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_no_module_imports_a_private_name_from_another() -> None:
    private = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: from {target} import {name}"
        for module in MODULES
        for target, names, line in _all_imports(module)
        if target.split(".")[0] == "scaffold" and target != module
        for name in names
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
    ]
    assert private == []


def test_the_cli_modules_do_not_import_each_other_s_helpers() -> None:
    imported = {target for target, _names, _line in _all_imports("scaffold.cli_cohort")}
    assert "scaffold.cli" not in imported
    assert "scaffold._console" in imported


_IMPORT_EACH = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "scaffold" or m.startswith("scaffold.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def test_each_module_imports_alone() -> None:
    """Importing any one module first works: scaffold's modules are unloaded between imports.

    One interpreter for all (third-party packages stay loaded, so it takes seconds, not a
    minute); every scaffold module is executed again from scratch for each name.
    """
    modules = sorted(set(MODULES) - {"scaffold.__main__"})
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *modules], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == ""


def test_an_import_cycle_makes_a_module_fail_alone(tmp_path: Path) -> None:
    """The check above sees a real cycle (a partially initialised module)."""
    (tmp_path / "scaffold").mkdir()
    (tmp_path / "scaffold" / "__init__.py").write_text("")
    (tmp_path / "scaffold" / "a.py").write_text("from scaffold.b import B\nA = 1\n")
    (tmp_path / "scaffold" / "b.py").write_text("from scaffold.a import A\nB = 2\n")
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, "scaffold.a", "scaffold.b"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert "scaffold.a: ImportError" in proc.stdout
    assert "scaffold.b: ImportError" in proc.stdout
