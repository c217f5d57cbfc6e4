"""Helpers for tests: build throwaway trees from a dict, and run git."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


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
