"""Cohorts under concurrency, killed workers and untrusted student repos (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from scaffold.cohort import RowStatus, new_cohort
from scaffold.cohort_update import UpdateStatus, update_cohort
from scaffold.locks import LOCK_FILE
from scaffold.sources import open_source
from tests.helpers import git
from tests.unit.cohort_helpers import COPIER_YML, make_course_template, write

SCAFFOLD = [sys.executable, "-m", "scaffold"]
ROSTER = "id,name,email\n" + "".join(f"s{n},Student {n},s{n}@example.org\n" for n in range(4))


def _complete(repo: Path) -> bool:
    log = git(repo, "log", "--format=%(trailers:key=Scaffold-Template,valueonly)")
    return log.strip() != "" and git(repo, "status", "--porcelain") == ""


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def _made_cohort(tmp_path: Path) -> tuple[Path, Path]:
    """The course template and a cohort of ROSTER's four students made from it."""
    course = make_course_template(tmp_path / "course")
    out = tmp_path / "cohort"
    new_cohort(
        write(tmp_path / "r.csv", ROSTER), template="course", out=out, source=str(course), jobs=1
    )
    return course, out


def test_a_second_cohort_run_on_the_same_directory_refuses(tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    # The first run holds inside a render until the test releases it: a synchronisation
    # point, so the second run is started while the first one certainly works.
    course = make_course_template(
        tmp_path / "course",
        {
            "copier.yml": COPIER_YML
            + "_tasks:\n"
            + f"  - \"touch '{started}'; for i in $(seq 1200); do [ -e '{release}' ] && break;"
            + ' sleep 0.1; done"\n'
        },
    )
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "cohort"
    command = [*SCAFFOLD, "cohort", "new", str(roster), "--template", "course", "--out", str(out)]
    command += ["--source", str(course), "--trust", "--jobs", "2"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(started, first)
        second = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        assert second.returncode == 2, second.stderr
        assert f"another scaffold run (pid {first.pid})" in second.stderr
        assert "hint:" in second.stderr
    finally:
        release.touch()
        _out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    repos = sorted(p for p in out.iterdir() if p.is_dir())
    assert [p.name for p in repos] == ["s0", "s1", "s2", "s3"]
    assert all(_complete(repo) for repo in repos)
    assert not (out / LOCK_FILE).exists()
    statuses = [r["status"] for r in json.loads((out / "cohort.json").read_text())["repos"]]
    assert statuses == ["created"] * 4


def test_a_stale_lock_is_taken_over_with_a_notice(tmp_path: Path) -> None:
    course = make_course_template(tmp_path / "course")
    out = tmp_path / "cohort"
    out.mkdir()
    dead = _dead_pid()
    (out / LOCK_FILE).write_text(f"{dead}\n")
    report = new_cohort(
        write(tmp_path / "r.csv", ROSTER), template="course", out=out, source=str(course), jobs=1
    )
    assert report.ok
    assert f"an earlier run (pid {dead}) did not finish" in " ".join(report.notices)
    assert not (out / LOCK_FILE).exists()


def test_a_worker_killed_mid_render_fails_its_row_only(tmp_path: Path) -> None:
    # The task of student s2's render kills the worker process itself, as the OOM killer would.
    course = make_course_template(
        tmp_path / "course",
        {
            "copier.yml": COPIER_YML
            + "_tasks:\n"
            + "  - \"{% if author_name == 'Student 2' %}kill -9 $PPID{% else %}true{% endif %}\"\n"
        },
    )
    out = tmp_path / "cohort"
    report = new_cohort(
        write(tmp_path / "r.csv", ROSTER),
        template="course",
        out=out,
        source=str(course),
        trust=True,
        jobs=2,
    )
    by_id = {e.id: e for e in report.entries}
    assert by_id["s2"].status is RowStatus.FAILED
    assert "killed by SIGKILL" in str(by_id["s2"].error)
    assert [by_id[i].status for i in ("s0", "s1", "s3")] == [RowStatus.CREATED] * 3
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["s0", "s1", "s3"]
    assert all(_complete(out / i) for i in ("s0", "s1", "s3"))


def test_update_never_runs_a_source_a_student_recorded(tmp_path: Path) -> None:
    course, out = _made_cohort(tmp_path)
    pwned = tmp_path / "PWNED"
    evil = make_course_template(
        tmp_path / "evil",
        {"copier.yml": COPIER_YML + f"_tasks:\n  - touch '{pwned}'\n"},
    )
    repo = out / "s1"
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    answers["_scaffold_source"] = str(evil)
    (repo / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    git(repo, "commit", "-qam", "point the updates at my own template")
    make_course_template(course, {"course/extra.txt": "new in v2\n"})

    results = {r.repo.name: r for r in update_cohort([out], trust=True, jobs=2)}

    assert not pwned.exists()
    # s1's own edit of the source line meets the cohort's: a conflict on that line alone.
    assert results["s1"].status is UpdateStatus.CONFLICTED
    assert results["s1"].conflicts == [".copier-answers.yml"]
    assert {results[i].status for i in ("s0", "s2", "s3")} == {UpdateStatus.CLEAN}
    branch = str(results["s0"].branch)
    assert git(out / "s0", "show", f"{branch}:extra.txt") == "new in v2\n"  # the course's v2

    # Outside its cohort directory the repo has no recorded cohort source: refused.
    alone = tmp_path / "alone"
    git(tmp_path, "clone", "-q", str(repo), str(alone))
    [result] = update_cohort([alone], trust=True, jobs=1)
    assert result.status is UpdateStatus.FAILED
    assert "pass --source" in str(result.message)
    assert not pwned.exists()


def test_leftovers_of_a_killed_update_are_removed_with_a_notice(tmp_path: Path) -> None:
    course, out = _made_cohort(tmp_path)
    repo = out / "s0"
    dead = _dead_pid()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"scaffold-cohort-{dead}-abcdefgh"
    git(repo, "worktree", "add", "-q", "-b", f"scaffold/in-progress-{dead}-x", str(tmp / "wt"))
    git(repo, "branch", f"scaffold/in-progress-{dead}-y")
    live = f"scaffold/in-progress-{os.getpid()}-z"  # a run that is still working: kept
    git(repo, "branch", live)
    make_course_template(course, {"course/extra.txt": "new in v2\n"})

    [result] = update_cohort([repo], jobs=1)

    assert result.status is UpdateStatus.CLEAN
    assert git(repo, "branch", "--list", "scaffold/in-progress-*").split() == [live]
    assert git(repo, "worktree", "list").count("\n") == 1
    assert not tmp.exists()
    cleaned = " ".join(result.cleaned)
    assert f"scaffold/in-progress-{dead}-y" in cleaned and str(tmp / "wt") in cleaned


def test_update_never_renders_a_student_source_as_the_baseline(tmp_path: Path) -> None:
    # The student rewrites the render commit itself, so the update must render a baseline
    # again, and points the record at a template of their own: it must not run.
    course, out = _made_cohort(tmp_path)
    pwned = tmp_path / "PWNED"
    evil = make_course_template(
        tmp_path / "evil", {"copier.yml": COPIER_YML + f"_tasks:\n  - touch '{pwned}'\n"}
    )
    with open_source(str(evil)) as src:
        evil_version = src.version
    repo = out / "s2"
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    answers.update(_scaffold_source=str(evil), _scaffold_version=evil_version)
    (repo / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    git(repo, "commit", "-qa", "--amend", "--no-edit")
    make_course_template(course, {"course/extra.txt": "new in v2\n"})

    [result] = update_cohort([repo], trust=True, jobs=1)

    assert not pwned.exists()
    assert result.status is UpdateStatus.FAILED
    assert "is not this run's" in str(result.message)
