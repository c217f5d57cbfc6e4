"""The write-or-``--check`` step the generator tools share.

A generator tool computes a file's text; run plainly it writes the file, run with
``--check`` it writes nothing and exits 1 when the file on disk differs (pre-commit and the
unit tests use that).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def write_or_check(
    path: Path, text: str, *, tool: str, wrote: str, argv: Sequence[str] | None = None
) -> int:
    """Write ``text`` to ``path`` and print ``wrote``; with ``--check``, compare instead.

    Returns the exit code: 0 when written or current, 1 when ``--check`` finds ``path``
    stale (missing counts as stale), after saying which ``tool`` refreshes it.
    """
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: run python {tool}", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(wrote)
    return 0
