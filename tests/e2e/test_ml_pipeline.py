"""End to end: the ml-pipeline template as a user runs it.

For each case: ``scaffold new ml-pipeline DEST --domain D --defaults`` (plus the case's deploy
target and free text), then in DEST ``make setup lint test run`` offline (``run`` with the short
tuning budget of the repo's own tests), and the work tree must stay clean. The repo's tests
include the container image's build steps and ``CMD`` run without Docker
(``tests/test_image.py``): ``POST /predict`` 200.

By default one case runs: finance (ROC AUC, the one metric ranked on probabilities) on AWS
ECS with hostile free text, which also stands for the deploy e2e's ml-pipeline lint pair.
``--full-matrix`` runs every domain, in two groups (one per xdist worker); within a group every
domain is rendered into the same directory in turn, so the virtual environment (scikit-learn,
MLflow, ...) is built once and reused: only the editable project is reinstalled. Why this is
enough by default: ``tests/e2e/COVERAGE.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scaffold.catalog import load_catalog
from tests.e2e.samples import Case, no_payload_ran, render_into, run
from tests.helpers import generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
DEFAULT = [Case("ml-pipeline", "finance", target="aws-ecs", hostile=True)]
GROUPS = [[Case("ml-pipeline", d) for d in DOMAINS[i::2]] for i in (0, 1)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cases" in metafunc.fixturenames:
        full = bool(metafunc.config.getoption("--full-matrix"))
        groups = GROUPS if full else [DEFAULT]
        metafunc.parametrize("cases", groups, ids=["+".join(c.id for c in g) for g in groups])


def test_every_domain_passes_setup_lint_test_run(tmp_path: Path, cases: list[Case]) -> None:
    repo = tmp_path / "ml-demo"
    env = generated_repo_env()
    timings: list[str] = []
    for case in cases:
        render_into(repo, case)
        started = time.monotonic()
        proc = run(["make", "setup", "lint", "test"], repo, env, case.id)
        assert " passed" in proc.stdout, case.id
        # `make run` as a user runs it, with the tuning budget of the repo's own tests (its
        # suite has already trained the image's way with these settings): lean, same path.
        tuned = {**env, "APP_N_TRIALS": "6", "APP_CV_FOLDS": "2"}
        ran = run(["make", "run"], repo, tuned, case.id, timeout=600)
        timings.append(f"{case.id}: {time.monotonic() - started:.0f} s")
        assert "promoted: candidate v1" in ran.stdout, case.id
        status = git(repo, "status", "--porcelain")
        assert status == "", f"{case.id}: {status}"
    no_payload_ran(tmp_path)
    print(", ".join(timings))
