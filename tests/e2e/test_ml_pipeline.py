"""End to end: the ml-pipeline template for every domain preset, as a user runs it.

For each domain: ``scaffold new ml-pipeline DEST --domain D --defaults``, then in DEST
``make setup lint test run`` offline (``run`` with the short tuning budget of the repo's own
tests), and the work tree must stay clean. The repo's tests include the container image's
build steps and ``CMD`` run without Docker (``tests/test_image.py``): ``POST /predict`` 200.
To stay lean, the domains run in two groups (one per xdist worker); within a group every
domain is rendered into the same directory in turn, so the virtual environment (scikit-learn,
MLflow, ...) is built once and reused: only the editable project is reinstalled.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.cli import app
from tests.helpers import generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
GROUPS = [DOMAINS[::2], DOMAINS[1::2]]
KEEP = {".venv", ".mypy_cache"}


def _render_into(repo: Path, scratch: Path, domain: str) -> None:
    rendered = scratch / f"render-{domain}" / repo.name
    result = CliRunner().invoke(
        app, ["new", "ml-pipeline", str(rendered), "--domain", domain, "--defaults"]
    )
    assert result.exit_code == 0, result.stderr
    repo.mkdir(exist_ok=True)
    for child in repo.iterdir():
        if child.name not in KEEP:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in rendered.iterdir():
        shutil.move(str(child), repo / child.name)


@pytest.mark.parametrize("domains", GROUPS, ids=["-".join(g) for g in GROUPS])
def test_every_domain_passes_setup_lint_test_run(tmp_path: Path, domains: list[str]) -> None:
    repo = tmp_path / "ml-demo"
    env = generated_repo_env()
    timings: list[str] = []
    for domain in domains:
        _render_into(repo, tmp_path, domain)
        started = time.monotonic()
        proc = subprocess.run(
            ["make", "setup", "lint", "test"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=1200,
        )
        assert proc.returncode == 0, f"{domain}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        assert " passed" in proc.stdout, domain
        # `make run` as a user runs it, with the tuning budget of the repo's own tests (its
        # suite has already trained the image's way with these settings): lean, same path.
        run = subprocess.run(
            ["make", "run"],
            cwd=repo,
            env={**env, "APP_N_TRIALS": "6", "APP_CV_FOLDS": "2"},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        timings.append(f"{domain}: {time.monotonic() - started:.0f} s")
        assert run.returncode == 0, f"{domain}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
        assert "promoted: candidate v1" in run.stdout, domain
        status = git(repo, "status", "--porcelain")
        assert status == "", f"{domain}: {status}"
    print(", ".join(timings))
