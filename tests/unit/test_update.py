"""``scaffold update`` core: real Copier renders, real git repos, no mocks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.errors import DirtyWorkTreeError, NoRenderCommitError, UsageError
from scaffold.update import update_project
from scaffold.update_check import check_for_update
from tests.unit.update_helpers import (
    NOTES,
    by_path,
    commit,
    generate,
    make_template,
    read,
    repo_state,
    run_git,
)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The throwaway template at version 1."""
    return make_template(tmp_path / "template")


@pytest.fixture
def repo(tmp_path: Path, template: Path) -> Path:
    """A repo generated from the throwaway template, with no local changes yet."""
    return generate(template, tmp_path / "proj")


def _edit_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


def test_non_overlapping_edits_merge_cleanly_and_keep_both(repo: Path, template: Path) -> None:
    before = commit(repo, {"notes.txt": _edit_line(NOTES, 1, "user line 1")})
    make_template(template, {"demo/notes.txt": _edit_line(NOTES, 10, "template line 10")})

    report = update_project(repo)

    assert not report.conflicts
    assert by_path(report)["notes.txt"] == "merged"
    notes = read(repo, "notes.txt")
    assert "user line 1\n" in notes
    assert "template line 10\n" in notes
    assert report.merge == run_git(repo, "rev-parse", "HEAD").strip()
    parents = run_git(repo, "log", "-1", "--format=%P").split()
    assert parents == [before, report.render]
    assert run_git(repo, "log", "-1", "--format=%s").startswith("Update demo template to local-")
    assert run_git(repo, "status", "--porcelain") == ""


def test_overlapping_edits_conflict_and_merge_abort_restores_head(
    repo: Path, template: Path
) -> None:
    head = commit(repo, {"notes.txt": _edit_line(NOTES, 5, "user five")})
    state = repo_state(repo)
    make_template(template, {"demo/notes.txt": _edit_line(NOTES, 5, "template five")})

    report = update_project(repo)

    assert report.conflicts
    assert report.merge is None
    assert by_path(report)["notes.txt"] == "conflicted"
    notes = read(repo, "notes.txt")
    assert "<<<<<<<" in notes
    assert "user five" in notes
    assert "template five" in notes
    run_git(repo, "merge", "--abort")
    assert run_git(repo, "rev-parse", "HEAD").strip() == head
    assert repo_state(repo) == state


def test_file_deleted_by_user_and_left_alone_by_template_stays_deleted(
    repo: Path, template: Path
) -> None:
    commit(repo, {"config.txt": None})
    make_template(template, {"demo/notes.txt": NOTES + "line 11\n"})

    report = update_project(repo)

    assert not report.conflicts
    assert by_path(report)["config.txt"] == "kept deleted"
    assert not (repo / "config.txt").exists()


def test_file_deleted_by_user_and_changed_by_template_is_reported(
    repo: Path, template: Path
) -> None:
    commit(repo, {"config.txt": None})
    make_template(template, {"demo/config.txt": "debug = false\nport = 9000\n"})

    report = update_project(repo)

    assert report.conflicts
    row = next(row for row in report.files if row.path == "config.txt")
    assert row.status.value == "conflicted"
    assert row.note == "deleted locally, changed by template"


def test_template_adds_and_removes_files(repo: Path, template: Path) -> None:
    make_template(template, {"demo/new.txt": "brand new\n", "demo/old.txt": None})

    report = update_project(repo)

    assert by_path(report) == {
        ".copier-answers.yml": "updated",
        "new.txt": "added",
        "old.txt": "removed",
    }
    assert read(repo, "new.txt") == "brand new\n"
    assert not (repo / "old.txt").exists()


def test_file_removed_by_template_stays_when_user_changed_it(repo: Path, template: Path) -> None:
    commit(repo, {"old.txt": "to be removed in v2\nbut I need it\n"})
    make_template(template, {"demo/old.txt": None})

    report = update_project(repo)

    assert report.conflicts
    row = next(row for row in report.files if row.path == "old.txt")
    assert row.note == "changed locally, removed by template"
    assert "but I need it" in read(repo, "old.txt")


def test_data_switches_deploy_target_and_keeps_user_edits(repo: Path) -> None:
    commit(repo, {"notes.txt": _edit_line(NOTES, 3, "mine"), "README.md": "# my readme\n"})

    report = update_project(repo, data={"deploy_target": "fly"})

    assert not report.conflicts
    rows = by_path(report)
    assert rows["Dockerfile"] == "removed"
    assert rows["fly.toml"] == "added"
    assert not (repo / "Dockerfile").exists()
    assert 'app = "proj"' in read(repo, "fly.toml")
    assert "mine\n" in read(repo, "notes.txt")
    assert read(repo, "README.md") == "# my readme\n"
    assert "deploy_target: fly" in read(repo, ".copier-answers.yml")


def test_clone_of_bare_remote_can_update(tmp_path: Path, repo: Path, template: Path) -> None:
    commit(repo, {"notes.txt": _edit_line(NOTES, 1, "pushed edit")})
    remote = tmp_path / "remote.git"
    run_git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(remote))
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "--quiet", str(remote), str(clone))
    assert run_git(clone, "branch", "-a").count("\n") == 3  # main, origin/HEAD, origin/main
    make_template(template, {"demo/notes.txt": _edit_line(NOTES, 10, "template ten")})

    report = update_project(clone)

    assert not report.conflicts
    notes = read(clone, "notes.txt")
    assert "pushed edit\n" in notes
    assert "template ten\n" in notes


