"""``scaffold cohort new | update | status`` on a throwaway course template and real git repos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.cohort import RowStatus, new_cohort
from scaffold.cohort_update import UpdateStatus, cohort_status, update_cohort
from tests.helpers import git
from tests.unit.cohort_helpers import GOOD_IDS, ROSTER_CSV, make_course_template, write

runner = CliRunner()


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_course_template(tmp_path / "course-template")


@pytest.fixture
def cohort(tmp_path: Path, course: Path) -> Path:
    """A cohort of the eight good students of ROSTER_CSV, rendered with two workers."""
    roster = write(tmp_path / "roster.csv", ROSTER_CSV)
    out = tmp_path / "cohort"
    new_cohort(roster, template="course", out=out, source=str(course), jobs=2)
    return out


def _heads(out: Path) -> dict[str, str]:
    return {i: git(out / i, "rev-parse", "main").strip() for i in GOOD_IDS}


def test_new_makes_exactly_the_good_repos_and_reports_bad_rows(
    tmp_path: Path, course: Path
) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER_CSV)
    out = tmp_path / "cohort"
    result = runner.invoke(
        app,
        [
            "cohort",
            "new",
            str(roster),
            "--template",
            "course",
            "--out",
            str(out),
            "--source",
            str(course),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*GOOD_IDS, "cohort.json"])
    assert "duplicate id 'ada' (first on line 2)" in result.stdout
    assert "domain 'astrology' is not one of: healthcare, finance, legal" in result.stdout
    assert "8 created, 2 invalid" in result.stdout
    assert "[8/8]" in result.stderr  # progress, one line per repo without a terminal
    manifest = json.loads((out / "cohort.json").read_text())
    by_row = {r["row"]: r for r in manifest["repos"]}
    assert by_row[5] == {
        "row": 5,
        "id": "ada",
        "status": "invalid",
        "error": "duplicate id 'ada' (first on line 2)",
    }
    assert by_row[7]["status"] == "invalid"
    assert by_row[2]["status"] == "created"
    assert by_row[2]["repo"] == "ada"
    assert by_row[2]["template_version"].startswith("local-")
    # Each repo is a normal scaffold repo, its render commit authored by the student.
    log = git(out / "grace", "log", "--format=%an <%ae>|%(trailers:key=Scaffold-Template)")
    assert log.startswith("Grace Hopper <grace@example.org>|Scaffold-Template: course")
    assert "Domain: legal" in (out / "grace" / "README.md").read_text()
    assert git(out / "grace", "status", "--porcelain") == ""


def test_rerun_is_idempotent(tmp_path: Path, course: Path, cohort: Path) -> None:
    heads = _heads(cohort)
    roster = tmp_path / "roster.csv"
    report = new_cohort(roster, template="course", out=cohort, source=str(course), jobs=2)
    assert report.count(RowStatus.EXISTS) == 8
    assert report.count(RowStatus.CREATED) == 0
    assert _heads(cohort) == heads
    manifest = json.loads((cohort / "cohort.json").read_text())
    assert sorted(r["status"] for r in manifest["repos"]) == ["exists"] * 8 + ["invalid"] * 2


def test_locked_answers_apply_to_everyone(tmp_path: Path, course: Path) -> None:
    roster = write(tmp_path / "r.yml", "- id: ada\n- id: alan\n  python_version: '3.11'\n")
    answers = write(tmp_path / "course.yml", "python_version: '3.12'\n")
    report = new_cohort(
        roster,
        template="course",
        out=tmp_path / "out",
        source=str(course),
        answers_file=answers,
        jobs=1,
    )
    assert [e.status for e in report.entries] == [RowStatus.CREATED, RowStatus.INVALID]
    assert "contradicts the course's locked answer python_version='3.12'" in str(
        report.entries[1].error
    )
    assert (tmp_path / "out" / "ada" / "python-version").read_text() == "3.12\n"


def test_a_row_the_template_rejects_fails_alone(tmp_path: Path, course: Path) -> None:
    roster = write(tmp_path / "r.csv", "id,email\nada,ada@example.org\nalan,not-an-email\n")
    report = new_cohort(roster, template="course", out=tmp_path / "out", source=str(course))
    statuses = {e.id: e.status for e in report.entries}
    assert statuses == {"ada": RowStatus.CREATED, "alan": RowStatus.FAILED}
    assert "author_email must look like" in str(report.entries[1].error)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ada", "cohort.json"]


def test_update_branches_leave_main_untouched(course: Path, cohort: Path) -> None:
    heads = _heads(cohort)
    # The student "alan" edits a line the template will change: a conflict.
    notes = cohort / "alan" / "notes.txt"
    notes.write_text(notes.read_text().replace("line 5\n", "line five, mine\n"))
    git(cohort / "alan", "commit", "-qam", "my notes")
    heads["alan"] = git(cohort / "alan", "rev-parse", "main").strip()
    # The student "john" has uncommitted work: skipped.
    (cohort / "john" / "README.md").write_text("work in progress\n")
    # The student "grace" changed another line: her change and the template's merge cleanly.
    notes = cohort / "grace" / "notes.txt"
    notes.write_text(notes.read_text().replace("line 1\n", "line one, mine\n"))
    git(cohort / "grace", "commit", "-qam", "my notes")
    heads["grace"] = git(cohort / "grace", "rev-parse", "main").strip()
    make_course_template(
        course,
        {
            "course/notes.txt": "".join(
                f"line {n}{' (course v2)' if n == 5 else ''}\n" for n in range(1, 11)
            )
        },
    )

    results = {r.repo.name: r for r in update_cohort([cohort], jobs=2)}

    assert results["alan"].status is UpdateStatus.CONFLICTED
    assert results["alan"].conflicts == ["notes.txt"]
    assert results["john"].status is UpdateStatus.SKIPPED
    assert "1 uncommitted" in str(results["john"].message)
    clean = [i for i in GOOD_IDS if i not in ("alan", "john")]
    assert all(results[i].status is UpdateStatus.CLEAN for i in clean)
    assert _heads(cohort) == heads  # main never moves
    branch = str(results["grace"].branch)
    assert branch.startswith("scaffold/update-local-")
    merged = git(cohort / "grace", "show", f"{branch}:notes.txt")
    assert "line one, mine\n" in merged
    assert "line 5 (course v2)\n" in merged
    assert git(cohort / "grace", "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(cohort / "grace", "worktree", "list").count("\n") == 1
    assert git(cohort / "alan", "branch", "--list", "scaffold/*") == ""  # nothing kept
    manifest = {r["id"]: r for r in json.loads((cohort / "cohort.json").read_text())["repos"]}
    assert manifest["alan"]["update"]["status"] == "conflicted"
    assert manifest["grace"]["update"]["branch"] == branch
    assert manifest["grace"]["update"]["files"] == {"merged": 1, "updated": 1}

    # Again: the clean repos already have the update on their branch; nothing changes.
    again = {r.repo.name: r for r in update_cohort([cohort], jobs=2)}
    assert again["grace"].status is UpdateStatus.UP_TO_DATE
    assert again["grace"].message == f"already on branch {branch}"


def test_update_cli_table_and_exit_code(course: Path, cohort: Path) -> None:
    make_course_template(course, {"course/extra.txt": "new in v2\n"})
    (cohort / "ada" / "README.md").write_text("dirty\n")
    result = runner.invoke(app, ["cohort", "update", str(cohort), "--branch", "course-v2"])
    assert result.exit_code == 0, result.output
    assert "7 clean, 1 skipped." in result.stdout
    assert "course-v2" in result.stdout
    assert git(cohort / "donald", "show", "course-v2:extra.txt") == "new in v2\n"


def test_status_shows_versions_changes_and_pending_branches(course: Path, cohort: Path) -> None:
    (cohort / "ada" / "notes.txt").write_text("mine\n")
    (cohort / "ada" / "mine.txt").write_text("mine\n")
    git(cohort / "ada", "add", "-A")
    git(cohort / "ada", "commit", "-qm", "my work")
    (cohort / "alan" / "README.md").write_text("dirty\n")
    before = cohort_status([cohort], run_check=False)
    assert {s.behind for s in before} == {0}
    make_course_template(course, {"course/extra.txt": "new in v2\n"})
    update_cohort([cohort / "donald"], jobs=1)

    rows = {s.repo.name: s for s in cohort_status([cohort], run_check=False, jobs=2)}

    assert len(rows) == 8
    assert {r.template for r in rows.values()} == {"course"}
    assert {r.behind for r in rows.values()} == {1}
    assert rows["ada"].changed_files == 2
    assert rows["grace"].changed_files == 0
    assert rows["alan"].uncommitted == 1
    assert rows["donald"].pending_branches == [f"scaffold/update-{rows['donald'].latest}"]
    assert rows["ada"].pending_branches == []
    assert rows["ada"].version != rows["ada"].latest

    result = runner.invoke(app, ["cohort", "status", str(cohort), "--format", "json", "--check"])
    assert result.exit_code == 0, result.output
    payload = {Path(r["repo"]).name: r for r in json.loads(result.stdout)}
    assert payload["ada"]["changed_files"] == 2
    assert payload["ada"]["check"].startswith("fail: ")  # a course repo is not a portfolio
    markdown = runner.invoke(
        app, ["cohort", "status", str(cohort / "ada"), "--format", "markdown", "--no-check"]
    )
    assert markdown.stdout.startswith("| repo | template | version |")
