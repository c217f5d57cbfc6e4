"""A throwaway PostgreSQL server for the e2e tests: initdb into a temp dir, loopback, free port.

Debian's ``postgresql`` package puts the server binaries in ``/usr/lib/postgresql/<N>/bin``
(scaffold's ``make test`` installs it when missing, if it runs as root with apt). The server
refuses to run as root, so under root it runs as the package's ``postgres`` user. Trust
authentication on 127.0.0.1 only, fsync off: a test fixture, never a real database.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
INITDB_OPTIONS = ("--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
# A disposable test server: no durability, few connections.
SERVER_OPTIONS = (
    "fsync=off",
    "full_page_writes=off",
    "synchronous_commit=off",
    "max_connections=50",
)


@dataclass(frozen=True)
class Server:
    """A running server: ``url(db)`` is a SQLAlchemy URL for psycopg 3."""

    port: int
    bindir: Path

    @property
    def connection(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        subprocess.run(
            [self.bindir / "createdb", *self.connection, name],
            check=True,
            capture_output=True,
            timeout=60,
        )


def find_bindir() -> Path | None:
    """The newest installed server's bin directory, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if find_bindir() is None:
        return (
            "PostgreSQL is not installed (no initdb): `make test` installs Debian's "
            "`postgresql` package when it runs as root with apt-get"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server() -> Iterator[Server]:
    """Start a fresh server; stop it and delete its files afterwards."""
    bindir = find_bindir()
    assert bindir is not None, unavailable_reason()
    user: int | None = None
    group: int | None = None
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SUPERUSER)
        user, group = entry.pw_uid, entry.pw_gid
    # Not pytest's tmp_path: the server's user must be able to enter it (root's is 0700).
    root = Path(tempfile.mkdtemp(prefix="scaffold-pg-"))
    if user is not None and group is not None:
        os.chown(root, user, group)
    data, sockets = root / "data", root / "run"
    extra_groups: list[int] | None = [] if user is not None else None
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, *INITDB_OPTIONS],
        check=True,
        capture_output=True,
        timeout=120,
        user=user,
        group=group,
        extra_groups=extra_groups,
    )
    sockets.mkdir()
    if user is not None and group is not None:
        os.chown(sockets, user, group)
    port = _free_port()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port)]
        + ["-k", str(sockets)]
        + [f"--{option}" for option in SERVER_OPTIONS],
        stdout=log,
        stderr=subprocess.STDOUT,
        user=user,
        group=group,
        extra_groups=extra_groups,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            ready = subprocess.run(
                [bindir / "pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
            )
            if ready.returncode == 0:
                break
            assert server.poll() is None, (root / "server.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "PostgreSQL did not accept connections in 60 s"
            time.sleep(0.2)
        yield Server(port=port, bindir=bindir)
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown: roll back, close connections
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
