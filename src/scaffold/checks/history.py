"""Read every text blob of a repository's history once, by blob id, with two git processes.

``git rev-list --objects --all`` names each object reachable from any ref with the path it was
first seen at; ``git cat-file --batch-check`` keeps the blobs that can hold a secret (by name
and size); ``git cat-file --batch`` streams their content. A blob shared by 500 commits is read
once, so the cost follows the size of the distinct content, not the number of commits.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


class HistoryError(Exception):
    """git failed, or objects the refs reach are missing (a partial or damaged clone)."""


@dataclass
class Blobs:
    """The blobs of the history: ``paths`` maps blob id to path; ``missing`` counts the rest."""

    paths: dict[str, str] = field(default_factory=dict)
    missing: int = 0


def _run(root: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, env=env, check=False
        )
    except OSError as exc:
        raise HistoryError(f"git could not start: {exc}") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(f"`git {args[0]}` failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def list_blobs(root: Path, wanted: Callable[[str, int], bool]) -> Blobs:
    """Return the blobs reachable from any ref whose path and size ``wanted`` accepts.

    The blobs come oldest first (rev-list names them newest first), so that a line is seen
    first in the oldest version that has it.
    """
    listing = _run(root, ["rev-list", "--objects", "--all", "--missing=print"])
    candidates: dict[str, str] = {}
    missing = 0
    for raw in listing.decode("utf-8", "replace").splitlines():
        if raw.startswith("?"):
            missing += 1
            continue
        sha, _, path = raw.partition(" ")
        if path and sha not in candidates:
            candidates[sha] = path
    if not candidates:
        return Blobs(missing=missing)
    checked = _run(
        root,
        ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
        "\n".join(candidates).encode() + b"\n",
    )
    blobs = Blobs(missing=missing)
    for raw in reversed(checked.decode().splitlines()):
        parts = raw.split()
        if len(parts) == 2 and parts[1] == "missing":
            blobs.missing += 1
        elif len(parts) == 3 and parts[1] == "blob" and wanted(candidates[parts[0]], int(parts[2])):
            blobs.paths[parts[0]] = candidates[parts[0]]
    return blobs


def read_blobs(root: Path, shas: list[str]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(sha, content)`` for each blob, streamed from one ``git cat-file --batch``.

    Raises:
        HistoryError: git failed.
    """
    if not shas:
        return
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write("\n".join(shas).encode() + b"\n")
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in shas:
            header = proc.stdout.readline().split()
            if len(header) == 2:  # "<sha> missing"
                continue
            if len(header) != 3:
                raise HistoryError("`git cat-file --batch` ended early")
            content = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield header[0].decode(), content
    finally:
        proc.stdout.close()
        writer.join()
        if proc.wait() != 0:
            raise HistoryError(f"`git cat-file --batch` failed with exit code {proc.returncode}")


def first_commits(root: Path, shas: set[str]) -> dict[str, str]:
    """Return, for each blob id, the oldest commit (on any ref) that introduced it."""
    if not shas:
        return {}
    log = _run(
        root,
        ["log", "--all", "--reverse", "--raw", "--no-abbrev", "--no-renames", "--format=%x00%H"],
    )
    found: dict[str, str] = {}
    commit = ""
    for raw in log.decode("utf-8", "replace").splitlines():
        if raw.startswith("\0"):
            commit = raw[1:]
        elif raw.startswith(":"):
            new = raw.split()[3]
            if new in shas and new not in found:
                found[new] = commit
    return found
