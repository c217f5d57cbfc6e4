"""The check framework: findings, statuses, and the registry every check module fills.

A check is a function decorated with :func:`check`. It takes a :class:`~scaffold.checks.repo.Repo`
and returns the problems it found as :class:`Finding` objects: an empty list means the check
passed. It raises :class:`SkipCheck` when it does not apply to the repository and
:class:`ToolMissing` when an external linter it needs is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold.checks.repo import Repo


class Status(StrEnum):
    """The outcome of one check."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One problem a check found, located as precisely as the check knows.

    Attributes:
        message: What is wrong, in one sentence. Never contains a secret's value.
        path: The file, relative to the checked repository, if there is one.
        line: The 1-based line in ``path``, if there is one.
        commit: The commit the finding was seen in, for findings in the git history.
        warning: A finding worth a look that does not fail the check (a development default,
            a committed binary): a check with only warnings ends as ``warn``.
    """

    message: str
    path: str | None = None
    line: int | None = None
    commit: str | None = None
    warning: bool = False

    @property
    def location(self) -> str:
        """``path:line``, prefixed by the short commit for history findings; may be empty."""
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        if self.commit:
            where = f"{self.commit[:10]} {where}".strip()
        return where

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (see ``schemas/check-report.schema.json``)."""
        return {
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "commit": self.commit,
            "location": self.location,
            "level": "warning" if self.warning else "error",
        }


class SkipCheck(Exception):
    """Raised by a check that does not apply to the repository; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CouldNotRun(Exception):
    """Raised by a check that could not do its work (a git error, unreadable objects).

    ``findings`` are the problems it found before it had to stop; they are still reported.
    """

    def __init__(self, reason: str, findings: list[Finding] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings = findings or []


class ToolMissing(Exception):
    """Raised by a check whose external tool is not installed."""

    def __init__(self, tool: str, hint: str) -> None:
        super().__init__(f"{tool} is not installed")
        self.tool = tool
        self.hint = hint


CheckFunction = Callable[["Repo"], list[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: a stable id, what it looks for, why, and how to fix a failure.

    Attributes:
        id: Stable identifier, e.g. ``SC101``; the hundreds digit is the family.
        family: Short family name, e.g. ``readme``.
        title: What a passing repository has, as a short sentence.
        why: Why it matters to a reader of the repository.
        fix: How to make the check pass.
        function: The function that runs the check.
        requires: Ids of checks that must pass first; otherwise this one is skipped.
        severity: ``error`` (a finding fails the check and the exit code) or ``warning``
            (findings end as ``warn``, the exit code stays 0).
    """

    id: str
    family: str
    title: str
    why: str
    fix: str
    function: CheckFunction
    requires: tuple[str, ...] = ()
    severity: str = "error"

    @property
    def docs(self) -> str:
        """The stable anchor of the check's entry in scaffold's README."""
        return f"{DOCS_URL}#{self.id.lower()}"


_REGISTRY: dict[str, Check] = {}
#: Where each check is documented; ``#sc101`` etc. are stable anchors in that README.
DOCS_URL = "https://github.com/scaffold/scaffold/blob/main/README.md"


def check(
    id_: str,
    *,
    family: str,
    title: str,
    why: str,
    fix: str,
    requires: tuple[str, ...] = (),
    severity: str = "error",
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``id_``.

    Args:
        id_: Stable identifier, ``SC`` and three digits.
        family: Family name shared by the checks of one module.
        title: What a passing repository has.
        why: Why it matters.
        fix: How to make the check pass.
        requires: Ids of checks that must pass before this one runs.
        severity: ``error`` or ``warning`` (see :class:`Check`).

    Returns:
        A decorator that registers the function and returns it unchanged.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if id_ in _REGISTRY:
            raise ValueError(f"check id {id_} registered twice")
        _REGISTRY[id_] = Check(id_, family, title, why, fix, function, requires, severity)
        return function

    return register


def registered_checks() -> dict[str, Check]:
    """Return every check of the built-in modules, sorted by id."""
    from scaffold.checks import (  # noqa: F401
        ci,
        code,
        docs,
        hygiene,
        readme,
        scaffold_repo,
        secrets,
    )

    return dict(sorted(_REGISTRY.items()))
