"""The ``scaffold`` command line: parse options, call one core function, print its result.

The CLI modules (this one and :mod:`scaffold.cli_cohort`, with :mod:`scaffold._console`) are
the only ones that print. Every :class:`~scaffold.errors.ScaffoldError` becomes ``error: ...``
and ``hint: ...`` on stderr and the error's exit code (``_console.handle_errors``).
"""

from __future__ import annotations

import json
import posixpath
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffold import __version__
from scaffold._console import (
    CONTEXT_SETTINGS,
    OutputFormat,
    ReportFormat,
    err,
    handle_errors,
    interrupt_on_sigterm,
    is_interactive,
    raise_interrupt,
    relative,
    spinner,
)
from scaffold.cli_cohort import cohort_app
from scaffold.errors import UsageError
from scaffold.merge_report import FileStatus

if TYPE_CHECKING:
    from scaffold.catalog import Template
    from scaffold.update import UpdateReport

app = typer.Typer(
    name="scaffold",
    help="Generate and update AI-engineering portfolio repositories.",
    no_args_is_help=True,
    context_settings=CONTEXT_SETTINGS,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"scaffold {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Generate and update AI-engineering portfolio repositories from Copier templates."""


def _template_line(template: Template) -> str:
    """A template's summary, and how it joins an existing project if it can."""
    if not template.joins_existing:
        return template.summary
    return f"{template.summary} Into an existing project: {template.join_command}."


@app.command("list")
def list_(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.text,
) -> None:
    """List the templates, domains and deployment targets."""
    from dataclasses import asdict

    from scaffold.catalog import load_catalog

    with handle_errors():
        catalog = load_catalog()
    if fmt is OutputFormat.json:
        payload = {
            "templates": [asdict(t) for t in catalog.templates.values()],
            "domains": [asdict(d) for d in catalog.domains.values()],
            "deploy_targets": [asdict(t) for t in catalog.deploy_targets.values()],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        ("Templates", [(t.key, _template_line(t)) for t in catalog.templates.values()]),
        (
            "Domains",
            [(d.key, f"{d.title}: optimises {d.metric}") for d in catalog.domains.values()],
        ),
        ("Deployment targets", [(t.key, t.summary) for t in catalog.deploy_targets.values()]),
    ]
    for title, rows in sections:
        typer.echo(f"{title}:")
        width = max(len(key) for key, _ in rows)
        for key, text in rows:
            typer.echo(f"  {key:<{width}}  {text}")
        typer.echo("")


@app.command()
def new(
    template: Annotated[
        str | None,
        typer.Argument(help="Template, e.g. rag-system (see `scaffold list`; asked if omitted)."),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Argument(help="Directory to create (default: ./<project-name>)."),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Domain preset, e.g. healthcare (see `scaffold list`).")
    ] = None,
    deploy: Annotated[
        str | None,
        typer.Option(
            help="Deployment target, e.g. docker (see `scaffold list`); not asked when"
            " a template joins an existing project (see `scaffold list`)."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Answer a question: key=value (repeatable)."),
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option(help="YAML file of answers (flags and --data win).")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Accept the default for every unanswered question.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Template source: a local directory or a git URL[@REF]."),
    ] = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow Copier's unsafe features in --source.")
    ] = False,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="rag-system: your documents (.md, .txt, .html, .pdf) instead of the domain "
            "pack; a draft question set is written from them."
        ),
    ] = None,
    dataset: Annotated[
        Path | None,
        typer.Option(help="ml-pipeline: your labelled table (CSV; Parquet: the parquet extra)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="ml-pipeline --dataset: the column to predict.")
    ] = None,
    positive_class: Annotated[
        str | None,
        typer.Option(help="ml-pipeline --dataset: the class to predict against the rest."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="ml-pipeline --dataset: the column of row ids.")
    ] = None,
) -> None:
    """Generate a new portfolio repository, committed as a pristine render.

    With --dataset (ml-pipeline) your table becomes the repo's data: data/schema.yml is
    inferred from it, every decision commented, in a commit after the render.

    Example: scaffold new rag-system ./legal-assistant --domain legal --deploy docker
    """
    from scaffold.answers import load_answers_file, parse_data
    from scaffold.render import render_project
    from scaffold.sources import open_source

    interrupt_on_sigterm()
    if template is not None and dest is None and ("/" in template or template.startswith(".")):
        # `scaffold new ./my-repo`: a path alone is the destination; the template is asked.
        dest = Path(template)
        template = None
    interactive = is_interactive()
    with handle_errors():
        answers: dict[str, Any] = load_answers_file(answers_file) if answers_file else {}
        answers.update(parse_data(data or []))
        flags = {"template": template, "domain": domain, "deploy_target": deploy}
        answers.update({k: v for k, v in flags.items() if v is not None})
        if corpus is not None:
            from scaffold.corpus import check_corpus, rag_only

            rag_only(answers)
            check_corpus(corpus)
        own = None
        if dataset is not None:
            from scaffold.dataset import dataset_answers, prepare_dataset

            answers.update(dataset_answers(answers.get("template"), answers.get("domain")))
            own = prepare_dataset(
                dataset, target=target, positive=positive_class, id_column=id_column
            )
        elif target or positive_class or id_column:
            raise UsageError(
                "--target, --positive-class and --id-column go with --dataset",
                "scaffold new ml-pipeline DEST --dataset FILE --target COL",
            )
        with (
            open_source(source, trust=trust) as src,
            spinner("Rendering", enabled=not interactive),
        ):
            result = render_project(
                src,
                dest,
                answers,
                defaults=defaults,
                interactive=interactive,
                cwd=Path.cwd(),
                after_commit=_dataset_commit(own),
            )
        if corpus is not None:
            from scaffold.corpus import install_corpus

            owned = install_corpus(result.path, corpus, str(result.answers["project_slug"]))
            typer.echo(
                f"Corpus: {owned.documents} documents from {corpus}, {owned.questions} draft "
                "questions in data/eval/questions.jsonl (review and reword them)."
            )
            if owned.recoded:
                shown = ", ".join(owned.recoded[:10]) + (", ..." if len(owned.recoded) > 10 else "")
                err(
                    f"note: {len(owned.recoded)} file(s) in {corpus} were not UTF-8; read in the "
                    f"encoding shown and saved to data/corpus/ as UTF-8: {shown}"
                )
            if owned.unread:
                shown = ", ".join(owned.unread[:10]) + (", ..." if len(owned.unread) > 10 else "")
                err(
                    f"note: {len(owned.unread)} file(s) in {corpus} not read, not of a type "
                    f"the repo loads (.md, .txt, .html, .pdf): {shown}; save plain-text "
                    "formats such as .rst as .txt or .md to include them"
                )
    for notice in result.notices:
        err(f"note: {notice}")
    rel = relative(result.path)
    typer.echo(
        f"Created {rel}: {result.template} {result.version}, {result.files} files, "
        f"render commit {result.commit[:10]}."
    )
    typer.echo("\nNext steps:")
    steps: tuple[str, ...] = (f"cd {rel}", "make setup", "make test", "make run")
    if result.home:  # joined an existing project: its own folder, then the owner's guide
        guide = posixpath.relpath(result.guide, result.home) if result.guide else ""
        steps = (f"cd {rel}/{result.home}", "make setup", "make test")
        steps += (f"read {guide}",) if guide else ()
    for step in steps:
        typer.echo(f"  {step}")
    if own is not None:
        typer.echo(f"\nYour dataset: {own.summary}; review the comments in data/schema.yml.")


