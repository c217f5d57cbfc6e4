"""SC5xx: real tests, and code that does not depend on one machine's paths."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scaffold.checks.base import Finding, check
from scaffold.checks.repo import Repo

#: Home directories (Linux, macOS, WSL, Colab's Drive) and Windows drive paths.
_ABSOLUTE = re.compile(r"^(?:/home/|/Users/|/root/|/mnt/[a-z]/|/content/drive/|[A-Za-z]:[\\/])")
#: A cheap test on the raw text before a file is parsed.
_PREFILTER = re.compile(r"/home/|/Users/|/root/|/mnt/|/content/drive/|[A-Za-z]:[\\/]")
_SHOWN = 60


def test_files(repo: Repo) -> list[str]:
    """Return the pytest-style test modules: ``test_*.py`` and ``*_test.py``."""
    return [
        f
        for f in repo.python_files()
        if PurePosixPath(f).name.startswith("test_") or f.endswith("_test.py")
    ]


def _parse(repo: Repo, path: str) -> ast.Module | None:
    try:
        return ast.parse(repo.read(path), filename=path)
    except (SyntaxError, ValueError):
        return None


def _is_test_class(node: ast.ClassDef) -> bool:
    """A pytest ``Test*`` class, or a unittest/Django-style ``*Test(s)`` / ``TestCase`` subclass."""
    bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
    return (
        node.name.startswith("Test")
        or node.name.endswith(("Test", "Tests", "TestCase"))
        or any(str(b).endswith("TestCase") for b in bases)
    )


def _test_functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Yield module-level ``test*`` functions and ``test*`` methods of ``Test*`` classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name.startswith("test")
                ):
                    yield item


@check(
    "SC501",
    family="tests",
    title="Tests exist",
    why="Tests are the evidence that the code does what the README claims.",
    fix="Add tests/ with pytest tests of the behaviour (data validation, the model's "
    "interface, the API).",
)
def tests_exist(repo: Repo) -> list[Finding]:
    """Require at least one test function in a ``test_*.py`` / ``*_test.py`` module."""
    for path in test_files(repo):
        tree = _parse(repo, path)
        if tree is not None and next(_test_functions(tree), None) is not None:
            return []
    return [Finding("no test function in any test_*.py or *_test.py file")]


def _is_constant_assert(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant)


def _is_trivial(stmt: ast.stmt) -> bool:
    """A statement that tests nothing: pass, ``...``, a docstring, assert CONSTANT, raise NIE."""
    if isinstance(stmt, ast.Pass) or _is_constant_assert(stmt):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def placeholder_reason(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Return why a test function is a placeholder, or None when it tests something."""
    for stmt in function.body:
        if (
            isinstance(stmt, ast.Assert)
            and isinstance(stmt.test, ast.Constant)
            and (not stmt.test.value)
        ):
            return f"`assert {stmt.test.value!r}` always fails"
    if all(_is_trivial(stmt) for stmt in function.body):
        asserts = [s for s in function.body if _is_constant_assert(s)]
        if asserts:
            return "only asserts a constant: it always passes"
        return "has an empty body: it always passes"
    return None


@check(
    "SC502",
    family="tests",
    title="No placeholder tests",
    why="`assert True`, `pass` or `assert False` tests inflate the test count and prove nothing; "
    "reviewers read them as unfinished work.",
    fix="Replace each placeholder with a test of real behaviour, or delete it.",
    requires=("SC501",),
)
def no_placeholder_tests(repo: Repo) -> list[Finding]:
    """Report test functions that always pass or always fail, found with ``ast``."""
    findings = []
    for path in test_files(repo):
        tree = _parse(repo, path)
        if tree is None:
            findings.append(Finding("cannot be parsed as Python", path))
            continue
        for function in _test_functions(tree):
            if reason := placeholder_reason(function):
                findings.append(Finding(f"{function.name} {reason}", path, function.lineno))
    return findings


def _docstring_nodes(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


@check(
    "SC503",
    family="code",
    title="No absolute paths of one machine in the code",
    why="`/home/me/data.csv` works on one laptop only; the clone of a reviewer fails on it.",
    fix="Read paths relative to the project (e.g. `Path(__file__).parent`) or from settings "
    "(an environment variable documented in .env.example).",
)
def no_machine_paths(repo: Repo) -> list[Finding]:
    """Report string literals in ``.py`` files that are home-directory or drive paths."""
    findings = []
    for path in repo.python_files():
        if not _PREFILTER.search(repo.read(path)):
            continue
        tree = _parse(repo, path)
        if tree is None:
            continue
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and _ABSOLUTE.match(node.value.strip())
            ):
                literal = node.value.strip()
                shown = literal if len(literal) <= _SHOWN else literal[: _SHOWN - 3] + "..."
                findings.append(Finding(f"absolute path {shown!r}", path, node.lineno))
    return sorted(set(findings), key=lambda f: (f.path or "", f.line or 0))
