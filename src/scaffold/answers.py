"""Answers from the command line, answers files and rosters, checked before anything renders.

Every answer that reaches a template passes :func:`check_answers`: the question must exist
(close matches are suggested), must not be one the template computes, and the value must be
one line of text of bounded length. The template's own validators (``copier.yml``) then check
each value's form; the template's filters escape it for the file it lands in.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from scaffold.catalog import load_yaml
from scaffold.errors import AnswersFileError, ScaffoldError, UsageError
from scaffold.textfile import UserFileError, read_user_text

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The longest answer accepted: a one-line description fits with room to spare.
MAX_ANSWER_LENGTH = 500
#: The largest answers file read: answers are a few lines of YAML.
MAX_ANSWERS_FILE_BYTES = 256 * 1024
#: Invisible characters that reorder text ("Trojan Source"), refused like control characters.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def parse_data(items: Iterable[str]) -> dict[str, str]:
    """Parse repeated ``--data key=value`` options into a mapping (last one wins)."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            raise UsageError(
                f"malformed --data {item!r}",
                "write it as key=value, e.g. --data python_version=3.12",
            )
        data[key] = value
    return data


def yaml_alias_line(text: str) -> int | None:
    """The line of the first YAML anchor or alias in ``text`` (None when there is none).

    Answers never need anchors or aliases, and aliases can expand a small file into gigabytes
    ("billion laughs"), so callers refuse a file that has one before building any objects.

    Raises:
        yaml.YAMLError: ``text`` is not YAML.
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark.line + 1 if event.start_mark else 1
    return None


def load_yaml_mapping(path: Path, text: str) -> dict[str, Any]:
    """Parse answers YAML safely (no aliases); errors say ``file:line: problem``."""
    try:
        alias = yaml_alias_line(text)
        if alias is not None:
            raise AnswersFileError(
                path, "YAML anchors and aliases (& and *) are not allowed", alias
            )
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
    bad = [str(k) for k in raw if not isinstance(k, str) or not _KEY.fullmatch(k)]
    if bad:
        raise AnswersFileError(path, f"invalid question name(s): {', '.join(bad[:10])}")
    return dict(raw)


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML answers file; keys starting with ``_`` (Copier's metadata) are skipped."""
    try:
        text = read_user_text(path, limit=MAX_ANSWERS_FILE_BYTES, what="answers file").text
    except UserFileError as exc:
        raise AnswersFileError(path, exc.problem, hint=exc.hint) from exc
    raw = load_yaml_mapping(path, text)
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def template_questions(root: Path) -> dict[str, dict[str, Any]]:
    """Every question in the source's copier.yml by name, computed ones included."""
    path = root / "copier.yml"
    if not path.is_file():
        path = root / "copier.yaml"
    try:
        spec = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScaffoldError(f"cannot read the template's questions in {path}: {exc}") from exc
    return {
        str(name): dict(q) if isinstance(q, dict) else {"default": q}
        for name, q in spec.items()
        if not str(name).startswith("_")
    }


def is_computed(question: Mapping[str, Any]) -> bool:
    """A question the template derives itself (``when: false``): never asked, never set."""
    return question.get("when") is False


def answerable(questions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The names of the questions a user may answer."""
    return [name for name, q in questions.items() if not is_computed(q)]


def check_value(key: str, value: Any) -> str:
    """Return ``value`` as one line of text, or raise ``ValueError`` saying what is wrong."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = "nothing" if value is None else f"a {type(value).__name__}"
        raise ValueError(f"{key} must be text, not {kind}")
    text = str(value)
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValueError(f"{key} is {len(text)} characters long; the limit is {MAX_ANSWER_LENGTH}")
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI or _is_noncharacter(char):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            where = "a line break" if char in "\r\n\u2028\u2029" else f"the character {name}"
            raise ValueError(f"{key} contains {where}; answers are one line of visible text")
    return text


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def check_answers(
    answers: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Check answers against the template's questions before rendering; return them as text.

    Raises:
        UsageError: an unknown or computed question, or a value that is not one line of
            text of bounded length (exit code 2).
    """
    names = answerable(questions)
    checked: dict[str, Any] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            raise UnknownQuestionError(key, names)
        if is_computed(question):
            raise UsageError(
                f"{key} cannot be answered: the template computes it from other answers",
                f"answer one of: {', '.join(names)}",
            )
        try:
            checked[key] = check_value(key, value)
        except ValueError as exc:
            raise UsageError(f"invalid {key}: {exc}", _hint_for(question)) from None
    return checked


def _hint_for(question: Mapping[str, Any]) -> str:
    help_text = str(question.get("help") or "").strip()
    return (
        f"{help_text}; one line, at most {MAX_ANSWER_LENGTH} characters"
        if help_text
        else (f"answers are one line of text, at most {MAX_ANSWER_LENGTH} characters")
    )


class UnknownQuestionError(UsageError):
    """An answer names a question the template does not ask."""

    def __init__(self, key: str, available: Iterable[str]) -> None:
        self.key = key
        self.available = list(available)
        close = difflib.get_close_matches(key, self.available, n=1)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        super().__init__(
            f"unknown question {key!r}",
            f"{suggestion}the questions are: {', '.join(self.available)}",
        )
