"""``scaffold check``: audit a repository against the portfolio checklist.

:func:`run_checks` runs the registered checks (see :mod:`scaffold.checks`) in id order, a
check whose prerequisites did not pass being skipped, and returns a :class:`CheckReport`.
Nothing here prints; :mod:`scaffold.checks.formats` turns a report into text, JSON or
Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.checks.base import (
    Check,
    CouldNotRun,
    Finding,
    SkipCheck,
    Status,
    ToolMissing,
    registered_checks,
)
from scaffold.checks.config import load_config
from scaffold.checks.repo import Repo
from scaffold.errors import UnknownCheckError, UsageError

#: Version of the JSON report format (``schemas/check-report.schema.json``).
SCHEMA_VERSION = 1
#: At most this many findings are listed per check; a last line counts the rest.
MAX_FINDINGS = 15


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one repository.

    Attributes:
        id: The check's stable id, e.g. ``SC101``.
        family: The check's family, e.g. ``readme``.
        title: What a passing repository has.
        status: pass, fail, warn (only warnings), skip or error (the check could not run).
        why: Why it matters.
        fix: How to make it pass; for an error, how to make the check runnable.
        details: The findings (at most :data:`MAX_FINDINGS`, then a count of the rest), or
            the reason for a skip or an error.
        severity: ``error`` or ``warning``: whether a finding fails the exit code.
        docs: The URL of the check's documentation (a stable anchor).
    """

    id: str
    family: str
    title: str
    status: Status
    why: str
    fix: str
    details: tuple[Finding, ...] = ()
    severity: str = "error"
    docs: str = ""

    @property
    def passed(self) -> bool:
        """True when the check passed."""
        return self.status is Status.PASS

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the result."""
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "status": self.status.value,
            "why": self.why,
            "fix": self.fix,
            "details": [d.to_dict() for d in self.details],
            "severity": self.severity,
            "docs": self.docs,
        }


@dataclass(frozen=True)
class CheckReport:
    """The results of every selected check on the repository at ``path``."""

    path: Path
    scaffold_version: str
    results: tuple[CheckResult, ...]

    def count(self, status: Status) -> int:
        """Return how many results have ``status``."""
        return sum(1 for r in self.results if r.status is status)

    @property
    def ok(self) -> bool:
        """True when no check failed or could not run."""
        return not any(r.status in (Status.FAIL, Status.ERROR) for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the report, valid against the shipped schema."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scaffold_version": self.scaffold_version,
            "path": str(self.path),
            "ok": self.ok,
            "summary": {s.value: self.count(s) for s in Status} | {"total": len(self.results)},
            "results": [r.to_dict() for r in self.results],
        }


def select_checks(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Check]:
    """Return the checks chosen by ids or id prefixes (``SC1`` is the README family).

    Args:
        select: Ids or prefixes to run; all checks when empty.
        ignore: Ids or prefixes not to run.

    Raises:
        UnknownCheckError: A value matches no check.
    """
    checks = registered_checks()

    def expand(values: Iterable[str]) -> set[str]:
        chosen: set[str] = set()
        for raw in values:
            for value in filter(None, (v.strip().upper() for v in raw.split(","))):
                matched = {cid for cid in checks if cid.startswith(value)}
                if not matched:
                    raise UnknownCheckError(value, checks)
                chosen |= matched
        return chosen

    selected = expand(select) or set(checks)
    selected -= expand(ignore)
    return [c for cid, c in checks.items() if cid in selected]


def run_checks(
    path: Path, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> CheckReport:
    """Run the selected checks on the repository at ``path``.

    Checks a selected check requires run too, but only selected ones are reported. Checks the
    repository ignores in its configuration (:mod:`scaffold.checks.config`) are reported as
    skipped, with the reason it gives.

    Args:
        path: The repository's directory (a git work tree or a plain directory).
        select: Ids or id prefixes to run (comma-separated values allowed); all when empty.
        ignore: Ids or id prefixes to leave out.

    Returns:
        One result per selected check, in id order.

    Raises:
        UsageError: ``path`` is not a directory, an id is unknown, or the repository's
            configuration is invalid.
    """
    from scaffold import __version__

    if not path.is_dir():
        raise UsageError(f"{path} is not a directory", "pass the repository's directory")
    chosen = select_checks(select, ignore)
    registry = registered_checks()
    config = load_config(path)
    waived = {
        c.id: f"ignored in {config.source}: {reason}"
        for prefix, reason in config.ignore.items()
        for c in select_checks([prefix])
    }
    repo = Repo(path)
    done: dict[str, CheckResult] = {}

    def run(check: Check) -> CheckResult:
        if check.id not in done:
            if check.id in waived:
                done[check.id] = _result(check, Status.SKIP, [Finding(waived[check.id])])
                return done[check.id]
            for required in check.requires:
                run(registry[required])
            done[check.id] = _run_one(check, repo, done)
        return done[check.id]

    results = tuple(run(c) for c in chosen)
    return CheckReport(repo.root, __version__, results)


def _result(
    check: Check, status: Status, details: Iterable[Finding], fix: str | None = None
) -> CheckResult:
    shown = list(details)
    if len(shown) > MAX_FINDINGS:
        rest = len(shown) - MAX_FINDINGS
        shown = [*shown[:MAX_FINDINGS], Finding(f"... and {rest} more not shown")]
    return CheckResult(
        check.id,
        check.family,
        check.title,
        status,
        check.why,
        check.fix if fix is None else fix,
        tuple(shown),
        check.severity,
        check.docs,
    )


def _run_one(check: Check, repo: Repo, done: dict[str, CheckResult]) -> CheckResult:
    unmet = [r for r in check.requires if done[r].status not in (Status.PASS, Status.WARN)]
    if unmet:
        why = ", ".join(f"{r} ({done[r].title}) did not pass" for r in unmet)
        return _result(check, Status.SKIP, [Finding(f"skipped: {why}")])
    try:
        findings = check.function(repo)
    except SkipCheck as skip:
        return _result(check, Status.SKIP, [Finding(f"skipped: {skip.reason}")])
    except ToolMissing as missing:
        reason = f"skipped: {missing.tool} is not installed ({missing.hint})"
        return _result(check, Status.SKIP, [Finding(reason)])
    except CouldNotRun as failed:
        details = [Finding(f"could not run: {failed.reason}"), *failed.findings]
        return _result(check, Status.ERROR, details)
    if not findings:
        return _result(check, Status.PASS, [])
    warn_only = check.severity == "warning" or all(f.warning for f in findings)
    ordered = sorted(findings, key=lambda f: f.warning)  # failures first, then warnings
    return _result(check, Status.WARN if warn_only else Status.FAIL, ordered)
