"""``scaffold new`` DEST edge cases and leftovers of killed runs (exit 2 before rendering)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.staging import TEMP_PREFIX, Staging, sweep
from tests.helpers import git

runner = CliRunner()


def _new(dest: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["new", "rag-system", str(dest), "--defaults", *extra])
    return result.exit_code, result.stdout, result.stderr


def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    dest.symlink_to(tmp_path / "nowhere")
    code, _, err = _new(dest)
    assert code == 2 and "does not exist" in err and "hint:" in err
    assert "Traceback" not in err and dest.is_symlink() and not (tmp_path / "nowhere").exists()


def test_symlink_to_an_empty_directory_renders_where_it_points(tmp_path: Path) -> None:
    target = tmp_path / "real place"  # a path with a space, too
    target.mkdir()
    dest = tmp_path / "repo"
    dest.symlink_to(target)
    code, _, err = _new(dest, "--data", "project_name=repo")
    assert code == 0, err
    assert dest.is_symlink() and (target / "README.md").is_file()
    assert git(target, "status", "--porcelain") == ""


@pytest.mark.parametrize("kind", ["file", "parent-file"])
def test_a_file_in_the_way_is_refused(tmp_path: Path, kind: str) -> None:
    blocker = tmp_path / "thing"
    blocker.write_text("not a directory")
    dest = blocker if kind == "file" else blocker / "repo"
    code, _, err = _new(dest)
    assert code == 2, err
    assert "is a file" in err and "hint:" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing"]


def test_read_only_parent_is_refused_before_rendering() -> None:
    parent = Path(tempfile.mkdtemp(prefix="scaffold-ro-"))
    try:
        parent.chmod(0o755)
        locked = parent / "locked"
        locked.mkdir(mode=0o555)
        command = [sys.executable, "-m", "scaffold", "new", "rag-system", str(locked / "repo")]
        command += ["--defaults"]
        if os.geteuid() == 0:  # root writes anywhere: run as nobody, as a student would be
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("setpriv is needed to test permissions as root")
            probe = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
            if subprocess.run(
                [*probe, sys.executable, "-c", "import scaffold"], capture_output=True, check=False
            ).returncode:
                pytest.skip("user nobody cannot run this interpreter")
            command = [*probe, *command]
        env = {**os.environ, "HOME": str(parent), "CI": "true"}
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "not writable" in proc.stderr and "hint:" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(parent)


def test_leftover_staging_of_a_killed_run_is_removed_with_a_notice(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = tmp_path / f"{TEMP_PREFIX}{dead.pid}-abc123"
    (leftover / "project").mkdir(parents=True)
    live = Staging(tmp_path)  # a run still working beside us: never touched
    try:
        code, _, err = _new(tmp_path / "repo")
        assert code == 0, err
        assert f"note: removed {leftover}" in err
        assert not leftover.exists() and live.path.is_dir()
    finally:
        live.close()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_sweep_keeps_a_live_run_and_a_young_unlocked_directory(tmp_path: Path) -> None:
    live = Staging(tmp_path)
    young = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-young"
    young.mkdir()  # our own pid, no lock yet: a run in its first instants
    old = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-old"
    old.mkdir()  # our pid again (a reused id), no lock, long ago: abandoned
    os.utime(old, (1, 1))
    try:
        assert sweep(tmp_path) == [old]
        assert live.path.is_dir() and young.is_dir()
    finally:
        live.close()
