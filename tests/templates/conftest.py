"""Renders of the bundled templates that several tests read: made once per test run.

A render costs about two seconds of Copier; the linters test reads the matrix's renders, the
deploy gate test the deploy targets'. :func:`shared_render` makes each answer set once for the
whole run, xdist workers included (a file lock per answer set), and hands every test the same
directory. It is read-only: a test that changes files (a commit, a hook) copies it first
(:func:`private_copy`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TEMPLATES

SharedRender = Callable[[dict[str, str]], Path]


@pytest.fixture(scope="session")
def shared_render(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SharedRender:
    """``render(answers)``: the project Copier renders with ``answers`` and defaults for the rest.

    The same options as pytest-copie's ``copie.copy(extra_answers=answers)``, rendered the
    way ``scaffold new`` renders (``scaffold.copier_run``).
    """
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own base inside the run's: share the run's.
    root = (base if worker_id == "master" else base.parent) / "shared-renders"
    root.mkdir(exist_ok=True)

    def render(answers: dict[str, str]) -> Path:
        from scaffold.copier_run import run_copy

        key = hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()[:16]
        project, done = root / key, root / f"{key}.done"
        with (root / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                shutil.rmtree(project, ignore_errors=True)
                run_copy(
                    str(TEMPLATES),
                    project,
                    user_defaults=answers,
                    defaults=True,
                    unsafe=True,
                    quiet=True,
                    vcs_ref="HEAD",
                )
                done.touch()
        return project

    return render


def private_copy(project: Path, tmp_path: Path) -> Path:
    """A copy of a shared render that the calling test may change."""
    return Path(shutil.copytree(project, tmp_path / project.name, symlinks=True))
