"""Generated repos' CI runs `scaffold check` into the job summary, advisory until opted in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def workflow_and_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    from scaffold.copier_run import run_copy
    from tests.conftest import TEMPLATES

    project = tmp_path_factory.mktemp("portfolio") / "repo"
    run_copy(
        str(TEMPLATES),
        project,
        data={"template": "ml-pipeline", "domain": "retail", "deploy_target": "render"},
        defaults=True,
        unsafe=True,
        quiet=True,
    )
    ci = project / ".github" / "workflows" / "ci.yml"
    proc = subprocess.run(
        [str(BIN / "actionlint"), str(ci)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout
    return yaml.safe_load(ci.read_text()), project


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s["name"].startswith(name)]
    found: dict[str, Any] = step
    return found


def test_the_portfolio_job_writes_the_markdown_report_to_the_summary(
    workflow_and_project: tuple[dict[str, Any], Path],
) -> None:
    workflow, _project = workflow_and_project
    job = workflow["jobs"]["portfolio"]
    run = _step(job, "scaffold check")["run"]
    assert run == 'scaffold check --format markdown >> "$GITHUB_STEP_SUMMARY"'
    assert job["continue-on-error"] == "${{ vars.SCAFFOLD_CHECK_BLOCKING != 'true' }}"
    assert _step(job, "Check out")["with"]["fetch-depth"] == 0
    assert "permissions" not in job  # the workflow's read-only default


@pytest.mark.parametrize(
    ("recorded", "spec"),
    [
        ("0.2.0", "scaffold-portfolio[check]==0.2.0"),
        ("'1.10.3'", "scaffold-portfolio[check]==1.10.3"),
        ("local-3f2a9c1d0e4b", "scaffold-portfolio[check]"),
        ("v2-3-gabc1234", "scaffold-portfolio[check]"),
    ],
)
def test_the_install_step_pins_the_version_that_rendered_the_repo(
    workflow_and_project: tuple[dict[str, Any], Path], tmp_path: Path, recorded: str, spec: str
) -> None:
    workflow, project = workflow_and_project
    script = _step(workflow["jobs"]["portfolio"], "Install scaffold")["run"]
    answers = (project / ".copier-answers.yml").read_text()
    assert "_scaffold_version" not in answers  # plain Copier: scaffold records it after
    (tmp_path / ".copier-answers.yml").write_text(
        answers + f"_scaffold_source: bundled\n_scaffold_version: {recorded}\n"
    )
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "$@"\n')
    (fake / "python").chmod(0o755)

    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={"PATH": f"{fake}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert proc.stdout.split() == ["-m", "pip", "install", "--disable-pip-version-check", spec]
