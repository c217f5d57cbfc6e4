"""``scaffold cohort new | update | status``: the command line of :mod:`scaffold.cohort`.

Progress goes to stderr (a bar on a terminal, one line per repo otherwise); the summary
table goes to stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from scaffold.cohort import CohortEntry
    from scaffold.cohort_update import RepoStatus, RepoUpdate

cohort_app = typer.Typer(
    help="One repo per student from a roster, updated together.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

JOBS_HELP = "Parallel worker processes (default: the number of cores)."


class StatusFormat(StrEnum):
    """Output formats of ``cohort status``."""

    text = "text"
    json = "json"
    markdown = "markdown"


@contextmanager
def _errors() -> Iterator[None]:
    """scaffold's error handling, with an interrupt message that fits many repos."""
    from scaffold.cli import _handle_errors, _raise_interrupt

    signal.signal(signal.SIGTERM, _raise_interrupt)
    with _handle_errors(
        "every repo is either complete or absent; run the same command again to finish"
    ):
        yield


@contextmanager
def _progress(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[str], None]]]:
    """Yield ``start(total)`` and ``advance(line)``: a bar on a terminal, else log lines."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=None)
            yield (
                lambda total: bar.update(task, total=total),
                lambda _line: bar.advance(task),
            )
        return
    done = [0, 0]

    def start(total: int) -> None:
        done[1] = total

    def advance(line: str) -> None:
        done[0] += 1
        typer.echo(f"[{done[0]}/{done[1]}] {line}", err=True)

    yield start, advance


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return ("" if value is None else str(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@cohort_app.command("new")
def new(
    roster: Annotated[Path, typer.Argument(help="Roster: CSV or YAML, one student per row.")],
    template: Annotated[str, typer.Option(help="Template every student gets.")],
    out: Annotated[Path, typer.Option(help="Cohort directory; each repo is OUT/<id>.")],
    answers_file: Annotated[
        Path | None,
        typer.Option(help="The course's answers (YAML), locked for every student."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Template source: a local directory or a git URL[@REF].")
    ] = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow Copier's unsafe features in --source.")
    ] = False,
    jobs: Annotated[int | None, typer.Option(min=1, help=JOBS_HELP)] = None,
) -> None:
    """Generate one repo per roster row, in parallel, and write OUT/cohort.json.

    Every row is checked before anything is written; a bad row is reported with its line
    number and the other rows still render. Re-running skips repos that exist.
    Exit 1 when a row is invalid or failed.

    Example: scaffold cohort new roster.csv --template rag-system --out cohort-2026
    """
    from scaffold.cohort import RowStatus, new_cohort

    with _errors(), _progress("Rendering") as (start, advance):

        def done(entry: CohortEntry) -> None:
            advance(f"{entry.id}: {entry.status.value}")

        report = new_cohort(
            roster,
            template=template,
            out=out,
            answers_file=answers_file,
            source=source,
            trust=trust,
            jobs=jobs,
            on_start=start,
            on_result=done,
        )
    rows = [
        (e.row, e.id or "-", e.status.value, e.template_version or "", e.error or "")
        for e in report.entries
    ]
    typer.echo(_table(["line", "id", "status", "version", "error"], rows))
    for notice in report.notices:
        typer.echo(f"note: {notice}", err=True)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in RowStatus if report.count(s))
    typer.echo(f"\n{report.template} {report.version} into {report.out}: {counts}.")
    typer.echo(f"Recorded in {report.out / 'cohort.json'}.")
    if not report.ok:
        raise typer.Exit(1)


@cohort_app.command("update")
def update(
    paths: Annotated[
        list[Path], typer.Argument(help="Cohort directories (with cohort.json) or repos.")
    ],
    branch: Annotated[
        str | None,
        typer.Option(help="Branch to create in each repo (default: scaffold/update-<version>)."),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Change an answer in every repo: key=value."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="New template source to record: a local directory or a git URL[@REF]."),
    ] = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow Copier's unsafe features in --source.")
    ] = False,
    jobs: Annotated[int | None, typer.Option(min=1, help=JOBS_HELP)] = None,
) -> None:
    """Update every repo on a new branch, never on the student's current branch.

    A repo with uncommitted changes is skipped. A clean merge is kept on the branch; a
    conflicted one is reported with its files and nothing is kept. Exit 1 if a repo failed,
    3 if one conflicted.

    Example: scaffold cohort update cohort-2026
    """
    from scaffold.answers import parse_data
    from scaffold.cohort_update import UpdateStatus, update_cohort

    with _errors(), _progress("Updating") as (start, advance):
        answers = parse_data(data or [])

        def done(result: RepoUpdate) -> None:
            advance(f"{result.repo.name}: {result.status.value}")

        results = update_cohort(
            paths,
            branch=branch,
            data=answers,
            source=source,
            trust=trust,
            jobs=jobs,
            on_start=start,
            on_result=done,
        )
    rows = []
    for r in results:
        files = ", ".join(f"{n} {status}" for status, n in sorted(r.files.items()))
        detail = r.message or (("conflicts: " + ", ".join(r.conflicts)) if r.conflicts else "")
        version = f"{r.old_version} -> {r.new_version}" if r.new_version else ""
        rows.append((_short(r.repo), r.status.value, version, r.branch or "", files, detail))
    typer.echo(_table(["repo", "status", "version", "branch", "files", "detail"], rows))
    for r in results:
        for item in r.cleaned:
            typer.echo(
                f"note: {_short(r.repo)}: removed {item}, left by an interrupted run", err=True
            )
    counts = {s: sum(1 for r in results if r.status is s) for s in UpdateStatus}
    typer.echo("\n" + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) + ".")
    if counts[UpdateStatus.FAILED]:
        raise typer.Exit(1)
    if counts[UpdateStatus.CONFLICTED]:
        raise typer.Exit(3)


@cohort_app.command("status")
def status(
    paths: Annotated[
        list[Path], typer.Argument(help="Cohort directories (with cohort.json) or repos.")
    ],
    fmt: Annotated[
        StatusFormat, typer.Option("--format", help="Output format.")
    ] = StatusFormat.text,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Run `scaffold check` in each repo.")
    ] = True,
    jobs: Annotated[int | None, typer.Option(min=1, help=JOBS_HELP)] = None,
) -> None:
    """Show each repo's template version, the student's changes and pending updates.

    Example: scaffold cohort status cohort-2026 --format markdown
    """
    from scaffold.cohort_update import cohort_status

    with _errors():
        results = cohort_status(paths, run_check=check, jobs=jobs)
    if fmt is StatusFormat.json:
        typer.echo(json.dumps([_status_dict(r) for r in results], indent=2))
        return
    headers = [
        "repo",
        "template",
        "version",
        "latest",
        "behind",
        "changed files",
        "uncommitted",
        "pending updates",
        "check",
    ]
    rows = [
        (
            _short(r.repo),
            r.template or "?",
            r.version or "?",
            r.latest or "?",
            "?" if r.behind is None else r.behind,
            "?" if r.changed_files is None else r.changed_files,
            r.uncommitted,
            ", ".join(r.pending_branches) or "-",
            r.error or r.check or "-",
        )
        for r in results
    ]
    typer.echo((_markdown if fmt is StatusFormat.markdown else _table)(headers, rows))


def _status_dict(r: RepoStatus) -> dict[str, Any]:
    return {
        "repo": str(r.repo),
        "template": r.template,
        "version": r.version,
        "latest": r.latest,
        "behind": r.behind,
        "changed_files": r.changed_files,
        "uncommitted": r.uncommitted,
        "pending_branches": r.pending_branches,
        "check": r.check,
        "error": r.error,
    }


def _short(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
