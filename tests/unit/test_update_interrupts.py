"""``scaffold update`` interrupted at a known point: all or nothing, nothing left behind.

Each test runs the real CLI in a child process with ``SCAFFOLD_UPDATE_PAUSE_AT`` set: the
update writes a marker file when it reaches that point and waits there; the test waits for the
marker (no timed guess), sends the signal, then removes the marker. ``TMPDIR`` is a directory
of the test's own, so anything an update leaves in it is seen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scaffold.update import PAUSE_AT_ENV, PAUSE_MARKER_ENV, TEMP_PREFIX
from tests.unit.update_helpers import NOTES, commit, generate, make_template, read, run_git


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """A repo from a git template at v1 with a local edit, and v2 released; returns both."""
    template = make_template(tmp_path / "template")
    run_git(template, "init", "--quiet", "--initial-branch=main")
    commit(template, {}, "v1")
    run_git(template, "tag", "v1")
    repo = generate(f"{template}@HEAD", tmp_path / "proj")
    commit(repo, {"notes.txt": "owner's line\n" + NOTES})
    commit(template, {"demo/notes.txt": NOTES + "v2 line\n", "demo/new.txt": "v2\n"}, "v2")
    run_git(template, "tag", "v2")
    return repo, tmp_path


def _state(repo: Path) -> tuple[str, str, str, str]:
    return (
        run_git(repo, "rev-parse", "HEAD"),
        run_git(repo, "status", "--porcelain=v1", "--untracked-files=all", "--ignored"),
        run_git(repo, "worktree", "list", "--porcelain"),
        run_git(repo, "for-each-ref"),
    )


def _start(repo: Path, tmp: Path, point: str) -> tuple[subprocess.Popen[str], Path]:
    marker = tmp / f"paused-at-{point}"
    (tmp / "tmpdir").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "TMPDIR": str(tmp / "tmpdir"),
        PAUSE_AT_ENV: point,
        PAUSE_MARKER_ENV: str(marker),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "update", str(repo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the update never reached its pause point"
        time.sleep(0.02)
    return proc, marker


def _interrupt(repo: Path, tmp: Path, point: str, sig: int) -> tuple[int, str, str]:
    proc, marker = _start(repo, tmp, point)
    proc.send_signal(sig)
    marker.unlink()
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _update(repo: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp / "tmpdir")}
    return subprocess.run(
        [sys.executable, "-m", "scaffold", "update", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("point", "sig"),
    [
        pytest.param("render", signal.SIGTERM, id="sigterm-after-render"),
        pytest.param("merge", signal.SIGINT, id="sigint-before-the-branch-moves"),
    ],
)
def test_interrupt_before_the_branch_moves_changes_nothing(
    setup: tuple[Path, Path], point: str, sig: int
) -> None:
    repo, tmp = setup
    before = _state(repo)

    code, _out, err = _interrupt(repo, tmp, point, sig)

    assert code == 130, err
    assert "interrupted; nothing was written" in err
    assert _state(repo) == before
    assert not (repo / ".git" / "MERGE_HEAD").exists()
    assert list((tmp / "tmpdir").iterdir()) == []


@pytest.mark.parametrize(
    ("point", "sig"),
    [
        pytest.param("committed", signal.SIGTERM, id="sigterm-while-the-branch-moves"),
        pytest.param("done", signal.SIGINT, id="sigint-after-the-merge"),
    ],
)
def test_interrupt_once_the_branch_moved_finishes_and_exits_0(
    setup: tuple[Path, Path], point: str, sig: int
) -> None:
    repo, tmp = setup

    code, out, err = _interrupt(repo, tmp, point, sig)

    assert code == 0, err
    assert "Merged as" in out
    assert read(repo, "new.txt") == "v2\n"
    assert "owner's line\n" in read(repo, "notes.txt")
    assert run_git(repo, "status", "--porcelain") == ""
    assert not (repo / ".git" / "MERGE_HEAD").exists()
    assert list((tmp / "tmpdir").iterdir()) == []


def test_leftovers_of_a_killed_run_are_removed_by_the_next(setup: tuple[Path, Path]) -> None:
    repo, tmp = setup
    before = _state(repo)

    code, _out, _err = _interrupt(repo, tmp, "render", signal.SIGKILL)
    head_after_kill = _state(repo)[0]
    left = [p.name for p in (tmp / "tmpdir").iterdir()]
    # An older scaffold rendered in a registered worktree; a killed run left it behind.
    old = tmp / "tmpdir" / f"{TEMP_PREFIX}999999999-old" / "render"
    run_git(repo, "worktree", "add", "--quiet", "--detach", str(old), "HEAD")
    result = _update(repo, tmp)

    assert code == -signal.SIGKILL
    assert head_after_kill == before[0]
    assert len(left) == 1
    assert left[0].startswith(TEMP_PREFIX)
    assert result.returncode == 0, result.stderr
    assert f"note: removed {tmp / 'tmpdir' / left[0]}" in result.stderr
    assert f"note: removed the worktree {old}" in result.stderr
    assert list((tmp / "tmpdir").iterdir()) == []
    assert run_git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert read(repo, "new.txt") == "v2\n"


def test_conflicted_update_interrupted_before_the_branch_moves_leaves_no_merge(
    setup: tuple[Path, Path],
) -> None:
    repo, tmp = setup
    commit(repo, {"notes.txt": "owner's line\n" + NOTES + "owner's line 11\n"})
    before = _state(repo)

    code, _out, err = _interrupt(repo, tmp, "merge", signal.SIGTERM)
    state_after = _state(repo)
    again = _update(repo, tmp)

    assert code == 130, err
    assert state_after == before
    assert again.returncode == 3, again.stderr
    assert (repo / ".git" / "MERGE_HEAD").exists()
    run_git(repo, "merge", "--abort")
    assert _state(repo) == before
