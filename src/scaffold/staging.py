"""Hidden working directories beside a destination, owned by one live process.

``scaffold new`` (and each worker of ``cohort new``) renders into a directory named
``.scaffold-render-<pid>-<random>`` next to the destination and renames it into place when it
is complete. The owner holds an advisory lock on it while it works. A run killed with SIGKILL
cannot remove its directory, so every run first sweeps the directories whose owner is gone:
the process that made it no longer exists, or (its id reused by another process) the lock is
free. A directory of a run that is still working is never touched.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

TEMP_PREFIX = ".scaffold-render-"
_OWNER = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")
#: A directory younger than this whose lock is free may be in its first instants: kept.
_GRACE_SECONDS = 30.0


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_is_free(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases the lock we may have taken
    return True


def is_abandoned(path: Path) -> bool:
    """Whether the staging directory ``path`` belongs to no live run."""
    match = _OWNER.match(path.name)
    if match and not pid_alive(int(match[1])):
        return True
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return age > _GRACE_SECONDS and _lock_is_free(path)


def sweep(parent: Path) -> list[Path]:
    """Remove the abandoned staging directories in ``parent``; return what was removed."""
    removed: list[Path] = []
    try:
        candidates = sorted(parent.glob(f"{TEMP_PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        if path.is_dir() and not path.is_symlink() and is_abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed


class Staging:
    """A staging directory this process owns (locked) until :meth:`close` removes it."""

    def __init__(self, parent: Path) -> None:
        """Create and lock a new staging directory in ``parent``.

        Raises:
            OSError: ``parent`` cannot be written.
        """
        self.path = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=parent))
        self._fd = os.open(self.path, os.O_RDONLY)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def close(self) -> None:
        """Remove the directory, then release the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