def _dataset_commit(own: Any) -> Any:
    """The hook that commits the owner's dataset after the render, if there is one."""
    if own is None:
        return None
    from scaffold.dataset import add_dataset

    return lambda project: add_dataset(project, own)


@app.command()
def update(
    path: Annotated[
        Path,
        typer.Argument(
            help="The project to update: its repository, or its folder in a larger one "
            "(default: the current directory)."
        ),
    ] = Path(),
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Change an answer, e.g. deploy_target=fly (repeatable)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Version to update to: a tag, branch or commit of a git source."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change and conflict; touch nothing.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="New template source to record: a local directory or a git URL[@REF]."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="The pristine render commit to merge from, when none can be verified "
            "or rendered again."
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only say whether a newer version exists (exit 3 if so)."),
    ] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow Copier's unsafe features in --source.")
    ] = False,
    allow_downgrade: Annotated[
        bool,
        typer.Option("--allow-downgrade", help="Allow --to a version older than the recorded one."),
    ] = False,
    backup_ignored: Annotated[
        bool,
        typer.Option(
            "--backup-ignored",
            help="Rename untracked or ignored files the template would overwrite to "
            "NAME.scaffold-backup instead of stopping.",
        ),
    ] = False,
    no_verify: Annotated[
        bool,
        typer.Option(
            "--no-verify", help="Skip your pre-merge-commit and commit-msg hooks on the merge."
        ),
    ] = False,
) -> None:
    """Pull template changes into a changed repository with git's 3-way merge.

    Exit 0 when the merge is clean or there is nothing to do, 3 when there are conflicts
    (left as git conflicts: resolve and commit, or `git merge --abort`). The merge commit
    runs your pre-merge-commit and commit-msg hooks, as `git merge` does (--no-verify skips
    them). An interrupt before the branch moves changes nothing; once it has moved, the
    update finishes. In a larger repository, PATH (or the current directory) names the
    project's folder.

    Example: scaffold update --dry-run
    """
    from scaffold.answers import parse_data
    from scaffold.update import finished, update_project
    from scaffold.update_check import check_for_update

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if not finished():
            raise_interrupt(signum, frame)

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    with handle_errors():
        if check:
            found = check_for_update(path, source=source, to=to, trust=trust)
        else:
            answers = parse_data(data or [])
            with spinner("Updating"):
                report = update_project(
                    path,
                    data=answers,
                    to=to,
                    source=source,
                    baseline=baseline,
                    dry_run=dry_run,
                    trust=trust,
                    interactive=is_interactive(),
                    allow_downgrade=allow_downgrade,
                    backup_ignored=backup_ignored,
                    verify=not no_verify,
                    notify=lambda line: err(f"note: {line}"),
                )
    if check:
        typer.echo(found.message)
        if found.newer:
            raise typer.Exit(3)
        return
    _print_update(report)
    if report.conflicts:
        raise typer.Exit(3)


