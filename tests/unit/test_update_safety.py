"""``scaffold update`` never loses the owner's work: rewritten history, ignored files, hooks,
subfolder projects, downgrades. Real git, real Copier renders.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.errors import NoRenderCommitError, UsageError
from scaffold.update import (
    HookRejectedError,
    PathsInTheWayError,
    update_project,
)
from scaffold.update_check import check_for_update
from tests.unit.update_helpers import (
    NOTES,
    build_tree,
    by_path,
    commit,
    generate,
    make_template,
    read,
    repo_state,
    run_git,
)

runner = CliRunner()


def _git_template(root: Path) -> Path:
    """The throwaway template as a git repository: v1 tagged, v2 adds and changes files."""
    template = make_template(root)
    run_git(template, "init", "--quiet", "--initial-branch=main")
    run_git(template, "add", "--all")
    run_git(template, "commit", "--quiet", "-m", "v1")
    run_git(template, "tag", "v1")
    return template


def _release_v2(template: Path, files: dict[str, str | None] | None = None) -> None:
    changes = {"demo/notes.txt": NOTES + "line 11 from v2\n", "demo/new.txt": "from v2\n"}
    commit(template, {**changes, **(files or {})}, "v2")
    run_git(template, "tag", "v2")


def _generate(template: Path, dest: Path) -> Path:
    """Generate from the git template's default branch, as `--source URL@HEAD` does."""
    return generate(f"{template}@HEAD", dest)


@pytest.fixture
def git_template(tmp_path: Path) -> Path:
    """The throwaway template in git, at its tag v1."""
    return _git_template(tmp_path / "template")


@pytest.fixture
def amended(tmp_path: Path, git_template: Path) -> Path:
    """A repo whose owner amended the render commit with their own work."""
    repo = _generate(git_template, tmp_path / "proj")
    build_tree(repo, {"README.md": read(repo, "README.md") + "Owner's line.\n", "MINE.md": "x\n"})
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "--amend", "--no-edit")
    return repo


# -- case 1: an amended render commit is never the baseline ------------------------------------


def test_amended_render_commit_keeps_the_owners_files(amended: Path, git_template: Path) -> None:
    amended_sha = run_git(amended, "rev-parse", "HEAD").strip()
    _release_v2(git_template)

    forecast = update_project(amended, dry_run=True)
    report = update_project(amended)

    for seen in (forecast, report):
        assert "MINE.md" not in by_path(seen)
        assert "README.md" not in by_path(seen)
        assert seen.baseline != amended_sha
        assert any("differs from its Scaffold-Tree trailer" in note for note in seen.notes)
    assert not report.conflicts
    assert read(amended, "MINE.md") == "x\n"
    assert "Owner's line.\n" in read(amended, "README.md")
    assert read(amended, "new.txt") == "from v2\n"
    assert "line 11 from v2\n" in read(amended, "notes.txt")
    assert run_git(amended, "status", "--porcelain") == ""
    assert update_project(amended).up_to_date


def test_amended_render_commit_of_a_changed_local_source_stops_with_the_hint(
    tmp_path: Path,
) -> None:
    template = make_template(tmp_path / "template")
    repo = generate(template, tmp_path / "proj")
    build_tree(repo, {"MINE.md": "x\n"})
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "--amend", "--no-edit")
    make_template(template, {"demo/new.txt": "new\n"})
    state = repo_state(repo)

    with pytest.raises(UsageError) as info:
        update_project(repo)

    assert "--baseline" in (info.value.hint or "")
    assert "cannot be had again" in info.value.message or "no longer has" in info.value.message
    assert repo_state(repo) == state


def test_render_commit_reworded_without_trailers_renders_the_recorded_version(
    amended: Path, git_template: Path
) -> None:
    run_git(amended, "commit", "--quiet", "--amend", "-m", "Initial commit")
    _release_v2(git_template)

    report = update_project(amended)

    assert any("no render commit in the history" in note for note in report.notes)
    assert read(amended, "MINE.md") == "x\n"
    assert "Owner's line.\n" in read(amended, "README.md")
    assert read(amended, "new.txt") == "from v2\n"


def test_copier_copy_without_scaffold_records_still_needs_baseline(tmp_path: Path) -> None:
    import copier

    template = make_template(tmp_path / "template")
    plain = tmp_path / "plain"
    copier.run_copy(str(template), plain, defaults=True, quiet=True, vcs_ref="HEAD")
    run_git(plain, "init", "--quiet", "--initial-branch=main")
    commit(plain, {}, "copier copy")

    with pytest.raises(NoRenderCommitError):
        update_project(plain)


