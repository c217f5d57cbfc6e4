"""End to end: generate each template on defaults, install it, run its own lint and tests.

Uses the generated Makefile exactly as a user would (``make setup lint test``), with ``uv``
from scaffold's own environment on PATH so installs come from the local cache when warm.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.cli import app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("template", list(load_catalog().templates))
def test_generated_repo_passes_its_own_lint_and_tests(tmp_path: Path, template: str) -> None:
    dest = tmp_path / f"demo-{template}"
    result = CliRunner().invoke(app, ["new", template, str(dest), "--defaults"])
    assert result.exit_code == 0, result.stderr
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
    }
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        ["make", "setup", "lint", "test"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert " passed" in proc.stdout
    # Running the tools leaves the work tree as generated: formatting is stable and every
    # artefact is ignored.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True, check=True
    ).stdout
    assert status == "", status