def _print_update(report: UpdateReport) -> None:
    """Print an update report: a heading, one row per file, and what to do next."""
    if report.up_to_date:
        typer.echo(
            f"Already up to date: {report.template} {report.new_version} "
            f"(render commit {report.baseline[:10]})."
        )
        return
    if report.dry_run:
        verb, tail = "Would update", " (dry run: nothing was changed)"
    elif report.conflicts:
        verb, tail = "Updating", " (conflicts, nothing committed)"
    else:
        verb, tail = "Updated", ""
    typer.echo(
        f"{verb} {report.template} template {report.old_version} -> {report.new_version}"
        f"{tail}; baseline {report.baseline[:10]}"
    )
    width = max((len(row.status.value) for row in report.files), default=0)
    for row in report.files:
        note = f"  ({row.note})" if row.note else ""
        typer.echo(f"  {row.status.value:<{width}}  {row.path}{note}")
    conflicted = sum(1 for row in report.files if row.status is FileStatus.CONFLICTED)
    if report.dry_run:
        tail = (
            f"{conflicted} file(s) would conflict." if conflicted else "The merge would be clean."
        )
        if report.in_the_way:
            tail += (
                f" It would stop: {', '.join(report.in_the_way)} exist(s) untracked or ignored "
                "(move them, or pass --backup-ignored)."
            )
        if report.untracked:
            tail += f" {len(report.untracked)} untracked file(s) must be committed or moved first."
        typer.echo(f"\n{tail} Run without --dry-run to apply it.")
    elif report.conflicts:
        typer.echo(
            f"\n{conflicted} file(s) conflict. Resolve them, `git add` and `git commit`; "
            "or undo the update with `git merge --abort`."
        )
    else:
        typer.echo(f"\nMerged as {report.merge[:10] if report.merge else '?'}.")


@app.command()
def check(
    path: Annotated[
        Path, typer.Argument(help="Repository to check (default: the current directory).")
    ] = Path(),
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="Output format; markdown suits a PR comment.")
    ] = ReportFormat.text,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Run only these check ids or prefixes, e.g. SC1,SC303 (repeatable)."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Leave out these check ids or prefixes (repeatable)."),
    ] = None,
) -> None:
    """Audit a repository against the portfolio checklist.

    Exit 0 when nothing fails (warnings allowed), 3 when a check fails or cannot run, 2 on
    bad usage. A repository waives a check, with a reason, in [tool.scaffold.check.ignore]
    of pyproject.toml. Example: scaffold check ./legal-assistant --format markdown
    """
    from scaffold.check import run_checks
    from scaffold.checks import formats

    with handle_errors():
        report = run_checks(path, select=select or [], ignore=ignore or [])
    render = {
        ReportFormat.text: formats.to_text,
        ReportFormat.json: formats.to_json,
        ReportFormat.markdown: formats.to_markdown,
    }[fmt]
    typer.echo(render(report).rstrip("\n"))
    if not report.ok:
        raise typer.Exit(3)


app.add_typer(cohort_app, name="cohort")


def main() -> None:
    """Run the command line (the console script goes through :func:`scaffold.entry.main`)."""
    app()
