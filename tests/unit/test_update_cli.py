"""``scaffold update`` through Typer's CliRunner: output, exit codes, nothing written on error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from tests.unit.update_helpers import (
    NOTES,
    commit,
    generate,
    make_template,
    repo_state,
    run_git,
)

runner = CliRunner()


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The throwaway template at version 1."""
    return make_template(tmp_path / "template")


@pytest.fixture
def repo(tmp_path: Path, template: Path) -> Path:
    """A repo generated from the throwaway template."""
    return generate(template, tmp_path / "proj")


def test_update_prints_one_row_per_file_and_exits_0(repo: Path, template: Path) -> None:
    make_template(template, {"demo/new.txt": "new\n", "demo/old.txt": None})

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Updated demo template local-")
    assert "  added    new.txt" in lines
    assert "  removed  old.txt" in lines
    assert lines[-1].startswith("Merged as ")


def test_conflicts_exit_3_and_say_how_to_abort(repo: Path, template: Path) -> None:
    commit(repo, {"notes.txt": NOTES.replace("line 5\n", "mine\n")})
    make_template(template, {"demo/notes.txt": NOTES.replace("line 5\n", "theirs\n")})

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 3
    assert "conflicted  notes.txt  (changed both locally and by template)" in result.stdout
    assert "git merge --abort" in result.stdout


def test_dry_run_prints_the_forecast_and_writes_nothing(repo: Path, template: Path) -> None:
    make_template(template, {"demo/new.txt": "new\n"})
    state = repo_state(repo)

    result = runner.invoke(app, ["update", str(repo), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Would update demo template")
    assert "  added    new.txt" in result.stdout.splitlines()
    assert repo_state(repo) == state


def test_dirty_tree_exits_2_naming_the_file(repo: Path, template: Path) -> None:
    (repo / "notes.txt").write_text("edited, not committed\n")
    make_template(template, {"demo/new.txt": "new\n"})
    state = repo_state(repo)

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 2
    assert "error: the work tree has uncommitted changes: notes.txt" in result.stderr
    assert "hint: commit or stash them" in result.stderr
    assert repo_state(repo) == state


def test_second_update_says_already_up_to_date(repo: Path, template: Path) -> None:
    make_template(template, {"demo/new.txt": "new\n"})
    assert runner.invoke(app, ["update", str(repo)]).exit_code == 0
    head = run_git(repo, "rev-parse", "HEAD")

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 0
    assert result.stdout.startswith("Already up to date: demo local-")
    assert run_git(repo, "rev-parse", "HEAD") == head


def test_check_exits_3_when_newer_and_0_when_current(repo: Path, template: Path) -> None:
    current = runner.invoke(app, ["update", str(repo), "--check"])
    assert current.exit_code == 0
    assert "up to date" in current.stdout
    make_template(template, {"demo/new.txt": "new\n"})

    newer = runner.invoke(app, ["update", str(repo), "--check"])

    assert newer.exit_code == 3
    assert "A newer demo template is available" in newer.stdout


def test_data_switches_target(repo: Path) -> None:
    result = runner.invoke(app, ["update", str(repo), "--data", "deploy_target=fly"])

    assert result.exit_code == 0, result.output
    assert (repo / "fly.toml").is_file()
    assert not (repo / "Dockerfile").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--data", "deploy_target"], "malformed --data", id="data:malformed"),
        pytest.param(["--to", "v2", "--source", "bundled"], "--to needs a git", id="to:bundled"),
        pytest.param(["--baseline", "nope"], "--baseline nope does not name", id="baseline:bad"),
        pytest.param(["--source", "/does/not/exist"], "does not exist", id="source:missing"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(repo: Path, args: list[str], message: str) -> None:
    state = repo_state(repo)

    result = runner.invoke(app, ["update", str(repo), *args])

    assert result.exit_code == 2
    assert message in result.stderr
    assert repo_state(repo) == state


def test_no_render_commit_points_to_baseline(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run_git(plain, "init", "--quiet")
    commit(plain, {".copier-answers.yml": "_src_path: somewhere\nproject_name: x\n"})

    result = runner.invoke(app, ["update", str(plain)])

    assert result.exit_code == 2
    assert "no pristine render commit" in result.stderr
    assert "--baseline REV" in result.stderr


def test_outside_a_repository_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["update", str(tmp_path)])

    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr
