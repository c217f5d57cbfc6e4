"""Cohorts of the real templates, through the installed ``scaffold`` command in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TEMPLATES
from tests.helpers import git
from tests.unit.cohort_helpers import write

SCAFFOLD = str(Path(sys.executable).parent / "scaffold")
#: Eight students: with two jobs, the run is stopped long before the last repo is made.
STUDENTS = 8
ROSTER = "id,name,email,domain,deploy_target\n" + "".join(
    f"s{n:02d},Student {n},s{n}@example.org,{d},docker\n"
    for n, d in enumerate(
        (["healthcare", "finance", "retail", "legal", "customer-support"] * 2)[:STUDENTS]
    )
)


def _complete(repo: Path) -> bool:
    """A repo is complete when its render commit exists and its tree matches it exactly."""
    log = git(repo, "log", "--format=%(trailers:key=Scaffold-Template,valueonly)")
    return log.strip() != "" and git(repo, "status", "--porcelain") == ""


#: Valid rows of the cohort below (two bad rows follow them): more than ``--jobs 2`` runs at once.
GOOD = 5


def test_a_cohort_with_two_bad_rows_then_an_update_reaches_all(tmp_path: Path) -> None:
    source = tmp_path / "course-templates"
    shutil.copytree(TEMPLATES, source)
    roster = write(
        tmp_path / "roster.csv",
        "id,name,email,domain\n"
        + "".join(f"s{n},Student {n},s{n}@example.org,finance\n" for n in range(GOOD))
        + "s3,Student Again,again@example.org,finance\n"
        + "s9,Student Nine,s9@example.org,astrology\n",
    )
    out = tmp_path / "cohort"
    new = subprocess.run(
        [
            SCAFFOLD,
            "cohort",
            "new",
            str(roster),
            "--template",
            "rag-system",
            "--out",
            str(out),
            "--source",
            str(source),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert new.returncode == 1, new.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f"s{n}" for n in range(GOOD)]
    # Bad rows are reported by their line in the roster file (the header is line 1).
    duplicate, unknown = GOOD + 2, GOOD + 3
    assert re.search(
        rf"(?m)^{duplicate}\s+s3\s+invalid\s+duplicate id 's3' \(first on line 5\)$", new.stdout
    )
    assert re.search(
        rf"(?m)^{unknown}\s+s9\s+invalid\s+domain 'astrology' is not one of", new.stdout
    )

    readme = source / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nCourse note: office hours are on Fridays.\n")
    update = subprocess.run(
        [SCAFFOLD, "cohort", "update", str(out), "--jobs", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert f"{GOOD} clean." in update.stdout
    manifest = json.loads((out / "cohort.json").read_text())
    branches = {r["update"]["branch"] for r in manifest["repos"] if "update" in r}
    [branch] = branches
    for n in range(GOOD):
        repo = out / f"s{n}"
        assert "office hours are on Fridays" in git(repo, "show", f"{branch}:README.md")
        assert "office hours" not in (repo / "README.md").read_text()


def test_killing_the_run_leaves_each_repo_complete_or_absent(tmp_path: Path) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "cohort"
    proc = subprocess.Popen(
        [
            SCAFFOLD,
            "cohort",
            "new",
            str(roster),
            "--template",
            "ml-pipeline",
            "--out",
            str(out),
            "--jobs",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "true"},
    )
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(p.name.startswith("s") for p in out.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no repo appeared within 120 s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _stdout, stderr = proc.communicate(timeout=120)

    assert proc.returncode == 130, stderr
    assert "every repo is either complete or absent" in stderr
    made = sorted(p for p in out.iterdir() if p.is_dir())
    assert [p for p in made if p.name.startswith(".")] == []  # no staging directory left
    assert 1 <= len(made) < STUDENTS
    assert all(_complete(repo) for repo in made)
    # Re-running finishes the job and keeps what exists.
    again = subprocess.run(
        [SCAFFOLD, "cohort", "new", str(roster), "--template", "ml-pipeline", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    statuses = [r["status"] for r in json.loads((out / "cohort.json").read_text())["repos"]]
    assert statuses.count("exists") == len(made)
    assert statuses.count("created") == STUDENTS - len(made)
