"""What an update does to each file, worked out from the three trees of a merge.

The three trees are the baseline render ``B`` (the merge base), the user's ``HEAD`` and the
fresh render ``R``; the fourth input is the merged tree ``T`` with the paths git left
conflicted. A file shows up in the report when the template changed it, when the user deleted
it (it stays deleted), or when the merge changed it in the user's tree for another reason (git
followed a rename).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class FileStatus(StrEnum):
    """The outcome of an update for one file."""

    ADDED = "added"
    UPDATED = "updated"
    MERGED = "merged"
    CONFLICTED = "conflicted"
    REMOVED = "removed"
    KEPT_DELETED = "kept deleted"


@dataclass(frozen=True)
class FileChange:
    """One row of an update report."""

    path: str
    status: FileStatus
    note: str = ""


@dataclass(frozen=True)
class Unmerged:
    """A path git left conflicted, with the stages it has (1 base, 2 ours, 3 theirs)."""

    path: str
    stages: frozenset[int]


def parse_unmerged(entries: Iterable[str]) -> dict[str, Unmerged]:
    """Group ``<mode> <object> <stage>\\t<path>`` entries (``ls-files -u``) by path."""
    stages: dict[str, set[int]] = {}
    for entry in entries:
        if not entry:
            continue
        info, _, path = entry.partition("\t")
        stages.setdefault(path, set()).add(int(info.split()[2]))
    return {path: Unmerged(path, frozenset(found)) for path, found in stages.items()}


def conflict_note(entry: Unmerged) -> str:
    """Say what kind of conflict ``entry`` is, in the user's terms."""
    if 2 not in entry.stages:
        return "deleted locally, changed by template"
    if 3 not in entry.stages:
        return "changed locally, removed by template"
    if 1 not in entry.stages:
        return "added both locally and by template"
    return "changed both locally and by template"


_TEMPLATE_STATUS = {"A": FileStatus.ADDED, "D": FileStatus.REMOVED}


def classify(
    template: Mapping[str, str],
    user: Mapping[str, str],
    result: Mapping[str, str],
    conflicts: Mapping[str, Unmerged],
) -> list[FileChange]:
    """Return one row per file the update touches or keeps deleted, sorted by path.

    Args:
        template: ``git diff --name-status`` letters from the baseline render to the new one.
        user: The same from the baseline render to the user's ``HEAD``.
        result: The same from the user's ``HEAD`` to the merged tree.
        conflicts: The paths git left conflicted.
    """
    rows: dict[str, FileChange] = {}
    for path, entry in conflicts.items():
        rows[path] = FileChange(path, FileStatus.CONFLICTED, conflict_note(entry))
    for path, change in template.items():
        if path in rows:
            continue
        if path not in user:
            rows[path] = FileChange(path, _TEMPLATE_STATUS.get(change, FileStatus.UPDATED))
        elif user[path] == "D" and change == "D":
            rows[path] = FileChange(path, FileStatus.KEPT_DELETED, "removed by template too")
        elif result.get(path) == "D":
            rows[path] = FileChange(path, FileStatus.REMOVED, "local changes moved with a rename")
        else:
            rows[path] = FileChange(path, FileStatus.MERGED, "with local changes")
    for path, change in user.items():
        if path not in rows and change == "D" and result.get(path) != "A":
            rows[path] = FileChange(path, FileStatus.KEPT_DELETED)
    for path, change in result.items():
        if path not in rows:
            status = _TEMPLATE_STATUS.get(change, FileStatus.MERGED)
            rows[path] = FileChange(path, status, "template change followed a rename")
    return [rows[path] for path in sorted(rows)]
