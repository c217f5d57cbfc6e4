"""Rosters for ``scaffold cohort new``: one student per row, every row checked before a render.

A roster is CSV (a header row, then one row per student) or YAML (a list of mappings, or a
mapping with a ``students:`` list). Each row has an ``id`` (the repo's directory name), and
optionally ``name`` and ``email`` (the student, recorded as the author of the render commit)
and any of the template's questions (``domain``, ``deploy_target``, ``project_name``...).

Rows are validated on their own: a missing or duplicate id, an unknown column, a value that is
not one of a question's choices, or a value that contradicts an answer the course locks makes
that row invalid, reported with its line number, and leaves the other rows alone.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffold.answers import answerable, check_value, template_questions, yaml_alias_line
from scaffold.catalog import Catalog, load_catalog
from scaffold.errors import UsageError
from scaffold.textfile import UserFileError, read_user_text

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: The largest roster read: a few hundred bytes per student, thousands of students.
MAX_ROSTER_BYTES = 4 * 1024 * 1024
#: Roster columns that are not template questions, and the answers they map to.
STUDENT_COLUMNS = {"id": None, "name": "author_name", "email": "author_email"}


class RosterError(UsageError):
    """The roster file as a whole cannot be read (not a single bad row)."""

    def __init__(self, path: Path, problem: str, hint: str | None = None) -> None:
        super().__init__(
            f"cannot read roster {path}: {problem}",
            hint
            or "a roster is CSV with a header row (id,name,email,...) or YAML: a list of "
            "mappings, one per student",
        )


@dataclass(frozen=True)
class RosterRow:
    """One student's row: where it is, its id and the answers it gives."""

    line: int
    id: str
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblem:
    """Why one row cannot be rendered."""

    line: int
    id: str | None
    message: str


@dataclass(frozen=True)
class Roster:
    """The valid rows and the problems of the invalid ones, in file order."""

    rows: list[RosterRow]
    problems: list[RowProblem]


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a roster file into ``(line, row)`` pairs; raise :class:`RosterError` if unreadable."""
    try:
        text = read_user_text(path, limit=MAX_ROSTER_BYTES, what="roster").text
    except UserFileError as exc:
        raise RosterError(path, exc.problem, exc.hint) from exc
    if path.suffix.lower() in (".yml", ".yaml"):
        return _read_yaml(path, text)
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return _read_csv(path, text)
    raise RosterError(path, f"unknown roster format {path.suffix!r} (use .csv, .yml or .yaml)")


def _read_csv(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise RosterError(path, "the file is empty")
    header = [str(name).strip() for name in reader.fieldnames]
    if len(set(header)) != len(header):
        raise RosterError(path, f"the header repeats a column: {', '.join(header)}")
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    for raw in reader:
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            row["\0extra"] = "more values than columns"
        if any(row.values()):
            rows.append((reader.line_num, {k: v for k, v in row.items() if v != ""}))
    return rows


def _read_yaml(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        alias = yaml_alias_line(text)
        if alias is not None:
            raise RosterError(path, f"YAML anchors and aliases are not allowed (line {alias})")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise RosterError(path, f"{exc.problem or 'invalid YAML'}{where}") from exc
    if node is None:
        raise RosterError(path, "the file is empty")
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        if "students" not in data:
            raise RosterError(path, "a YAML mapping roster needs a `students:` list")
        data = data["students"]
        node = next(v for k, v in node.value if k.value == "students")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise RosterError(path, "expected a list of students")
    rows: list[tuple[int, dict[str, Any]]] = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            rows.append((line, {"\0extra": f"expected a mapping, found {item!r}"}))
            continue
        rows.append((line, {str(k): v for k, v in item.items() if v is not None}))
    return rows


def validate(
    rows: list[tuple[int, dict[str, Any]]],
    *,
    root: Path,
    locked: dict[str, Any],
) -> Roster:
    """Check every row against the template's questions and the course's locked answers.

    Args:
        rows: ``(line, row)`` pairs from :func:`read_rows`.
        root: The template source root (its copier.yml and catalog.yml name the choices).
        locked: Answers the course fixes for everyone (the answers file and ``--template``).
    """
    questions = template_questions(root)
    catalog = load_catalog(root) if (root / "catalog.yml").is_file() else None
    valid: list[RosterRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        row_id = str(row.get("id", "")).strip() or None
        problem = None
        if row_id is None:
            problem = "missing id"
        elif not _ID.fullmatch(row_id):
            problem = (
                f"id {row_id!r} is not a directory name: letters, digits, '.', '_' and '-', "
                "a letter or digit first"
            )
        elif row_id.lower() in seen:
            problem = f"duplicate id {row_id!r} (first on line {seen[row_id.lower()]})"
        else:
            seen[row_id.lower()] = line
        if problem is None and row_id is not None:
            try:
                valid.append(
                    RosterRow(
                        line, row_id, {**locked, **_row_answers(row, questions, catalog, locked)}
                    )
                )
            except ValueError as exc:
                problem = str(exc)
        if problem is not None:
            problems.append(RowProblem(line, row_id, problem))
    return Roster(valid, problems)


def _row_answers(
    row: dict[str, Any],
    questions: dict[str, dict[str, Any]],
    catalog: Catalog | None,
    locked: dict[str, Any],
) -> dict[str, Any]:
    if "\0extra" in row:
        raise ValueError(str(row["\0extra"]))
    names = answerable(questions)
    unknown = sorted(k for k in row if k not in STUDENT_COLUMNS and k not in names)
    if unknown:
        close = [m for k in unknown for m in difflib.get_close_matches(k, names, n=1)]
        maybe = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"unknown column(s) {', '.join(unknown)}{maybe}; a column is id, name, email or "
            f"one of the template's questions: {', '.join(names)}"
        )
    answers: dict[str, Any] = {}
    for key, value in row.items():
        question = STUDENT_COLUMNS.get(key, key)
        if question is not None:
            answers[question] = check_value(question, value)
    for key, value in answers.items():
        _check_choice(key, value, questions.get(key, {}), catalog)
        if key in locked and str(locked[key]) != str(value):
            raise ValueError(
                f"{key}={value!r} contradicts the course's locked answer {key}={locked[key]!r}"
            )
    return answers


def _check_choice(key: str, value: Any, question: dict[str, Any], catalog: Catalog | None) -> None:
    choices: list[str] | None = None
    if catalog is not None and key == "template":
        choices = list(catalog.templates)
    elif catalog is not None and key == "domain":
        choices = list(catalog.domains)
    elif catalog is not None and key == "deploy_target":
        choices = list(catalog.deploy_targets)
    elif isinstance(question.get("choices"), list):
        choices = [str(c) for c in question["choices"]]
    elif isinstance(question.get("choices"), dict):
        choices = [str(c) for c in question["choices"].values()]
    if choices is not None and str(value) not in choices:
        raise ValueError(f"{key} {value!r} is not one of: {', '.join(choices)}")
