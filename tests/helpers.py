"""Helpers for tests: throwaway trees from a dict, git, deploy pairs, a generated repo's env."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

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
