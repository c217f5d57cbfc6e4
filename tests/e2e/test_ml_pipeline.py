"""End to end: the ml-pipeline template as a user runs it.

For each case: ``scaffold new ml-pipeline DEST --domain D --defaults`` (plus the case's deploy
target and free text), then in DEST ``make setup lint test run`` offline (``run`` with the short
tuning budget of the repo's own tests), and the work tree must stay clean. The repo's tests
include the container image's build steps and ``CMD`` run without Docker
(``tests/test_image.py``): ``POST /predict`` 200.

By default two cases run in one directory and venv: finance (ROC AUC, the one metric ranked on
probabilities) on AWS ECS with hostile free text, which also stands for the deploy e2e's
ml-pipeline lint pair; then custom (F1; the pack whose numbers go below zero), whose own
tests caught a test that assumed non-negative data (the second case costs one reinstall of
the project and its `make lint test run`, about 3 minutes).
``--full-matrix`` runs every domain, in two groups (one per xdist worker); within a group every
domain is rendered into the same directory in turn, so the virtual environment (scikit-learn,
MLflow, ...) is built once and reused: only the editable project is reinstalled. Why this is
enough by default: ``tests/e2e/COVERAGE.md``.

The default cases, and the last group of the full matrix, then prove the README's scale-out
path in the same repo and venv, on a real PostgreSQL server (``tests/e2e/postgres.py``): two
``train`` workers share one Optuna study, and the MLflow registry runs on a PostgreSQL backend
store (register, promote, and an API with an empty state dir serves the champion from it). It
is skipped, with the reason, only where PostgreSQL is not installed (scaffold's ``make test``
installs it when it runs as root with apt).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from scaffold.catalog import load_catalog
from tests.e2e import postgres
from tests.e2e.samples import Case, no_payload_ran, render_into, run
from tests.helpers import generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
DEFAULT = [
    Case("ml-pipeline", "finance", target="aws-ecs", hostile=True),
    Case("ml-pipeline", "custom"),
]
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
    if cases in (DEFAULT, GROUPS[-1]):
        reason = postgres.unavailable_reason()
        if reason is not None:
            pytest.skip(f"every domain passed ({', '.join(timings)}); scale-out not run: {reason}")
        started = time.monotonic()
        _scale_out_on_postgres(repo, env, tmp_path / "scale-out")
        print(f"scale-out on PostgreSQL: {time.monotonic() - started:.0f} s")
        status = git(repo, "status", "--porcelain")
        assert status == "", f"scale-out: {status}"


def _run(repo: Path, env: dict[str, str], *args: str) -> str:
    return run(list(args), repo, env, "scale-out", timeout=600).stdout


def _scale_out_on_postgres(repo: Path, env: dict[str, str], scratch: Path) -> None:
    """Two workers on one shared study; the registry on PostgreSQL; an API serving from it."""
    cli = str(repo / ".venv/bin" / next(iter(_scripts(repo))))
    python = str(repo / ".venv/bin/python")
    # The repo's `postgres` extra (psycopg), at the version its lock pins.
    _run(
        repo,
        env,
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "-e",
        ".[postgres]",
        "--constraints",
        "requirements/all.txt",
    )
    with postgres.running_server() as server:
        server.create_database("optuna")
        server.create_database("mlflow")
        study, trials = server.url("optuna"), 2
        base = {**env, "APP_CV_FOLDS": "2", "APP_OPTUNA_STORAGE": study}
        workers = []
        for name in ("a", "b"):
            (scratch / name).mkdir(parents=True)
            workers.append(
                subprocess.Popen(
                    [cli, "train", "--study", "shared", "--trials", str(trials), "--quiet"],
                    cwd=repo,
                    env={**base, "APP_STATE_DIR": str(scratch / name)},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        outputs = [w.communicate(timeout=600)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0], "\n".join(outputs)
        # The study holds both workers' trials, a worker saw the other's, and they did not
        # repeat each other (each worker samples with its own random state).
        shared = json.loads(
            _run(
                repo,
                base,
                python,
                "-c",
                "import json, optuna, sys; s = optuna.load_study(study_name='shared', "
                "storage=sys.argv[1]); print(json.dumps({'best': s.best_value, "
                "'params': [t.params for t in s.trials if t.state.is_finished()]}))",
                study,
            )
        )
        assert len(shared["params"]) == 2 * trials, shared
        distinct = {json.dumps(p, sort_keys=True) for p in shared["params"]}
        assert len(distinct) > trials, f"the workers repeated each other's trials: {shared}"
        assert any(f"{2 * trials} trials" in out for out in outputs), outputs
        # The registry on PostgreSQL: register and promote worker a's candidate...
        registry = {**env, "APP_MLFLOW_URI": server.url("mlflow")}
        promoted = _run(repo, {**registry, "APP_STATE_DIR": str(scratch / "a")}, cli, "promote")
        assert "promoted: candidate v1" in promoted, promoted
        # ...and an API with an empty state dir loads that champion from it.
        (scratch / "api").mkdir()
        port = _free_port()
        body = _run(repo, env, cli, "example", "--rows", "2")
        api_env = {**registry, "APP_STATE_DIR": str(scratch / "api"), "PORT": str(port)}
        api = subprocess.Popen(
            [cli, "serve", "--host", "127.0.0.1"],
            cwd=repo,
            env=api_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            answer = _predict(port, body, api)
        finally:
            api.terminate()
            api.wait(timeout=30)
        assert answer["model_version"] == "1", answer
        predictions = answer["predictions"]
        assert isinstance(predictions, list) and len(predictions) == 2, answer


def _scripts(repo: Path) -> dict[str, str]:
    scripts: dict[str, str] = tomllib.loads((repo / "pyproject.toml").read_text())["project"][
        "scripts"
    ]
    return scripts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _predict(port: int, body: str, api: subprocess.Popen[bytes]) -> dict[str, object]:
    """POST /predict once /health answers; the server must stay up meanwhile."""
    deadline = time.monotonic() + 120
    while True:
        assert api.poll() is None, "the API exited before answering"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                break
        except OSError:
            assert time.monotonic() < deadline, "the API did not answer /health in 120 s"
            time.sleep(0.5)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/predict",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer
