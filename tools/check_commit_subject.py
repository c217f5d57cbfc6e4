"""commit-msg hook: the subject line of a commit message is at most 72 characters.

Usage: python tools/check_commit_subject.py .git/COMMIT_EDITMSG (pre-commit passes the file).
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 72


def subject_error(message: str) -> str | None:
    """Why the message's subject is refused, or None (comment lines are not the subject)."""
    lines = [line for line in message.splitlines() if not line.startswith("#")]
    subject = lines[0].rstrip() if lines else ""
    if not subject:
        return "the commit message has no subject line"
    if len(subject) > LIMIT:
        return f"the subject has {len(subject)} characters, at most {LIMIT}: {subject!r}"
    return None


def main(argv: list[str]) -> int:
    """Check the message file ``argv[0]``; print why and return 1 when it is refused."""
    error = subject_error(Path(argv[0]).read_text(encoding="utf-8"))
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