# -- case 2 lives in test_update_interrupts.py -------------------------------------------------

# -- case 3: ignored and untracked files the template would write ------------------------------


def test_ignored_file_at_a_path_the_template_adds_is_refused(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    commit(repo, {".gitignore": "/notebooks/\n"})
    build_tree(repo, {"notebooks/eda.ipynb": "the owner's notebook\n"})
    _release_v2(git_template, {"demo/notebooks/eda.ipynb": "template notebook\n"})
    state = repo_state(repo)

    forecast = update_project(repo, dry_run=True)
    with pytest.raises(PathsInTheWayError) as info:
        update_project(repo)

    assert forecast.in_the_way == ["notebooks/eda.ipynb"]
    assert info.value.paths == ["notebooks/eda.ipynb"]
    assert "--backup-ignored" in (info.value.hint or "")
    assert repo_state(repo) == state
    assert read(repo, "notebooks/eda.ipynb") == "the owner's notebook\n"

    report = update_project(repo, backup_ignored=True)

    assert report.merge
    assert read(repo, "notebooks/eda.ipynb") == "template notebook\n"
    assert read(repo, "notebooks/eda.ipynb.scaffold-backup") == "the owner's notebook\n"


def test_dry_run_works_with_untracked_files_and_names_them(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    build_tree(repo, {"scratch.txt": "mine\n", "new.txt": "my own new.txt\n"})
    _release_v2(git_template)
    state = repo_state(repo)

    report = update_project(repo, dry_run=True)
    result = runner.invoke(app, ["update", "--dry-run", str(repo)])

    assert sorted(report.untracked) == ["new.txt", "scratch.txt"]
    assert report.in_the_way == ["new.txt"]
    assert result.exit_code == 0, result.output
    assert "new.txt exist(s) untracked or ignored" in result.output
    assert "2 untracked file(s)" in result.output
    assert repo_state(repo) == state


# -- case 5: the owner's hooks run on the merge commit -----------------------------------------


def _hook(repo: Path, name: str, body: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\nset -e\n" + body, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def test_commit_msg_and_pre_merge_commit_hooks_run_on_the_merge(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    _hook(repo, "commit-msg", 'printf "\\nSigned-off-by: Owner <o@example.com>\\n" >> "$1"\n')
    _hook(repo, "pre-merge-commit", "echo formatted > FORMATTED.txt\ngit add FORMATTED.txt\n")
    _release_v2(git_template)

    report = update_project(repo)

    assert report.merge == run_git(repo, "rev-parse", "HEAD").strip()
    assert "Signed-off-by: Owner <o@example.com>" in run_git(repo, "log", "-1", "--format=%B")
    assert run_git(repo, "show", "HEAD:FORMATTED.txt") == "formatted\n"
    assert run_git(repo, "log", "-1", "--format=%P").split()[1] == report.render
    assert run_git(repo, "status", "--porcelain") == ""
    render_files = run_git(repo, "ls-tree", "-r", "--name-only", report.render or "").split()
    assert "FORMATTED.txt" not in render_files


def test_a_refusing_hook_stops_the_update_and_no_verify_skips_it(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    _hook(repo, "pre-merge-commit", "echo 'lint failed' >&2\nexit 1\n")
    _release_v2(git_template)
    state = repo_state(repo)

    with pytest.raises(HookRejectedError, match="lint failed"):
        update_project(repo)
    assert repo_state(repo) == state

    result = runner.invoke(app, ["update", "--no-verify", str(repo)])
    assert result.exit_code == 0, result.output
    assert read(repo, "new.txt") == "from v2\n"


# -- case 4: a project in a folder of a larger repository --------------------------------------


def _monorepo(tmp_path: Path) -> Path:
    mono = tmp_path / "mono"
    mono.mkdir()
    run_git(mono, "init", "--quiet", "--initial-branch=main")
    commit(mono, {"README.md": "# Monorepo\n", "services/other/app.py": "print('hi')\n"})
    return mono


def _check_subfolder_update(mono: Path, git_template: Path) -> None:
    project = mono / "services" / "p"
    commit(mono, {"services/p/notes.txt": "owner's first line\n" + NOTES})
    _release_v2(git_template)

    report = update_project(project)

    assert not report.conflicts, report
    assert by_path(report)["new.txt"] == "added"
    assert read(project, "new.txt") == "from v2\n"
    notes = read(project, "notes.txt")
    assert "owner's first line\n" in notes
    assert "line 11 from v2\n" in notes
    assert read(mono, "README.md") == "# Monorepo\n"
    assert not (mono / "new.txt").exists()
    assert run_git(mono, "status", "--porcelain") == ""
    changed = run_git(mono, "diff", "--name-only", f"{report.render}^", report.render or "")
    assert all(path.startswith("services/p/") for path in changed.split()), changed
    assert update_project(mono).up_to_date


def test_project_copied_into_a_subfolder_updates_only_that_folder(
    tmp_path: Path, git_template: Path
) -> None:
    generated = _generate(git_template, tmp_path / "proj")
    mono = _monorepo(tmp_path)
    shutil.copytree(generated, mono / "services" / "p", ignore=shutil.ignore_patterns(".git"))
    commit(mono, {}, "copy the project in")

    _check_subfolder_update(mono, git_template)


def test_project_imported_as_a_subtree_updates_only_that_folder(
    tmp_path: Path, git_template: Path
) -> None:
    generated = _generate(git_template, tmp_path / "proj")
    mono = _monorepo(tmp_path)
    run_git(mono, "subtree", "add", "--prefix=services/p", str(generated), "main")

    _check_subfolder_update(mono, git_template)


# -- also seen ---------------------------------------------------------------------------------


def test_downgrade_is_refused_unless_allowed(tmp_path: Path, git_template: Path) -> None:
    _release_v2(git_template)
    repo = _generate(git_template, tmp_path / "proj")
    state = repo_state(repo)

    with pytest.raises(UsageError, match="older than the recorded version v2"):
        update_project(repo, to="v1")
    assert repo_state(repo) == state

    report = update_project(repo, to="v1", allow_downgrade=True)
    assert report.new_version == "v1"
    assert not (repo / "new.txt").exists()


def test_conflicts_say_nothing_was_committed_and_label_the_template(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    commit(repo, {"notes.txt": NOTES + "owner's line 11\n"})
    _release_v2(git_template)

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 3, result.output
    assert "Updating demo template v1 -> v2 (conflicts, nothing committed)" in result.output
    assert "Updated" not in result.output
    notes = read(repo, "notes.txt")
    assert "<<<<<<< HEAD\n" in notes
    assert ">>>>>>> template v2\n" in notes
    assert run_git(repo, "ls-files", "-u", "notes.txt").count("\n") == 3
    run_git(repo, "merge", "--abort")
    assert run_git(repo, "status", "--porcelain") == ""


def test_resolved_conflict_commits_as_a_merge_of_the_render(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    commit(repo, {"notes.txt": NOTES + "owner's line 11\n"})
    _release_v2(git_template)
    report = update_project(repo)
    build_tree(repo, {"notes.txt": NOTES + "owner's line 11\nline 11 from v2\n"})
    run_git(repo, "add", "notes.txt")
    run_git(repo, "commit", "--quiet", "--no-edit")

    assert run_git(repo, "log", "-1", "--format=%P").split()[1] == report.render
    assert update_project(repo).up_to_date


def test_yaml_error_in_the_answers_file_is_reported_as_file_and_line(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    commit(repo, {".copier-answers.yml": read(repo, ".copier-answers.yml") + "broken: [1, 2\n"})

    result = runner.invoke(app, ["update", str(repo)])

    assert result.exit_code == 2
    assert f"{repo / '.copier-answers.yml'}:" in result.output
    assert "<unicode string>" not in result.output


def test_check_does_not_call_an_older_version_newer(tmp_path: Path, git_template: Path) -> None:
    _release_v2(git_template)
    repo = _generate(git_template, tmp_path / "proj")

    assert not check_for_update(repo, to="v1").newer


# -- scenarios beyond the listed cases ---------------------------------------------------------


def test_update_in_a_linked_worktree_moves_only_its_branch(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    main_head = run_git(repo, "rev-parse", "HEAD").strip()
    linked = tmp_path / "linked"
    run_git(repo, "worktree", "add", "--quiet", "-b", "feature", str(linked))
    commit(linked, {"notes.txt": "feature line\n" + NOTES})
    _release_v2(git_template)

    report = update_project(linked)

    assert report.merge == run_git(linked, "rev-parse", "feature").strip()
    assert run_git(repo, "rev-parse", "main").strip() == main_head
    assert "feature line\n" in read(linked, "notes.txt")
    assert read(linked, "new.txt") == "from v2\n"
    assert run_git(linked, "status", "--porcelain") == ""
    assert run_git(repo, "status", "--porcelain") == ""


def test_separate_git_dir_conflict_state_is_where_git_looks(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    run_git(repo, "init", "--quiet", f"--separate-git-dir={tmp_path / 'gitdir'}")
    commit(repo, {"notes.txt": NOTES + "owner's line 11\n"})
    _release_v2(git_template)

    report = update_project(repo)

    assert report.conflicts
    assert (tmp_path / "gitdir" / "MERGE_HEAD").read_text().strip() == report.render
    run_git(repo, "merge", "--abort")
    assert run_git(repo, "status", "--porcelain") == ""


def test_executable_bit_from_the_template_reaches_the_work_tree(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    build_tree(git_template, {"demo/run.sh": "#!/bin/sh\necho run\n"})
    script = git_template / "demo" / "run.sh"
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    _release_v2(git_template)

    update_project(repo)

    assert os.access(repo / "run.sh", os.X_OK)
    assert run_git(repo, "ls-files", "-s", "run.sh").startswith("100755")
    assert run_git(repo, "status", "--porcelain") == ""


def test_non_ascii_conflict_keeps_both_sides(tmp_path: Path, git_template: Path) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    lines = NOTES.splitlines(keepends=True)
    commit(repo, {"notes.txt": "".join([*lines[:4], "ligne à moi — 日本語\n", *lines[5:]])})
    _release_v2(git_template, {"demo/notes.txt": "".join([*lines[:4], "Zeile für v2 ✓\n"])})

    report = update_project(repo)

    notes = read(repo, "notes.txt")
    assert report.conflicts
    assert "ligne à moi — 日本語\n" in notes
    assert "Zeile für v2 ✓\n" in notes
    assert ">>>>>>> template v2\n" in notes


def test_file_renamed_and_edited_by_the_owner_gets_the_template_change(
    tmp_path: Path, git_template: Path
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    run_git(repo, "mv", "notes.txt", "NOTES.md")
    commit(repo, {"NOTES.md": "owner's first line\n" + NOTES}, "rename and edit")
    _release_v2(git_template)

    report = update_project(repo)

    assert not report.conflicts
    assert not (repo / "notes.txt").exists()
    merged = read(repo, "NOTES.md")
    assert "owner's first line\n" in merged
    assert "line 11 from v2\n" in merged


def test_one_clone_per_update(
    tmp_path: Path, git_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _generate(git_template, tmp_path / "proj")
    _release_v2(git_template)
    trace = tmp_path / "git-trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    update_project(repo)

    clones = [line for line in trace.read_text().splitlines() if "git clone" in line]
    assert len(clones) == 1, clones
    assert read(repo, "new.txt") == "from v2\n"


@pytest.fixture
def two_tracks(tmp_path: Path, git_template: Path) -> Path:
    """The git template with a maintenance branch `lts` (tag v1.1) beside main's v2."""
    run_git(git_template, "checkout", "--quiet", "-b", "lts", "v1")
    commit(git_template, {"demo/lts.txt": "lts fix\n"}, "lts fix")
    run_git(git_template, "tag", "v1.1")
    run_git(git_template, "checkout", "--quiet", "main")
    _release_v2(git_template)
    return git_template


def test_a_project_on_a_tag_of_another_branch_follows_that_branchs_tags(
    tmp_path: Path, two_tracks: Path
) -> None:
    repo = generate(f"{two_tracks}@v1", tmp_path / "proj")
    assert update_project(repo, to="v1.1").new_version == "v1.1"

    assert update_project(repo).up_to_date
    assert not check_for_update(repo).newer
    assert read(repo, "lts.txt") == "lts fix\n"
    assert not (repo / "new.txt").exists()

    run_git(two_tracks, "checkout", "--quiet", "lts")
    commit(two_tracks, {"demo/lts.txt": "lts fix 2\n"}, "lts fix 2")
    run_git(two_tracks, "tag", "v1.2")
    run_git(two_tracks, "checkout", "--quiet", "main")

    assert check_for_update(repo).newer
    report = update_project(repo)
    assert report.new_version == "v1.2"
    assert read(repo, "lts.txt") == "lts fix 2\n"
    assert not (repo / "new.txt").exists()


def test_a_project_on_a_branch_follows_that_branch(tmp_path: Path, two_tracks: Path) -> None:
    repo = generate(f"{two_tracks}@v1", tmp_path / "proj")
    run_git(two_tracks, "checkout", "--quiet", "lts")
    commit(two_tracks, {"demo/lts.txt": "untagged lts work\n"}, "lts work")
    run_git(two_tracks, "checkout", "--quiet", "main")
    update_project(repo, to="lts")
    run_git(two_tracks, "checkout", "--quiet", "lts")
    commit(two_tracks, {"demo/lts.txt": "more lts work\n"}, "more lts work")
    run_git(two_tracks, "checkout", "--quiet", "main")

    assert check_for_update(repo).newer
    update_project(repo)

    assert read(repo, "lts.txt") == "more lts work\n"
    assert not (repo / "new.txt").exists()
