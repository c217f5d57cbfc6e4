"""The ``scaffold`` console script: a fast path for ``update --check``, else the Typer app.

``scaffold update --check`` runs in CI and in shell prompts, so it must answer in well under
a second. Importing Typer (and what its parameter parsing pulls in) costs more than the
check itself, so a command line that is exactly ``update --check [PATH] [--source S]
[--to REF] [--trust]`` is parsed here and answered without it. Anything else, including
``--help`` and any unknown or malformed option, goes to :mod:`scaffold.cli` unchanged, so
both paths accept and reject the same command lines.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

_VALUED = ("--source", "--to")


class CheckArgs(NamedTuple):
    """The arguments of ``scaffold update --check``."""

    path: Path
    source: str | None
    to: str | None
    trust: bool


def parse_check(argv: Sequence[str]) -> CheckArgs | None:
    """Parse ``update --check ...``; None for any command line the fast path does not own."""
    if len(argv) < 2 or argv[0] != "update" or "--check" not in argv[1:]:
        return None
    path: str | None = None
    values: dict[str, str] = {}
    trust = False
    rest = iter(argv[1:])
    for arg in rest:
        name, eq, value = arg.partition("=")
        if arg in ("--check", "--trust"):
            trust = trust or arg == "--trust"
        elif name in _VALUED and eq:
            values[name] = value
        elif arg in _VALUED:
            following = next(rest, None)
            if following is None or following.startswith("-"):
                return None
            values[arg] = following
        elif arg.startswith("-") or path is not None:
            return None
        else:
            path = arg
    return CheckArgs(Path(path or ""), values.get("--source"), values.get("--to"), trust)


def run_check(args: CheckArgs) -> int:
    """Answer ``scaffold update --check``: print one line, return 3 if a newer version exists."""
    from scaffold._console import handle_errors, interrupt_on_sigterm, out
    from scaffold.update_check import check_for_update

    interrupt_on_sigterm()
    with handle_errors():
        found = check_for_update(args.path, source=args.source, to=args.to, trust=args.trust)
    out(found.message)
    return 3 if found.newer else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    args = parse_check(sys.argv[1:] if argv is None else argv)
    if args is not None:
        sys.exit(run_check(args))
    from scaffold.cli import app

    app(args=None if argv is None else list(argv))
