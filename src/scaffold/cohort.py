"""``scaffold cohort new``: one repo per roster row, rendered in parallel, with a manifest.

Each repo is an ordinary scaffold repo (git, a pristine render commit, the answers file) whose
render commit is authored by the student. Rows render in worker processes through the same
:func:`~scaffold.render.render_project` as ``scaffold new``, so a repo is either complete or
absent, whatever happens to the run. ``DIR/cohort.json`` records every row's outcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from scaffold.answers import load_answers_file
from scaffold.errors import ScaffoldError, UsageError
from scaffold.locks import RunLock
from scaffold.parallel import collect_parallel, worker_count
from scaffold.project import ANSWERS_FILE, VERSION_KEY
from scaffold.render import render_project
from scaffold.roster import RosterRow, read_rows, validate
from scaffold.sources import TemplateSource, open_source
from scaffold.staging import sweep

MANIFEST = "cohort.json"
MANIFEST_SCHEMA = 1


class RowStatus(StrEnum):
    """What ``cohort new`` did with one roster row."""

    CREATED = "created"
    EXISTS = "exists"
    INVALID = "invalid"
    FAILED = "failed"


@dataclass(frozen=True)
class CohortEntry:
    """One row of ``cohort.json``: a roster row and its repo."""

    row: int
    id: str | None
    repo: str | None
    """The repo's directory, relative to the cohort directory."""
    status: RowStatus
    template_version: str | None = None
    error: str | None = None
    update: dict[str, Any] | None = None
    """The last ``cohort update`` of this repo: status, branch, version, file counts."""


@dataclass(frozen=True)
class NewReport:
    """What ``cohort new`` did, one entry per roster row in file order."""

    out: Path
    template: str
    source: str
    version: str
    entries: list[CohortEntry] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Things to tell the user that are not errors (leftovers removed, a stale lock)."""

    def count(self, status: RowStatus) -> int:
        """Return how many rows ended with ``status``."""
        return sum(1 for e in self.entries if e.status is status)

    @property
    def ok(self) -> bool:
        """True when no row was invalid or failed."""
        return not (self.count(RowStatus.INVALID) or self.count(RowStatus.FAILED))


@dataclass(frozen=True)
class _RenderTask:
    source: TemplateSource
    out: Path
    row: RosterRow


def new_cohort(
    roster: Path,
    *,
    template: str,
    out: Path,
    answers_file: Path | None = None,
    source: str | None = None,
    trust: bool = False,
    jobs: int | None = None,
    on_result: Callable[[CohortEntry], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> NewReport:
    """Render one repo per valid roster row into ``out`` and write ``out/cohort.json``.

    Args:
        roster: CSV or YAML roster (see :mod:`scaffold.roster`).
        template: The template every student gets.
        out: The cohort directory; each repo is ``out/<id>``.
        answers_file: The course's answers, locked for every student.
        source: Template source (bundled when None): a local directory or ``GIT_URL[@REF]``.
        trust: Allow Copier's unsafe features in ``source``.
        jobs: Worker processes (default: the number of cores).
        on_result: Called in this process as each row finishes (for progress).
        on_start: Called once with the number of rows to render.

    Raises:
        ScaffoldError: The roster, the answers file or the source cannot be read.
    """
    locked = load_answers_file(answers_file) if answers_file else {}
    if "template" in locked and locked["template"] != template:
        raise UsageError(
            f"the course answers file locks template={locked['template']!r}, "
            f"but --template is {template!r}",
            "drop one of them",
        )
    locked["template"] = template
    rows = read_rows(roster)
    out = out.expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory", "pass a directory for --out")
    with open_source(source, trust=trust) as src:
        from scaffold.catalog import load_catalog

        if (src.root / "catalog.yml").is_file():
            load_catalog(src.root).template(template)
        checked = validate(rows, root=src.root, locked=locked)
        out.mkdir(parents=True, exist_ok=True)
        with RunLock(out) as lock:
            notices = [n for n in [lock.notice] if n]
            notices += _swept(out)
            entries: dict[int, CohortEntry] = {
                p.line: CohortEntry(p.line, p.id, None, RowStatus.INVALID, error=p.message)
                for p in checked.problems
            }
            todo: list[_RenderTask] = []
            for row in checked.rows:
                if (out / row.id).exists():
                    entries[row.line] = CohortEntry(
                        row.line, row.id, row.id, RowStatus.EXISTS, _recorded_version(out / row.id)
                    )
                else:
                    todo.append(_RenderTask(src, out, row))
            if on_start:
                on_start(len(todo))
            jobs = worker_count(jobs)
            try:
                collect_parallel(
                    _render_row,
                    todo,
                    jobs,
                    into=entries,
                    key=_row_of,
                    on_result=on_result,
                    on_lost=_lost_row,
                )
            finally:
                notices += _swept(out)  # what a worker killed mid-render left behind
                report = NewReport(
                    out,
                    template,
                    src.record,
                    src.version,
                    [entries[k] for k in sorted(entries)],
                    notices,
                )
                write_manifest(out, report.entries, template=template, source=src.record)
    return report


def _row_of(entry: CohortEntry) -> int:
    return entry.row


def _render_row(task: _RenderTask) -> CohortEntry:
    """Render one student's repo; return the outcome, never raise (except on interrupt)."""
    row = task.row
    try:
        result = render_project(
            task.source,
            task.out / row.id,
            dict(row.answers),
            defaults=True,
            interactive=False,
            cwd=task.out,
        )
    except ScaffoldError as exc:
        message = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
        return CohortEntry(row.line, row.id, None, RowStatus.FAILED, error=message)
    except Exception as exc:  # a worker reports; it must not end the whole run
        return CohortEntry(row.line, row.id, None, RowStatus.FAILED, error=repr(exc))
    return CohortEntry(row.line, row.id, row.id, RowStatus.CREATED, result.version)


