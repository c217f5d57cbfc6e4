"""End to end: the rag-system template for every domain pack, as a user would run it.

For each domain preset (``custom`` included) the generated repo is installed and run with its
own Makefile, offline: ``make run`` must ingest the shipped corpus and answer a sample question
with citations, ``make test`` must pass (it checks hit@5 >= 0.85 and refusals on that domain's
evaluation set), and the work tree must stay clean. To keep CI lean, ``make lint`` runs on
``custom`` only by default (the code is the same for every domain; ruff also runs on every
domain's render in ``tests/templates``), and healthcare's lint and tests already run in
``test_generated_repos.py``; ``--full-matrix`` runs every target for every domain.
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

DOMAINS = list(load_catalog().domains)


def _targets(domain: str, full: bool) -> list[str]:
    if full or domain == "custom":
        return ["setup", "lint", "test", "run"]
    if domain == "healthcare":  # lint and test: tests/e2e/test_generated_repos.py
        return ["setup", "run"]
    return ["setup", "test", "run"]


@pytest.mark.parametrize("domain", DOMAINS, ids=[f"domain:{d}" for d in DOMAINS])
def test_rag_system_runs_offline_for_every_domain(
    tmp_path: Path, domain: str, request: pytest.FixtureRequest
) -> None:
    dest = tmp_path / f"rag-{domain}"
    result = CliRunner().invoke(
        app, ["new", "rag-system", str(dest), "--domain", domain, "--defaults"]
    )
    assert result.exit_code == 0, result.stderr
    corpus = sorted((dest / "data" / "corpus").glob("*.md"))
    assert len(corpus) >= (6 if domain == "custom" else 12)
    questions = (dest / "data" / "eval" / "questions.jsonl").read_text().splitlines()
    assert len(questions) >= (12 if domain == "custom" else 25)

    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
    }
    env.pop("VIRTUAL_ENV", None)
    # Let the generated venv keep compiled bytecode: each `make` step starts new processes
    # that import scipy, scikit-learn and qdrant-client, and recompiling them every time
    # dominates the wall time. __pycache__ is git-ignored in the generated repo.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    targets = _targets(domain, bool(request.config.getoption("--full-matrix")))
    proc = subprocess.run(
        ["make", *targets],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    if "test" in targets:
        assert " passed" in proc.stdout
    # `make run` ingested the corpus and answered the sample question with citations.
    assert "documents:" in proc.stdout and "embedded" in proc.stdout
    assert "[1]" in proc.stdout and "retrieval, extractive" in proc.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True, check=True
    ).stdout
    assert status == "", status
