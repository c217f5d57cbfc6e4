"""Shared by the e2e modules: one case's render, reused virtual environments, the UI suite.

A :class:`Case` is one ``scaffold new`` of a template (domain, deploy target, ai-feature's
feature, hostile free text or not). :func:`render_into` renders cases in turn into the same
directory, keeping its ``.venv`` and ``.mypy_cache``, so a group of cases installs the
template's dependencies once and type-checks incrementally: each later case only reinstalls
the project and rechecks what changed. Why the default cases are these: see
``tests/e2e/COVERAGE.md``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from scaffold.cli import app
from tests.templates.test_hostile_answers import ACCEPTED as HOSTILE
from tests.templates.test_hostile_answers import SENTINEL

#: What a later case in the same directory keeps from the one before.
KEEP = {".venv", ".mypy_cache"}


@dataclass(frozen=True)
class Case:
    """One ``scaffold new TEMPLATE --domain DOMAIN --defaults`` with these extras."""

    template: str
    domain: str
    target: str | None = None
    feature: str | None = None
    hostile: bool = False

    @property
    def id(self) -> str:
        parts = [f"domain:{self.domain}"]
        parts += [f"feature:{self.feature}"] if self.feature else []
        parts += [f"deploy:{self.target}"] if self.target else []
        parts += ["hostile"] if self.hostile else []
        return "-".join(parts)

    def options(self) -> list[str]:
        options = ["--domain", self.domain, "--defaults"]
        if self.target:
            options += ["--deploy", self.target]
        if self.feature:
            options += ["--data", f"feature={self.feature}"]
        if self.hostile:
            # Free text built to break every file format: the repo must still install, lint,
            # type-check, pass its tests and run, and run none of the payload.
            value = HOSTILE[0]
            options += ["--data", f"description={value}", "--data", f"author_name={value[-100:]}"]
        return options


def render_into(repo: Path, case: Case) -> None:
    """Render ``case`` into ``repo``, replacing all but :data:`KEEP` of what was there."""
    scratch = Path(tempfile.mkdtemp(prefix="render-", dir=repo.parent))
    rendered = scratch / repo.name
    result = CliRunner().invoke(app, ["new", case.template, str(rendered), *case.options()])
    assert result.exit_code == 0, f"{case.id}: {result.stderr}"
    repo.mkdir(exist_ok=True)
    for child in repo.iterdir():
        if child.name not in KEEP:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in rendered.iterdir():
        shutil.move(str(child), repo / child.name)
    shutil.rmtree(scratch)


def run(
    args: list[str], repo: Path, env: dict[str, str], label: str, timeout: int = 1200
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in ``repo``; fail with the output's tail, labelled, unless it succeeds."""
    proc = subprocess.run(
        args, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert proc.returncode == 0, f"{label}: {args}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def ui_suite_passes(repo: Path, env: dict[str, str]) -> None:
    """What CI's ``ui`` job does: the lock with the extras, then the suite with AppTest live."""
    run(["make", "setup-all"], repo, env, "setup-all")
    ui = run([".venv/bin/pytest", "-p", "no:cacheprovider", "-rs"], repo, env, "ui suite")
    # With the UI extra installed the UI tests run; rag's optional `minilm` model (not in the
    # lock's extras) may still skip its tests. wordllama is a default dependency: never skips.
    skips = [line for line in ui.stdout.splitlines() if line.startswith("SKIPPED")]
    optional = ("minilm",)
    assert not [s for s in skips if not any(o in s for o in optional)], ui.stdout[-2000:]


def no_payload_ran(root: Path) -> None:
    """No file named after the hostile payloads' sentinel was created under ``root``."""
    assert not list(root.rglob(f"{SENTINEL}*")), "a hostile answer ran as code"
