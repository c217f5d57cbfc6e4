"""One run at a time in a directory: an advisory lock file that names its holder.

``cohort new`` and ``cohort update`` take ``DIR/.scaffold.lock`` for the whole run, so two
runs on one cohort never render, commit or write ``cohort.json`` over each other. The kernel
releases the lock when its holder exits, however it exits (SIGKILL and the OOM killer
included). A clean finish removes the file; one that is left names the pid of a run that did
not finish, so the next run can say it took over.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from scaffold.errors import UsageError

LOCK_FILE = ".scaffold.lock"


class BusyError(UsageError):
    """Another live run holds the directory's lock."""

    def __init__(self, directory: Path, holder: str) -> None:
        self.directory = directory
        who = f"pid {holder}" if holder else "another process"
        super().__init__(
            f"another scaffold run ({who}) is working in {directory}",
            "wait for it to finish, then run this command again",
        )


class RunLock:
    """The exclusive lock of ``directory`` for this process; :meth:`release` gives it back."""

    def __init__(self, directory: Path) -> None:
        """Take the lock, or raise :class:`BusyError` at once when a live run holds it.

        ``stale_holder`` is the pid of a run that held it and died without releasing it.
        """
        self.path = directory / LOCK_FILE
        while True:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(self._fd, 64, 0).decode(errors="replace").strip()
                os.close(self._fd)
                raise BusyError(directory, holder) from None
            try:
                same = self.path.stat().st_ino == os.fstat(self._fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(self._fd)  # its holder released it (removed the file) meanwhile: retry
        previous = os.pread(self._fd, 64, 0).decode(errors="replace").strip()
        self.stale_holder = previous or None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    @property
    def notice(self) -> str | None:
        """What to tell the user about a run that died holding the lock, if one did."""
        if self.stale_holder is None:
            return None
        return f"an earlier run (pid {self.stale_holder}) did not finish; continuing its work"

    def release(self) -> None:
        """Remove the file (a clean finish), then release the lock."""
        if self._fd < 0:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
