"""``scaffold cohort new | update | status``: the command line of :mod:`scaffold.cohort`.

Progress goes to stderr (a bar on a terminal, one line per repo otherwise); the summary
table goes to stdout.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffold._console import (
    CONTEXT_SETTINGS,
    ReportFormat,
    handle_errors,
    interrupt_on_sigterm,
    markdown_table,
    progress,
    table,
)

if TYPE_CHECKING:
    from scaffold.cohort import CohortEntry
    from scaffold.cohort_update import RepoStatus, RepoUpdate

cohort_app = typer.Typer(
    help="One repo per student from a roster, updated together.",
    no_args_is_help=True,
    context_settings=CONTEXT_SETTINGS,
    rich_markup_mode=None,
)

JOBS_HELP = "Parallel worker processes (default: the number of cores)."


@contextmanager
def _errors() -> Iterator[None]:
    """scaffold's error handling, with an interrupt message that fits many repos."""
    interrupt_on_sigterm()
    with handle_errors(
        "every repo is either complete or absent; run the same command again to finish"
    ):
        yield


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

    with _errors(), progress("Rendering") as (start, advance):

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
    typer.echo(table(["line", "id", "status", "version", "error"], rows))
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

    with _errors(), progress("Updating") as (start, advance):
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
    typer.echo(table(["repo", "status", "version", "branch", "files", "detail"], rows))
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
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.text,
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
    if fmt is ReportFormat.json:
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
    typer.echo((markdown_table if fmt is ReportFormat.markdown else table)(headers, rows))


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
