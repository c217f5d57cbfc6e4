"""A freshly generated repo passes every portfolio check except the owner's lessons learned."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.check import Status, run_checks
from scaffold.cli import app


@pytest.mark.parametrize("template", list(load_catalog().templates))
def test_generated_repo_fails_only_lessons_learned(tmp_path: Path, template: str) -> None:
    dest = tmp_path / template
    result = CliRunner().invoke(app, ["new", template, str(dest), "--defaults"])
    assert result.exit_code == 0, result.stderr
    report = run_checks(dest)
    failed = [r.id for r in report.results if r.status in {Status.FAIL, Status.ERROR}]
    assert failed == ["SC106"], [(r.id, r.details) for r in report.results if r.id in failed]
