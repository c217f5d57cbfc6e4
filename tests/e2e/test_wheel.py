"""The wheel carries the templates: install it outside the checkout and generate a repo."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e
UV = str(Path(sys.executable).parent / "uv")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_installed_wheel_generates_a_repo(tmp_path: Path) -> None:
    _run(UV, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(REPO_ROOT), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("scaffold_portfolio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "scaffold/templates/copier.yml" in names
    assert "scaffold/templates/catalog.yml" in names
    assert "scaffold/schemas/check-report.schema.json" in names
    assert any(n.startswith("scaffold/templates/_shared/") for n in names)

    venv = tmp_path / "venv"
    _run(UV, "venv", "--quiet", "--python", sys.executable, str(venv), cwd=tmp_path)
    _run(
        UV,
        "pip",
        "install",
        "--quiet",
        "--python",
        str(venv / "bin" / "python"),
        str(wheel),
        cwd=tmp_path,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    _run(
        str(venv / "bin" / "scaffold"),
        "new",
        "ai-feature",
        "made-by-wheel",
        "--domain",
        "retail",
        "--deploy",
        "docker",
        cwd=work,
    )
    answers = (work / "made-by-wheel" / ".copier-answers.yml").read_text()
    assert "_src_path: scaffold:bundled" in answers
    assert "domain: retail" in answers
