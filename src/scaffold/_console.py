"""What every command shares on the terminal: errors, interrupts, spinner, progress, tables.

Every :class:`~scaffold.errors.ScaffoldError` becomes ``error: ...`` and ``hint: ...`` on
stderr and the error's exit code (:func:`handle_errors`); an interrupt becomes exit 130. This
module imports neither Typer nor rich at import time (rich only for a spinner or a bar on a
terminal), so the fast ``scaffold update --check`` path can use it too.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from scaffold.errors import ScaffoldError

#: Click context settings of every command: ``-h`` is ``--help``.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
#: Exit code of an interrupted command (128 + SIGINT, as shells report it).
INTERRUPTED = 130


class OutputFormat(StrEnum):
    """Machine- or human-readable output."""

    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    """Output formats of reports that also suit a PR comment or a job summary."""

    text = "text"
    json = "json"
    markdown = "markdown"


def out(text: str) -> None:
    """Print a line of the command's result on stdout."""
    print(text, flush=True)


def err(text: str) -> None:
    """Print a line for the user on stderr (notes, progress, errors)."""
    print(text, file=sys.stderr, flush=True)


def error_exit(exc: ScaffoldError) -> NoReturn:
    """Print ``error:`` and ``hint:`` for ``exc`` and exit with its code."""
    err(f"error: {exc.message}")
    if exc.hint:
        err(f"hint: {exc.hint}")
    raise SystemExit(exc.exit_code) from None


@contextmanager
def handle_errors(interrupted: str = "nothing was written") -> Iterator[None]:
    """Map expected failures to a message and an exit code; never show a traceback.

    Args:
        interrupted: What the user should know after an interrupt (what was left behind).
    """
    try:
        yield
    except ScaffoldError as exc:
        error_exit(exc)
    except KeyboardInterrupt:
        err(f"error: interrupted; {interrupted}")
        raise SystemExit(INTERRUPTED) from None


def raise_interrupt(signum: int, _frame: FrameType | None) -> NoReturn:
    """A signal handler that turns SIGTERM (or any signal) into a KeyboardInterrupt."""
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_sigterm() -> None:
    """Let SIGTERM stop a command as Ctrl-C does (cleaned up, exit 130)."""
    signal.signal(signal.SIGTERM, raise_interrupt)


def is_interactive() -> bool:
    """Prompt only on a terminal, and never under CI."""
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
    return sys.stdin.isatty() and sys.stdout.isatty() and not ci


@contextmanager
def spinner(label: str, *, enabled: bool = True) -> Iterator[None]:
    """Show a spinner on stderr while the block runs, when stderr is a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{label}..."):
        yield


@contextmanager
def progress(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[str], None]]]:
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
        err(f"[{done[0]}/{done[1]}] {line}")

    yield start, advance


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: columns padded to their widest cell, no trailing spaces."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; ``|`` in a cell is escaped."""

    def cell(value: Any) -> str:
        return ("" if value is None else str(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def relative(path: Path) -> str:
    """``path`` relative to the current directory when it is below it, else as is."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)