def test_dry_run_changes_nothing_and_forecasts_the_real_update(repo: Path, template: Path) -> None:
    commit(repo, {"notes.txt": _edit_line(NOTES, 5, "user five"), "config.txt": None})
    make_template(
        template,
        {"demo/notes.txt": _edit_line(NOTES, 5, "template five"), "demo/new.txt": "new\n"},
    )
    state = repo_state(repo)

    forecast = update_project(repo, dry_run=True)

    assert repo_state(repo) == state
    assert forecast.dry_run
    assert forecast.merge is None
    assert forecast.conflicts
    real = update_project(repo)
    assert by_path(forecast) == by_path(real)


def test_dirty_tree_is_refused_and_names_the_file(repo: Path, template: Path) -> None:
    (repo / "scratch.txt").write_text("untracked\n")
    make_template(template, {"demo/new.txt": "new\n"})
    state = repo_state(repo)

    with pytest.raises(DirtyWorkTreeError) as info:
        update_project(repo)

    assert info.value.exit_code == 2
    assert "scratch.txt" in info.value.message
    assert repo_state(repo) == state


def test_merge_in_progress_is_refused(repo: Path, template: Path) -> None:
    commit(repo, {"notes.txt": _edit_line(NOTES, 5, "user five")})
    make_template(template, {"demo/notes.txt": _edit_line(NOTES, 5, "template five")})
    assert update_project(repo).conflicts
    run_git(repo, "add", "--all")  # conflicts "resolved" but not committed

    with pytest.raises(UsageError, match="a merge is in progress"):
        update_project(repo)


def test_second_update_right_after_the_first_is_a_no_op(repo: Path, template: Path) -> None:
    make_template(template, {"demo/new.txt": "new\n"})
    first = update_project(repo)
    head = run_git(repo, "rev-parse", "HEAD").strip()

    second = update_project(repo)

    assert first.merge == head
    assert second.up_to_date
    assert second.files == []
    assert second.baseline == first.render
    assert run_git(repo, "rev-parse", "HEAD").strip() == head


def test_check_says_whether_a_newer_version_is_available(repo: Path, template: Path) -> None:
    assert not check_for_update(repo).newer
    make_template(template, {"demo/new.txt": "new\n"})

    found = check_for_update(repo)

    assert found.newer
    assert found.available_version != found.recorded_version
    update_project(repo)
    assert not check_for_update(repo).newer


def test_repo_without_render_commit_needs_baseline(tmp_path: Path, template: Path) -> None:
    import copier

    plain = tmp_path / "plain"
    copier.run_copy(str(template), plain, defaults=True, quiet=True, vcs_ref="HEAD")
    run_git(plain, "init", "--quiet", "--initial-branch=main")
    run_git(plain, "add", "--all")
    run_git(plain, "commit", "--quiet", "-m", "copier copy")
    pristine = run_git(plain, "rev-parse", "HEAD").strip()
    commit(plain, {"notes.txt": _edit_line(NOTES, 1, "mine")})
    make_template(template, {"demo/notes.txt": _edit_line(NOTES, 10, "theirs")})

    with pytest.raises(NoRenderCommitError) as info:
        update_project(plain)
    assert "--baseline" in (info.value.hint or "")

    report = update_project(plain, baseline=pristine)
    assert not report.conflicts
    assert "mine\n" in read(plain, "notes.txt")
    assert "theirs\n" in read(plain, "notes.txt")


def test_new_question_takes_its_default_without_a_terminal(repo: Path, template: Path) -> None:
    copier_yml = (template / "copier.yml").read_text()
    question = "license:\n  type: str\n  help: License\n  default: MIT\n"
    make_template(
        template,
        {"copier.yml": copier_yml + question, "demo/LICENSE.jinja": "{{ license }}\n"},
    )

    report = update_project(repo)

    assert by_path(report)["LICENSE"] == "added"
    assert read(repo, "LICENSE") == "MIT\n"
    assert "license: MIT" in read(repo, ".copier-answers.yml")


def test_failed_render_leaves_no_worktree(repo: Path) -> None:
    state = repo_state(repo)

    with pytest.raises(UsageError):
        update_project(repo, data={"deploy_target": "mars"})

    assert repo_state(repo) == state


def test_git_source_pinned_to_a_tag_updates_with_to(tmp_path: Path, template: Path) -> None:
    run_git(template, "init", "--quiet", "--initial-branch=main")
    run_git(template, "add", "--all")
    run_git(template, "commit", "--quiet", "-m", "v1")
    run_git(template, "tag", "v1")
    commit(template, {"demo/new.txt": "from v2\n"}, "v2")
    run_git(template, "tag", "v2")
    commit(template, {"demo/unreleased.txt": "main only\n"}, "after v2")
    with_src = generate(f"{template}@v1", tmp_path / "pinned")
    assert not (with_src / "new.txt").exists()

    report = update_project(with_src, to="v2")

    assert (report.old_version, report.new_version) == ("v1", "v2")
    assert read(with_src, "new.txt") == "from v2\n"
    assert not (with_src / "unreleased.txt").exists()
    assert update_project(with_src, to="v2").up_to_date


def test_source_records_a_moved_template(tmp_path: Path, repo: Path, template: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(template, moved)
    shutil.rmtree(template)
    make_template(moved, {"demo/new.txt": "new\n"})

    report = update_project(repo, source=str(moved))

    assert report.source == str(moved.resolve())
    assert f"_scaffold_source: {moved.resolve()}" in read(repo, ".copier-answers.yml")
    assert update_project(repo).up_to_date


def test_to_with_bundled_source_is_refused(repo: Path) -> None:
    state = repo_state(repo)

    with pytest.raises(UsageError, match="--to needs a git template source"):
        update_project(repo, to="v9", source="bundled")

    assert repo_state(repo) == state
