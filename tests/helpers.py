"""Helpers for tests: throwaway trees from a dict, git, deploy pairs, a generated repo's env."""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import subprocess
import sys
import tomllib
import types
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scaffold.catalog import load_catalog


def build_file_tree(root: Path, spec: Mapping[str, str | None]) -> Path:
    """Write ``spec`` (relative path -> text; None deletes the file) under ``root``."""
    for rel, text in spec.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def file_snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and permission bits, by relative path."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return stdout; fail the test on error."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def generated_repo_env() -> dict[str, str]:
    """The environment a generated repo's ``make`` runs in, in the e2e tests.

    This venv's tools (uv, ruff...) come first on PATH, ``PYTHON`` is this interpreter, and a
    ``VIRTUAL_ENV`` from outside does not leak into the repo's own venv.
    """
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
    }
    env.pop("VIRTUAL_ENV", None)
    return env


def deploy_pairs(full: bool) -> list[Any]:
    """Every deploy target once, templates cycled; ``full``: every template x target."""
    catalog = load_catalog()
    templates, targets = list(catalog.templates), list(catalog.deploy_targets)
    if full:
        pairs = [(t, d) for t in templates for d in targets]
    else:
        pairs = [(templates[i % len(templates)], d) for i, d in enumerate(targets)]
    return [pytest.param(t, d, id=f"{t}-deploy:{d}") for t, d in pairs]


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def read_lock(path: Path) -> dict[str, Any]:
    """Pins (name -> versions), hashes per pin, and the names pyproject.toml pulls in directly."""
    pins: dict[str, set[str]] = {}
    unhashed: list[str] = []
    direct: set[str] = set()
    current = ""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins.setdefault(current, set()).add(match[2])
            following = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
            if not following.startswith("--hash=sha256:"):
                unhashed.append(current)
        elif re.search(r"#\s+(via )?\S+ \(pyproject\.toml\)$", line):
            direct.add(current)
    return {"pins": pins, "unhashed": unhashed, "direct": direct}


def lock_problems(project: Path) -> list[str]:
    """How the locks in ``project/requirements`` disagree with its pyproject.toml (none: [])."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    makefile = (project / "Makefile").read_text()
    extras = re.search(r"^LOCK_EXTRAS := (.*)$", makefile, flags=re.M)
    if not extras:
        return ["the Makefile has no LOCK_EXTRAS line naming the extras all.txt covers"]
    optional = meta["optional-dependencies"]
    main = [Requirement(r) for r in meta["dependencies"]]
    dev = [Requirement(r) for r in optional["dev"]]
    every = [Requirement(r) for e in extras[1].split() for r in optional[e]]
    ui = [Requirement(r) for r in optional["ui"]]
    locks = {
        name: read_lock(project / "requirements" / f"{name}.txt")
        for name in ("runtime", "dev", "all", "ui")
    }
    problems = []
    wants = [("runtime", main), ("dev", main + dev), ("all", main + dev + every), ("ui", main + ui)]
    for name, wanted in wants:
        lock = locks[name]
        for req in wanted:
            key = canonicalize_name(req.name)
            versions = lock["pins"].get(key)
            if not versions:
                problems.append(f"{name}.txt: {req} is not locked")
            elif not all(req.specifier.contains(Version(v), prereleases=True) for v in versions):
                problems.append(f"{name}.txt: {req} but the lock pins {sorted(versions)}")
        stale = lock["direct"] - {canonicalize_name(r.name) for r in wanted}
        problems += [
            f"{name}.txt: {s} is locked for pyproject.toml, which no longer asks for it"
            for s in sorted(stale)
        ]
        problems += [f"{name}.txt: {p} has no hash" for p in lock["unhashed"]]
    for name in ("runtime", "dev", "ui"):
        for pkg, versions in locks[name]["pins"].items():
            if versions != locks["all"]["pins"].get(pkg):
                problems.append(f"{name}.txt pins {pkg} {sorted(versions)}, all.txt does not")
    return problems


#: The console script (from the ``pre-commit-hooks`` and ``ruff`` wheels) that runs each hook a
#: generated ``.pre-commit-config.yaml`` declares, the files it takes, and its arguments; the
#: hooks' own git repositories are not reachable here. ``mypy`` needs the installed project
#: (the e2e tests run it through ``make lint``).
PRE_COMMIT_HOOKS: dict[str, tuple[str, str, list[str]]] = {
    "check-yaml": ("check-yaml", r"\.ya?ml$", []),
    "check-toml": ("check-toml", r"\.toml$", []),
    "end-of-file-fixer": ("end-of-file-fixer", "", []),
    "trailing-whitespace": ("trailing-whitespace-fixer", "", []),
    "detect-private-key": ("detect-private-key", "", []),
    "check-added-large-files": ("check-added-large-files", "", []),
    "ruff-check": ("ruff", r"\.pyi?$", ["check", "--fix", "--no-cache"]),
    "ruff-format": ("ruff", r"\.pyi?$", ["format", "--no-cache"]),
}


#: Hooks of the ``pre-commit-hooks`` wheel: their console scripts' ``main`` runs in this
#: process (the same function, argv and working directory; no interpreter start-up per hook).
_IN_PROCESS = {
    ep.name: ep
    for ep in entry_points(group="console_scripts")
    if ep.value.startswith("pre_commit_hooks.")
}


def _run_hook_here(script: str, argv: list[str], project: Path) -> tuple[int, str]:
    """Run a ``pre-commit-hooks`` console script's ``main(argv)`` in ``project``."""
    out = io.StringIO()
    with contextlib.chdir(project), redirect_stdout(out), redirect_stderr(out):
        code = _IN_PROCESS[script].load()(argv)
    return int(code or 0), out.getvalue().strip()


def pre_commit_problems(project: Path) -> list[str]:
    """Run the fresh render's pre-commit hooks as its first commit would; say what they changed.

    Commits the render, runs every hook ``.pre-commit-config.yaml`` declares (but mypy) on the
    committed files, and reports hooks that failed, files they rewrote (``git status
    --porcelain``), and double blank lines in any file that is not Python.
    """
    bin_dir = Path(sys.executable).parent
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "render"]):
        git(project, *args)
    files = git(project, "ls-files", "-z").split("\0")[:-1]
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = [h["id"] for repo in config["repos"] for h in repo["hooks"] if h["id"] != "mypy"]
    problems = [f"no runner for the hook {h}" for h in hooks if h not in PRE_COMMIT_HOOKS]
    for hook in hooks:
        script, pattern, args = PRE_COMMIT_HOOKS.get(hook, ("", "", []))
        chosen = [f for f in files if re.search(pattern, f)]
        if not script or not chosen:
            continue
        if script in _IN_PROCESS:
            code, output = _run_hook_here(script, [*args, *chosen], project)
        else:
            proc = subprocess.run(
                [str(bin_dir / script), *args, *chosen],
                cwd=project,
                capture_output=True,
                text=True,
                check=False,
            )
            code, output = proc.returncode, f"{proc.stdout.strip()} {proc.stderr.strip()}"
        if code:
            problems.append(f"{hook}: {output}")
    problems += [
        f"changed by a hook: {line}" for line in git(project, "status", "--porcelain").splitlines()
    ]
    for rel in files:
        path = project / rel
        if path.suffix != ".py" and "\n\n\n" in path.read_text(encoding="utf-8"):
            problems.append(f"{rel}: two blank lines in a row")
    return problems


def run_domain_module(domain_py: Path) -> dict[str, Any]:
    """Run a rendered ``domain.py`` alone and return its names (``DOMAIN``, ``SUMMARY``).

    ml-pipeline's custom domain then reads its metric from ``data/schema.yml`` through its own
    package (the generated repo's ``test_schema_infer`` covers that): only the framing before
    it runs here.
    """
    text = domain_py.read_text(encoding="utf-8").split("\n\ndef _schema_metric", 1)[0]
    module = types.ModuleType("rendered_domain")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    try:
        exec(compile(text, str(domain_py), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return dict(module.__dict__)
