"""Answers from the command line and from answers files, checked before rendering."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import AnswersFileError, UsageError

ANSWERS_FILE = ".copier-answers.yml"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_data(items: Iterable[str]) -> dict[str, str]:
    """Parse repeated ``--data key=value`` options into a mapping (last one wins)."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise UsageError(
                f"malformed --data {item!r}",
                "write it as key=value, e.g. --data python_version=3.12",
            )
        data[key] = value
    return data


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML answers file; keys starting with ``_`` (Copier's metadata) are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnswersFileError(path, exc.strerror or "cannot be read") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise AnswersFileError(path, exc.problem or "invalid YAML", line) from exc
    except yaml.YAMLError as exc:
        raise AnswersFileError(path, str(exc)) from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AnswersFileError(path, f"expected a mapping, found a {type(raw).__name__}", 1)
    bad = [str(k) for k in raw if not isinstance(k, str) or not _KEY.match(k)]
    if bad:
        raise AnswersFileError(path, f"invalid question name(s): {', '.join(bad)}")
    return {k: v for k, v in raw.items() if not k.startswith("_")}