def _lost_row(task: _RenderTask, why: str) -> CohortEntry:
    """The entry of a row whose worker died mid-render (its staging is swept later)."""
    row = task.row
    return CohortEntry(row.line, row.id, None, RowStatus.FAILED, error=f"{why}; re-run to retry")


def _swept(out: Path) -> list[str]:
    """Remove staging directories that dead runs left in ``out``; say what was removed."""
    return [f"removed {path.name}, left behind by an interrupted run" for path in sweep(out)]


def _recorded_version(repo: Path) -> str | None:
    try:
        data = yaml.safe_load((repo / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    version = data.get(VERSION_KEY) if isinstance(data, dict) else None
    return str(version) if version is not None else None


def read_manifest(out: Path) -> dict[str, Any] | None:
    """Return the parsed ``cohort.json`` of ``out``, or None when there is none."""
    path = out / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"cannot read {path}: {exc}", "restore it, or delete it and re-run cohort new"
        ) from exc
    return data if isinstance(data, dict) else None


def write_manifest(
    out: Path,
    entries: Iterable[CohortEntry],
    *,
    template: str | None = None,
    source: str | None = None,
) -> None:
    """Write ``out/cohort.json`` atomically, keeping each repo's last update record."""
    previous = read_manifest(out) or {}
    updates = {
        r.get("id"): r.get("update") for r in previous.get("repos", []) if isinstance(r, dict)
    }
    rows = []
    for entry in entries:
        kept = entry
        if entry.update is None and updates.get(entry.id):
            kept = replace(entry, update=updates[entry.id])
        rows.append({k: v for k, v in asdict(kept).items() if v is not None})
    payload = {
        "schema": MANIFEST_SCHEMA,
        "template": template or previous.get("template"),
        "source": source or previous.get("source"),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "repos": rows,
    }
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)


def manifest_entries(out: Path) -> list[CohortEntry]:
    """Return the entries recorded in ``out/cohort.json`` (empty when there is none)."""
    data = read_manifest(out) or {}
    entries = []
    for raw in data.get("repos", []):
        if isinstance(raw, dict) and "row" in raw and "status" in raw:
            entries.append(
                CohortEntry(
                    row=int(raw["row"]),
                    id=raw.get("id"),
                    repo=raw.get("repo"),
                    status=RowStatus(raw["status"]),
                    template_version=raw.get("template_version"),
                    error=raw.get("error"),
                    update=raw.get("update"),
                )
            )
    return entries
