"""End to end: the rag-system template for a domain pack, as a user would run it.

The generated repo is installed and run with its own Makefile, offline: ``make run`` must
ingest the shipped corpus and answer a sample question with citations, ``make test`` must pass
(it checks MRR, false refusals and the answer check on the test split of that domain's
question set), ``make lint`` must pass, and the work tree must stay clean. Then ``make eval``
and ``scaffold check`` (only the owner's lessons fail; a hand-edited result fails SC603).

By default one case runs: healthcare on Streamlit Community Cloud with hostile free text, which
also stands for the deploy e2e's rag-system lint pair (the UI suite with the ``ui`` extra runs
too). ``--full-matrix`` adds every other domain pack (``custom`` included). Why this is enough
by default: ``tests/e2e/COVERAGE.md``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from scaffold.catalog import load_catalog
from scaffold.check import run_checks
from scaffold.checks.base import Status
from tests.e2e.samples import Case, no_payload_ran, render_into, run, ui_suite_passes
from tests.helpers import generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
DEFAULT = Case("rag-system", DOMAINS[0], target="streamlit-cloud", hostile=True)
OTHERS = [Case("rag-system", d) for d in DOMAINS[1:]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        full = bool(metafunc.config.getoption("--full-matrix"))
        cases = [DEFAULT, *OTHERS] if full else [DEFAULT]
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def test_rag_system_runs_offline_for_every_domain(tmp_path: Path, case: Case) -> None:
    dest = tmp_path / f"rag-{case.domain}"
    render_into(dest, case)
    corpus = sorted((dest / "data" / "corpus").glob("*.md"))
    assert len(corpus) >= (6 if case.domain == "custom" else 12)
    questions = (dest / "data" / "eval" / "questions.jsonl").read_text().splitlines()
    assert len(questions) >= 40

    env = generated_repo_env()
    # Let the generated venv keep compiled bytecode: each `make` step starts new processes
    # that import scipy, scikit-learn and qdrant-client, and recompiling them every time
    # dominates the wall time. __pycache__ is git-ignored in the generated repo.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = run(["make", "setup", "lint", "test", "run"], dest, env, case.id)
    assert " passed" in proc.stdout
    # `make run` ingested the corpus and answered the sample question with citations.
    assert "documents:" in proc.stdout and "embedded" in proc.stdout
    assert "[1]" in proc.stdout and "retrieval, extractive" in proc.stdout
    status = git(dest, "status", "--porcelain")
    assert status == "", status
    if case == DEFAULT:
        ui_suite_passes(dest, env)
        assert git(dest, "status", "--porcelain") == ""
        _eval_then_check(dest, env)
    no_payload_ran(tmp_path)


def _eval_then_check(dest: Path, env: dict[str, str]) -> None:
    """After `make eval` only the owner's lessons fail; a hand-edited result fails SC603."""
    proc = subprocess.run(
        ["make", "eval"], cwd=dest, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = run_checks(dest)
    failed = [r.id for r in report.results if r.status in {Status.FAIL, Status.ERROR}]
    assert failed == ["SC106"], [(r.id, r.details) for r in report.results if r.id in failed]
    readme = dest / "README.md"
    text = readme.read_text()
    edited = re.compile(r"\| (0\.\d{3}) \|").search(text, text.index("<!-- eval:start -->"))
    assert edited is not None
    readme.write_text(text[: edited.start(1)] + "0.999" + text[edited.end(1) :])
    (claims,) = run_checks(dest, select=["SC603"]).results
    assert claims.status is Status.FAIL
    message = claims.details[0].message
    assert "the README says 0.999" in message and "reports/eval.json" in message
