"""Infer ``data/schema.yml`` from a table, adopt the table as this repo's data.

``prepare`` and ``write`` are what ``scaffold new ml-pipeline --dataset`` ran when the repo
was generated and what ``schema infer`` runs now: read a CSV (or Parquet, when pyarrow is
installed), decide each column's kind, range, categories and nullability, flag columns that
would leak the target or are free text, and write the dataset, the schema (every decision as
a comment for the owner to review) and a simulated drifted batch for the monitoring demo.

Standard library only (pyarrow optional), so the generator can run it without pandas.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import random
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

MIN_ROWS = 50
MIN_PER_CLASS = 10
MAX_CATEGORIES = 30
#: Above MAX_CATEGORIES, the most frequent values kept; the rest become one "other" bucket.
TOP_CATEGORIES = 20
#: A column with more distinct values than this share of its rows is free text or a name.
FREE_TEXT_SHARE = 0.5
#: Cells read as missing. Besides the usual words: ``?`` (UCI tables), ``-``, and what Excel
#: and pandas write for a missing or failed value (``#N/A``, ``#DIV/0!``, ``<NA>``...). The repo's
#: ``dataset.csv`` writes every one of them as an empty cell, so pandas reads them as missing too.
MISSING = frozenset(
    {"", "na", "nan", "n/a", "null", "none", "?", "-", "#n/a", "#n/a n/a", "#na", "<na>", "-nan"}
    | {"1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan", "#div/0!", "#value!", "#num!", "#null!"}
)
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|key)$|^id([_\s-]|$)", re.IGNORECASE)
#: Row labels that exports add: R's ``rownames``, pandas' ``Unnamed: 0``, ``index`` and
#: ``__index_level_0__`` (Parquet), an unnamed first column (named ``rownames``). (R's
#: ``X`` is caught by its values: whole numbers in increasing order.)
_ROW_LABEL_NAME = re.compile(
    r"^(rownames?(_\d+)?|row[\s_.-]?names?|row[\s_.-]?(id|no|number)|index|unnamed:?\s*\d*"
    r"|__index_level_\d+__)$",
    re.IGNORECASE,
)
#: Names of codes written in digits that are not quantities (postal codes, phone and account
#: numbers, FIPS and area codes), at the end of a column's name: ``phone_calls`` and
#: ``account_length`` are quantities. A column so named, all digits, is read as text.
_CODE_NAME = re.compile(
    r"(zip|postal|plz|phone|fips|isbn|iban|sku|ssn|codes?"
    r"|(zip|postal|phone|account|acct|card|routing)[\s_.-]?(code|no|num|number))$",
    re.IGNORECASE,
)
#: A column named like an id with more distinct values than this share of its rows is one.
ID_SHARE = 0.5
#: Without --positive-class, a target of one of these pairs predicts the first of the pair.
#: Only a pair says which class is the "yes": in a 1/2 or A/B code neither is.
_POSITIVE_PAIRS = (
    ("1", "0"),
    ("1", "-1"),
    ("yes", "no"),
    ("true", "false"),
    ("y", "n"),
    ("t", "f"),
    ("positive", "negative"),
    ("pos", "neg"),
)
#: Below this positive share the positive class is rare: the metric becomes PR AUC.
RARE_SHARE = 0.2
#: The metrics a schema may name (``metric:``); the pipeline reports all of them.
METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc")


class InferenceError(ValueError):
    """The table cannot become this repo's dataset; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class Column:
    """What was decided about one column, and why."""

    name: str
    role: str  # feature, id, excluded
    kind: str = ""  # numeric, categorical
    dtype: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: list[str] = field(default_factory=list)
    nullable: bool = False
    note: str = ""
    other: str | None = None  # the bucket of the values not kept (the "other" rule)


@dataclass
class Inferred:
    """The inferred schema and the rows the repo keeps."""

    header: list[str]
    rows: list[list[str]]
    target: str
    positive: str
    classes: list[str]
    columns: list[Column]
    notes: list[str]
    source: str

    @property
    def positive_share(self) -> float:
        """The share of rows in the positive class."""
        t = self.header.index(self.target)
        return sum(label(r[t]) == self.positive for r in self.rows) / len(self.rows)

    @property
    def id_column(self) -> str | None:
        """The id column, if the table has one."""
        return next((c.name for c in self.columns if c.role == "id"), None)

    @property
    def features(self) -> list[Column]:
        """The columns the model learns from."""
        return [c for c in self.columns if c.role == "feature"]


def is_missing(value: str) -> bool:
    """Whether a raw cell is a missing value."""
    return value.strip().lower() in MISSING


def clean_cell(value: str) -> str:
    """A cell as the repo reads it: no surrounding spaces; every missing marker empty.

    The one rule for the adopted dataset (here) and for every later batch (``data.read_csv``).
    """
    return "" if is_missing(value) else value.strip()


def plain_number(value: str) -> tuple[str, tuple[str, str]] | None:
    """``$1,234.50`` as ``("1234.50", ("$", ""))``: the plain number and its marks, or None."""
    m = _FORMATTED_NUMBER.fullmatch(value)
    if m is None:
        return None
    sign, digits = m["sign"].replace("+", ""), m["digits"].replace(",", "")
    return f"{sign}{digits}{m['fraction'] or ''}", (m["unit"], m["suffix"])


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def label(value: str) -> str:
    """A class label as the schema writes it (``1.0`` is ``1``)."""
    number = _number(value.strip())
    if number is not None and number.is_integer() and "." in value:
        return str(int(number))
    return value.strip()


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV or Parquet file, every cell as text.

    Raises:
        InferenceError: The file is missing, empty or unreadable.
    """
    header, rows, _ = _read(path)
    return header, rows


def _read(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """``read_table``, and notes on what reading changed (the encoding, decimal commas)."""
    if not path.is_file():
        raise InferenceError(f"{path} is not a file", "pass the path of a CSV or Parquet file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path)
    text, encoding = _decode(path)
    try:
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                text[:64_000], delimiters=",;\t"
            )
        except csv.Error:
            dialect = csv.excel
        rows = csv.reader(io.StringIO(text, newline=""), dialect)
        table = [row for row in rows if any(c.strip() for c in row)]
    except csv.Error as error:
        raise InferenceError(
            f"{path} is not a readable CSV file ({error})", "save it as UTF-8 CSV with a header"
        ) from error
    if len(table) < 2:
        raise InferenceError(f"{path} has no data rows", "pass a CSV with a header and rows")
    header, body = [h.strip() for h in table[0]], table[1:]
    notes = [] if encoding == "utf-8" else [f"the file was read as {encoding}, not UTF-8"]
    if header and all(len(row) == len(header) + 1 for row in body):
        # R's write.table() writes row names without a name for them in the header.
        header.insert(0, "")
        notes.append("the header has one name fewer than the rows (R's row names): added one")
    width = len(header)
    ragged = [i + 2 for i, row in enumerate(body) if len(row) != width]
    if ragged:
        raise InferenceError(
            f"{path}: {len(ragged)} row(s) do not have {width} cells (line {ragged[0]} first)",
            "check the delimiter and the quoting of the file",
        )
    notes += _name_columns(header)
    if dialect.delimiter != ",":
        notes += [
            f"{name}: decimal commas read as points (cells are separated by {dialect.delimiter!r})"
            for name in _read_decimal_commas(header, body)
        ]
    return header, body, notes


def _name_columns(header: list[str]) -> list[str]:
    """Name, in place, the header's empty and repeated names; return notes on each.

    ``pandas.DataFrame.to_csv()`` and R's ``write.csv()`` write the row index or row names as
    a first column with an empty name: it becomes ``rownames`` (a row label, not a feature).
    Another empty name becomes ``column_N``; a repeated name gets ``_2``, ``_3``... as pandas
    does with ``.1``, so every column of the owner's table reaches the schema.
    """
    notes = []
    taken = {name for name in header if name}
    for i, name in enumerate(header):
        seen = name in header[:i]
        if name and not seen:
            continue
        base = name or ("rownames" if i == 0 else f"column_{i + 1}")
        new, n = base, 1
        while new in taken:
            n += 1
            new = f"{base}_{n}"
        taken.add(new)
        header[i] = new
        if name:
            notes.append(f"{name!r} names two columns: column {i + 1} is read as {new!r}")
        else:
            notes.append(f"column {i + 1} has no name: read as {new!r}")
    return notes


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _decode(path: Path) -> tuple[str, str]:
    """The text of ``path`` and its encoding: a byte-order mark, else UTF-8, else cp1252.

    Spreadsheets save CSV in the machine's code page (cp1252 in western Europe and the
    Americas) or as UTF-16 ("Unicode text"); every one of them is read, and the repo keeps UTF-8.
    """
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise InferenceError(
                    f"{path} starts with a {encoding} mark but is not {encoding} ({error})",
                    "save it as UTF-8 CSV with a header",
                ) from error
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise InferenceError(
        f"{path} is not a CSV file: it holds NUL bytes (a binary file?)",
        "save it as UTF-8 CSV with a header, or pass a Parquet file",
    )


#: A number as spreadsheets in comma-decimal locales export it: ``-1,5``, ``1.234,5``, ``12``.
#: A number with a decimal comma; a currency sign before or after it, a percent sign after
#: (``76,4 %``, ``1.234,50 €``), as spreadsheets in those locales format cells.
_DECIMAL_COMMA = re.compile(r"[+-]?[$€£¥]?\s*(\d+|\d{1,3}(\.\d{3})+)(,\d+)?\s*[%$€£¥]?")


def _read_decimal_commas(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rewrite, in place, columns whose numbers use a decimal comma; return their names.

    Only a file whose cells are not separated by commas can hold such numbers unquoted, and a
    column changes only when every value is a number of that form and one has a decimal comma
    (then ``1.234`` is a thousands separator); ``1.5`` beside ``2,5`` is left as text.
    """
    converted = []
    for i, name in enumerate(header):
        cells = [row[i].strip() for row in rows if not is_missing(row[i])]
        if not any("," in c for c in cells) or not all(_DECIMAL_COMMA.fullmatch(c) for c in cells):
            continue
        for row in rows:
            if not is_missing(row[i]):
                row[i] = row[i].strip().replace(".", "").replace(",", ".")
        converted.append(name)
    return converted


def _read_parquet(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    try:
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError as error:
        raise InferenceError(
            "reading Parquet needs pyarrow, which is not installed",
            "install it (scaffold: pip install 'scaffold-portfolio[parquet]'; this repo: "
            "uv pip install pyarrow), or save the table as CSV",
        ) from error
    try:
        arrow = pq.read_table(path)
        table = arrow.to_pydict()
    except Exception as error:  # pyarrow raises several types for a broken file
        raise InferenceError(f"{path} is not a readable Parquet file ({error})", "") from error
    header = [str(name) for name in table]
    columns = [[_cell(v) for v in table[name]] for name in table]
    if not columns or not columns[0]:
        raise InferenceError(f"{path} has no data rows", "pass a Parquet file with rows")
    is_duration = importlib.import_module("pyarrow").types.is_duration
    notes = [
        f"{field.name}: durations read as seconds"
        for field in arrow.schema
        if is_duration(field.type)
    ]
    return header, [list(row) for row in zip(*columns, strict=True)], notes


def _cell(value: object) -> str:
    """A Parquet value as the CSV text it would be: null and NaN are empty cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, timedelta):  # a duration is a quantity, not the text "0:58:00"
        seconds = value.total_seconds()
        return str(int(seconds)) if seconds.is_integer() else repr(seconds)
    return str(value)


def _sorted_classes(counts: Counter[str]) -> list[str]:
    """The classes in order: by value when every class is a number (2 before 10), else text."""
    numbers = {c: _number(c) for c in counts}
    if all(n is not None for n in numbers.values()):
        return sorted(counts, key=lambda c: (numbers[c], c))
    return sorted(counts)


def _choose_positive(
    classes: list[str], counts: Counter[str], given: str | None
) -> tuple[str, str | None]:
    """The positive class, and why when the owner did not name it."""
    if given is not None:
        given = next((c for c in classes if c.casefold() == label(given).casefold()), given)
        if label(given) not in classes:
            raise InferenceError(
                f"--positive-class {given!r} is not a class of the target",
                f"choose one of: {', '.join(classes[:20])}",
            )
        return label(given), None
    numbers = [n for n in map(_number, classes) if n is not None]
    if len(classes) > MAX_CATEGORIES and len(numbers) == len(classes):
        seen = f"{len(classes)} numeric values, {_show(min(numbers))}..{_show(max(numbers))}"
        raise InferenceError(
            f"the target is a measurement ({seen}), not classes; this pipeline is a binary "
            "classifier",
            "add a yes/no column to the file (for example: above a value that matters to you) "
            "and pass it as --target",
        )
    if len(classes) > 2:
        shown = "" if len(classes) <= 20 else f" (20 of {len(classes)})"
        raise InferenceError(
            f"the target has {len(classes)} classes; this pipeline predicts one class against "
            "the rest",
            f"pass --positive-class with one of{shown} (rows of each in brackets): "
            + ", ".join(f"{c} ({counts[c]})" for c in classes[:20]),
        )
    folded = {c.casefold(): c for c in classes}
    for yes, no in _POSITIVE_PAIRS:
        if set(folded) == {yes, no}:
            return folded[yes], f"no --positive-class: {folded[yes]!r} is the yes of {yes}/{no}"
    rarer = min(classes, key=lambda c: (counts[c], c))
    return rarer, (
        f"no --positive-class, and {' / '.join(map(repr, classes))} does not say which is the "
        f"yes: the rarer class {rarer!r} was chosen; pass --positive-class to choose"
    )


def _numeric_column(name: str, numbers: list[float], nullable: bool) -> Column:
    whole = all(n.is_integer() for n in numbers)
    low, high = min(numbers), max(numbers)
    margin = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    minimum = low - margin if low < 0 or low - margin >= 0 else 0.0
    maximum = high + margin
    if whole:
        minimum, maximum = math.floor(minimum), math.ceil(maximum)
    else:
        minimum, maximum = _round(minimum), _round(maximum)
    note = f"seen {_show(low)}..{_show(high)}; allowed range widened by 10%"
    if low >= 0 and minimum == 0:
        note += ", not below 0"
    return Column(
        name,
        "feature",
        "numeric",
        "int" if whole else "float",
        minimum,
        maximum,
        nullable=nullable,
        note=note,
    )


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _show(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


#: Day-first and month-first dates as spreadsheets write them; ISO 8601 is read by datetime.
_DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%m/%d/%y")


def _as_date(value: str) -> datetime | None:
    """The moment a cell names when it is a date or a date and time; None otherwise.

    A plain number (``20200101``) is not a date, though ISO 8601 would read it as one.
    """
    text = value.strip()
    if _number(text) is not None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    day, _, clock = text.partition(" ")
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(day, fmt)
            return datetime.combine(parsed.date(), time.fromisoformat(clock)) if clock else parsed
        except ValueError:
            continue
    return None


def _code(name: str, cells: list[str]) -> str | None:
    """Why a column of digits is a code (a label written in digits), or None for a number.

    The evidence: leading zeros (``02134`` is no quantity, and a number would lose them), or
    a name ending in ``zip``, ``phone``, ``account_number``, ``fips``, ``code``.
    """
    present = {c.strip() for c in cells if not is_missing(c)}
    if not present or not all(c.isdigit() for c in present):
        return None
    zeros = [c for c in present if len(c) > 1 and c.startswith("0")]
    widths = {len(c) for c in present}
    if zeros:
        width = f", all {next(iter(widths))} digits wide" if len(widths) == 1 else ""
        return (
            f"a code, not a quantity: digits with leading zeros (such as {min(zeros)!r}{width}); "
            "read as text"
        )
    if _CODE_NAME.search(name):
        return "a code, not a quantity: digits in a column named like a code; read as text"
    return None


def _column(name: str, cells: list[str], targets: list[str], n: int) -> Column:
    code = _code(name, cells)
    column = _decide(name, cells, targets, n, code=code is not None)
    if code is not None:
        column = replace(column, note=f"{code}; {column.note}")
    return column


def _decide(name: str, cells: list[str], targets: list[str], n: int, *, code: bool) -> Column:
    present = [(c.strip(), t) for c, t in zip(cells, targets, strict=True) if not is_missing(c)]
    nullable = len(present) < n
    if not present:
        return Column(name, "excluded", note="every value is missing")
    numbers = [_number(v) for v, _ in present]
    if not code and all(x is not None for x in numbers):
        measured = [x for x in numbers if x is not None]
        cut = _separating_cut(measured, [t for _, t in present])
        if cut is not None:
            return Column(name, "excluded", note=f"likely leakage: {cut}")
        return _numeric_column(name, measured, nullable)
    values = Counter(v for v, _ in present)
    if len(values) == 1:
        return Column(name, "excluded", note="one value only: it carries no information")
    if len(values) > MAX_CATEGORIES:
        dated = [(d, v) for v in values if (d := _as_date(v)) is not None]
        if len(dated) == len(values):
            (_, first), (_, last) = min(dated), max(dated)
            return Column(
                name,
                "excluded",
                note=f"dates or times ({len(values)} distinct, {first} .. {last}): as text "
                "they are not a feature; add what matters (month, weekday, days since) as a "
                "column of its own",
            )
        if len(values) / len(present) > FREE_TEXT_SHARE:
            return Column(
                name,
                "excluded",
                note=f"free text or a name: {len(values)} distinct values in {len(present)} "
                f"rows (more than {FREE_TEXT_SHARE * 100:.0f}% of them); encode it yourself if it "
                "matters",
            )
        return _other_column(name, values, nullable)
    by_value: dict[str, set[str]] = {}
    for value, target in present:
        by_value.setdefault(value, set()).add(target)
    if all(len(t) == 1 for t in by_value.values()) and len(
        {next(iter(t)) for t in by_value.values()}
    ) == len(by_value):
        return Column(
            name,
            "excluded",
            note="likely leakage: each value goes with exactly one class of the target",
        )
    return Column(
        name,
        "feature",
        "categorical",
        categories=sorted(values),
        nullable=nullable,
        note=f"{len(values)} categories seen (at most {MAX_CATEGORIES} are kept as categorical)",
    )


def _separating_cut(numbers: list[float], targets: list[str]) -> str | None:
    """Why one threshold on ``numbers`` alone gives every row its class, or None.

    A target defined from a measurement (``low`` birth weight is ``bwt < 2500``) leaves that
    measurement in the table: a model scores 1.000 on it and learns nothing usable. A real
    feature this clean is rare; the comment asks the owner to keep it if it is known in time.
    """
    positives = [x for x, t in zip(numbers, targets, strict=True) if t == "1"]
    negatives = [x for x, t in zip(numbers, targets, strict=True) if t == "0"]
    if min(len(positives), len(negatives)) < MIN_PER_CLASS:
        return None
    if max(negatives) < min(positives):
        side, low, high = "above", max(negatives), min(positives)
    elif max(positives) < min(negatives):
        side, low, high = "below", max(positives), min(negatives)
    else:
        return None
    return (
        f"every row of the positive class is {side} a value between {_show(low)} and "
        f"{_show(high)}, every other row is not: the target looks computed from it (keep it "
        "only if it is known before the outcome)"
    )


def _other_column(name: str, values: Counter[str], nullable: bool) -> Column:
    """A categorical column over the cap: the top values, and "other" for the rest."""
    kept = [v for v, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]
    kept = kept[:TOP_CATEGORIES]
    other = next((o for o in ("other", "(other)") if o not in values), "(other values)")
    rest = sum(n for v, n in values.items() if v not in kept)
    return Column(
        name,
        "feature",
        "categorical",
        categories=[*sorted(kept), other],
        nullable=nullable,
        note=f"{len(values)} categories seen, more than {MAX_CATEGORIES}: the "
        f"{TOP_CATEGORIES} most frequent are kept; the other {len(values) - len(kept)} "
        f"({rest} rows), and any value never seen here, are read as {other!r}",
        other=other,
    )


def infer(
    header: list[str],
    rows: list[list[str]],
    *,
    target: str,
    positive: str | None = None,
    id_column: str | None = None,
    source: str = "dataset",
) -> Inferred:
    """Decide the schema of ``rows``.

    Raises:
        InferenceError: The target is missing or has one class, too few rows, a bad id column.
    """
    if target not in header:
        raise InferenceError(
            f"the target column {target!r} is not in the table",
            f"choose one of: {', '.join(header[:30])}",
        )
    t = header.index(target)
    notes: list[str] = []
    kept = [row for row in rows if not is_missing(row[t])]
    if len(kept) < len(rows):
        notes.append(f"{len(rows) - len(kept)} row(s) without a target value were dropped")
    if len(kept) < MIN_ROWS:
        raise InferenceError(
            f"the table has {len(kept)} labelled rows; at least {MIN_ROWS} are needed",
            "add rows, or use the shipped example data (omit --dataset)",
        )
    labels = _one_spelling(kept, t, notes)
    counts = Counter(labels)
    classes = _sorted_classes(counts)
    if len(classes) < 2:
        raise InferenceError(
            f"the target {target!r} has one class only ({classes[0]!r})",
            "a classifier needs rows of at least two classes",
        )
    chosen, why = _choose_positive(classes, counts, positive)
    binary = ["1" if v == chosen else "0" for v in labels]
    positives = binary.count("1")
    if min(positives, len(kept) - positives) < MIN_PER_CLASS:
        raise InferenceError(
            f"{positives} row(s) of class {chosen!r} and {len(kept) - positives} of the rest; "
            f"each side needs at least {MIN_PER_CLASS}",
            "pick another --positive-class or add rows",
        )
    if len(classes) > 2:
        notes.append(f"{len(classes)} classes; {chosen!r} is predicted against the rest")
    if why is not None:
        notes.append(why)
    columns: list[Column] = []
    if id_column is not None and id_column not in header:
        raise InferenceError(
            f"the id column {id_column!r} is not in the table",
            f"choose one of: {', '.join(header[:30])}",
        )
    for i, name in enumerate(header):
        if i == t:
            continue
        _clean_cells(name, kept, i, notes)
        _read_formatted_numbers(name, kept, i, notes)
        cells = [row[i] for row in kept]
        unique = len(set(cells)) == len(cells) and not any(is_missing(c) for c in cells)
        if name == id_column:
            if not unique:
                raise InferenceError(
                    f"the id column {name!r} has repeated or missing values",
                    "pass a column whose values are unique, or no --id-column",
                )
            columns.append(Column(name, "id", note="given with --id-column"))
            continue
        if id_column is None and unique and _ID_NAME.search(name) and not _all_numbers(cells):
            columns.append(Column(name, "id", note="named like an id and unique: the row's id"))
            id_column = name
            continue
        if id_column is None and unique and _ID_NAME.search(name):
            columns.append(Column(name, "excluded", note="named like an id, unique: not a feature"))
            continue
        if unique and _row_number(cells):
            columns.append(
                Column(
                    name,
                    "excluded",
                    note="a row number (unique whole numbers, nearly consecutive): a model "
                    "would learn the order of the file",
                )
            )
            continue
        labelled = _ROW_LABEL_NAME.match(name.strip()) and not _has_fractions(cells)
        if unique and (labelled or _increasing_whole(cells)):
            columns.append(
                Column(
                    name,
                    "excluded",
                    note="a row label (unique, named like one or whole numbers in increasing "
                    "order): a model would learn the order of the file",
                )
            )
            continue
        if _ID_NAME.search(name) and _distinct_share(cells) > ID_SHARE:
            columns.append(
                Column(
                    name,
                    "excluded",
                    note=f"named like an id, {len(set(cells))} distinct values in {len(cells)} "
                    "rows: an identifier (repeated for related rows), not a measurement",
                )
            )
            continue
        columns.append(_column(name, cells, binary, len(kept)))
    if not any(c.role == "feature" for c in columns):
        raise InferenceError(
            "no column is usable as a feature",
            "check the excluded columns in the message above, or add numeric or categorical ones",
        )
    copies = _copies(kept)
    if copies:
        notes.append(
            f"{copies} row(s) repeat an earlier row in every column (copies an export made?): "
            "the split keeps a row and its copies on one side; delete them if they are not cases"
        )
    share = positives / len(kept)
    percent = f"{100 * share:.1f} percent"
    notes.append(f"positive class {chosen!r}: {positives} of {len(kept)} rows ({percent})")
    return Inferred(header, kept, target, chosen, classes, columns, notes, source)


def _one_spelling(rows: list[list[str]], t: int, notes: list[str]) -> list[str]:
    """The target's labels, one spelling per class; rewrite the rows' target cells to it.

    Hand-typed and merged exports spell a class several ways (``Yes``, ``yes``, `` YES``):
    labels equal but for case and surrounding spaces are one class, written as its most
    frequent spelling, so the repo's pipeline reads the same classes as this inference did.
    """
    raw = Counter(row[t] for row in rows)  # decided once per value: 50,000 rows stay fast
    labelled = {value: label(value) for value in raw}
    spellings: dict[str, Counter[str]] = {}
    for value, n in raw.items():
        spellings.setdefault(labelled[value].casefold(), Counter())[labelled[value]] += n
    chosen = {k: c.most_common(1)[0][0] for k, c in spellings.items()}
    for key, spelled in spellings.items():
        if len(spelled) > 1:
            others = ", ".join(repr(v) for v in sorted(spelled) if v != chosen[key])
            notes.append(
                f"target: {others} read as {chosen[key]!r} (the same class but for its case)"
            )
    one = {value: chosen[labelled[value].casefold()] for value in raw}
    for row in rows:
        row[t] = one[row[t]]
    return [row[t] for row in rows]


def _clean_cells(name: str, rows: list[list[str]], i: int, notes: list[str]) -> None:
    """Write, in place, column ``i`` as the repo's pipeline must read it to agree with this.

    Inference reads ``" Yes"`` as the category ``Yes`` and ``?`` or ``#N/A`` as missing;
    pandas, which reads the repo's ``dataset.csv``, would keep the spaces (a category the
    schema does not know) and read ``?`` as text. So cells lose surrounding spaces and every
    missing-value marker becomes an empty cell, missing for both.
    """
    distinct = {row[i] for row in rows}  # decided once per value: 50,000 rows stay fast
    change = {v: w for v in distinct if (w := clean_cell(v)) != v}
    if not change:
        return
    markers: Counter[str] = Counter()
    for row in rows:
        value = row[i]
        if value in change:
            row[i] = change[value]
            if not row[i]:
                markers[value.strip()] += 1
    if markers:
        shown = ", ".join(f"{m!r} ({n})" for m, n in markers.most_common(4) if m)
        notes.append(f"{name}: missing values {shown or '(blank)'} written as empty cells")


#: A number as reports and spreadsheets format it: ``$1,234.50``, ``-12.5%``, ``€ 99``, ``1,234``.
_FORMATTED_NUMBER = re.compile(
    r"(?P<sign>[+-]?)\s*(?P<unit>[$€£¥]?)\s*(?P<digits>\d{1,3}(,\d{3})+|\d+)(?P<fraction>\.\d+)?"
    r"\s*(?P<suffix>[%$€£¥]?)"
)


_NUMBER_MARK = re.compile(r"[,$€£¥%]")


def _read_formatted_numbers(name: str, rows: list[list[str]], i: int, notes: list[str]) -> None:
    """Rewrite, in place, a column of formatted numbers as plain ones.

    A column changes only when every present value is a number of that form, all with the
    same currency sign or percent sign (or none), and one has a sign or a thousands comma.
    A percent stays in percent (``12%`` is 12), as the owner's file showed it.
    """
    distinct = {row[i] for row in rows} - {""}  # cells are stripped, missing ones empty
    if not _NUMBER_MARK.search("\n".join(distinct)) or all(
        _number(c) is not None for c in distinct
    ):
        return
    plain, marks = {}, set()
    for value in distinct:
        read = plain_number(value)
        if read is None:
            return
        plain[value], mark = read
        marks.add(mark)
    if len(marks) != 1 or (marks == {("", "")} and not any("," in c for c in distinct)):
        return
    example = next(row[i] for row in rows if row[i])
    for row in rows:
        row[i] = plain.get(row[i], row[i])
    notes.append(f"{name}: formatted numbers such as {example!r} read as plain numbers")


def _copies(rows: list[list[str]]) -> int:
    """Rows repeating an earlier row whole, in a table where that cannot be two cases alike.

    The rule of the repo's ``data.copy_keys``: only a table with a column of mostly distinct
    values (over half its rows) has copies; four categorical columns repeat by nature.
    """
    if not rows or not any(len(set(col)) > len(rows) / 2 for col in zip(*rows, strict=True)):
        return 0
    return len(rows) - len({tuple(row) for row in rows})


def _row_number(cells: list[str]) -> bool:
    """Whether unique cells are whole numbers that nearly fill first..last (a row number).

    "Nearly": rows without a target were dropped, so a few numbers may be missing.
    """
    numbers = [_number(c) for c in cells]
    if any(n is None or not n.is_integer() for n in numbers):
        return False
    whole = [int(n) for n in numbers if n is not None]
    return max(whole) - min(whole) + 1 <= len(whole) * 1.05 + 1


def _increasing_whole(cells: list[str]) -> bool:
    """Whether the cells are whole numbers in strictly increasing file order (row labels)."""
    numbers = [_number(c) for c in cells]
    whole = [n for n in numbers if n is not None and n.is_integer()]
    return len(whole) == len(cells) and all(a < b for a, b in pairwise(whole))


def _has_fractions(cells: list[str]) -> bool:
    """Whether some cell is a number with a fractional part (a measurement, not a label)."""
    return any((n := _number(c)) is not None and not n.is_integer() for c in cells)


def _distinct_share(cells: list[str]) -> float:
    present = [c for c in cells if not is_missing(c)]
    return len(set(present)) / len(present) if present else 0.0


def _all_numbers(cells: list[str]) -> bool:
    return all(_number(c) is not None for c in cells)


def _yaml(value: object) -> str:
    """A scalar as YAML flow text (JSON is valid YAML and quotes what needs quoting)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else json.dumps(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def min_rows(inferred: Inferred) -> int:
    """The row-count rule: half the rows, between 50 and 200."""
    return max(MIN_ROWS, min(200, len(inferred.rows) // 2))


def share_bounds(inferred: Inferred) -> tuple[float, float]:
    """The class-balance rule: the positive share may halve, or the negatives may halve."""
    share = inferred.positive_share
    return round(share / 2, 3), round(share + (1 - share) / 2, 3)


def choose_metric(share: float) -> tuple[str, str]:
    """The metric for a positive share, and why (the rule ``schema.yml`` states).

    A rare positive class (under 20 percent of the rows) is judged by PR AUC: ROC AUC and
    accuracy look good on a rare class by ranking the many easy negatives well, while PR AUC
    only rises when the flagged rows really are positive. Otherwise ROC AUC: threshold-free,
    and its dummy is 0.5 whatever the balance.
    """
    percent = f"{100 * share:.1f} percent"
    if share < RARE_SHARE:
        return "pr_auc", (
            f"the positive class is rare ({percent} of the rows, under {RARE_SHARE * 100:.0f}%): "
            "PR AUC, because ROC AUC and accuracy look good on a rare class by ranking the "
            "many easy negatives"
        )
    return "roc_auc", (
        f"the positive class is {percent} of the rows (not under {RARE_SHARE * 100:.0f}%): "
        "ROC AUC, "
        "threshold-free and 0.5 for any dummy whatever the balance"
    )


def schema_text(inferred: Inferred, *, dataset: str, drifted: str) -> str:
    """``schema.yml`` with every inference decision as a comment."""
    low, high = share_bounds(inferred)
    metric, why = choose_metric(inferred.positive_share)
    lines = [
        f"# Inferred from {inferred.source} by `schema infer` ({len(inferred.rows)} rows).",
        "# Review every comment: the decisions are guesses from the data, not facts about it.",
        *(f"# - {note}" for note in inferred.notes),
        f"title: {_yaml(Path(inferred.source).stem)}",
        f"dataset: {_yaml(dataset)}",
        f"# {drifted}: SIMULATED from a sample of the dataset (see data/README.md); not real data.",
        f"drifted_batch: {_yaml(drifted)}",
        f"id_column: {_yaml(inferred.id_column) if inferred.id_column else 'null'}",
        *(f"# {line}" for line in textwrap.wrap(f"metric: {why}.", 93)),
        "# Thresholds, baselines and the promotion gate follow it when the project's domain is",
        f"# custom (a preset domain keeps its own metric). One of: {', '.join(METRICS)}.",
        f"metric: {metric}",
        "target:",
        f"  name: {_yaml(inferred.target)}",
        f"  positive: {_yaml(inferred.positive)}",
        f"  classes: [{', '.join(_yaml(c) for c in inferred.classes)}]",
        f"  description: {_yaml(f'1 when {inferred.target} is {inferred.positive}.')}",
        "features:",
    ]
    for column in inferred.features:
        lines.append(f"# {column.note}")
        lines.append(f"- name: {_yaml(column.name)}")
        lines.append(f"  kind: {column.kind}")
        if column.kind == "numeric":
            lines += [
                f"  dtype: {column.dtype}",
                f"  min: {_yaml(column.minimum)}",
                f"  max: {_yaml(column.maximum)}",
            ]
        else:
            lines.append(f"  categories: [{', '.join(_yaml(c) for c in column.categories)}]")
            if column.other is not None:
                lines.append(f"  other: {_yaml(column.other)}")
        nullable = "true" if column.nullable else "false"
        lines.append(f"  nullable: {nullable}")
    excluded = [c for c in inferred.columns if c.role == "excluded"]
    if excluded:
        lines.append("# Columns kept in the CSV but never given to the model:")
        lines += [f"# - {c.name}: {c.note}" for c in excluded]
        lines.append(f"ignored_columns: [{', '.join(_yaml(c.name) for c in excluded)}]")
    lines += [
        "checks:",
        "  # half the rows of the inferred table, between 50 and 200",
        f"  min_rows: {min_rows(inferred)}",
        "  # the positive share may halve, or the negative share may halve, before data fails",
        f"  min_positive_share: {low}",
        f"  max_positive_share: {high}",
        "",
    ]
    return "\n".join(lines)


def drifted_rows(inferred: Inferred, n: int = 400, seed: int = 7) -> list[list[str]]:
    """A SIMULATED drifted batch: a sample whose numbers move up and categories concentrate.

    Numeric features move by one standard deviation (clipped to the schema's range) and the
    first category of each categorical feature is replaced by the most common one, so a
    drift monitor has something to find. The target column is kept.
    """
    rng = random.Random(seed)
    sample = [list(rng.choice(inferred.rows)) for _ in range(min(n, max(len(inferred.rows), 60)))]
    index = {name: i for i, name in enumerate(inferred.header)}
    id_at = index.get(inferred.id_column) if inferred.id_column else None
    for row_number, row in enumerate(sample):
        if id_at is not None:
            row[id_at] = f"drifted-{row_number:05d}"
    for column in inferred.features:
        i = index[column.name]
        if column.kind == "numeric":
            numbers = [x for x in (_number(r[i]) for r in inferred.rows) if x is not None]
            mean = sum(numbers) / len(numbers)
            spread = math.sqrt(sum((x - mean) ** 2 for x in numbers) / len(numbers)) or 1.0
            for row in sample:
                value = _number(row[i])
                if value is None:
                    continue
                moved = value + spread
                if column.maximum is not None:
                    moved = min(moved, column.maximum)
                row[i] = str(round(moved)) if column.dtype == "int" else f"{moved:.6g}"
        else:
            common = Counter(r[i] for r in inferred.rows if not is_missing(r[i])).most_common(1)
            for row in sample:
                if not is_missing(row[i]) and rng.random() < 0.6:
                    row[i] = common[0][0]
    return sample


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a CSV with a header (UTF-8, comma-separated, minimal quoting)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


@dataclass(frozen=True)
class Adopted:
    """What ``adopt`` wrote."""

    files: tuple[Path, ...]
    inferred: Inferred


def prepare(
    source: Path,
    *,
    target: str,
    positive: str | None = None,
    id_column: str | None = None,
) -> Inferred:
    """Read and infer without writing anything (so bad input can stop before any write)."""
    header, rows, notes = _read(source)
    inferred = infer(
        header, rows, target=target, positive=positive, id_column=id_column, source=source.name
    )
    inferred.notes[:0] = notes
    return inferred


def write(inferred: Inferred, data_dir: Path) -> Adopted:
    """Write ``dataset.csv``, ``drifted.csv``, ``schema.yml`` and ``README.md`` to ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    dataset, drifted = data_dir / "dataset.csv", data_dir / "drifted.csv"
    write_csv(dataset, inferred.header, inferred.rows)
    write_csv(drifted, inferred.header, drifted_rows(inferred))
    schema = data_dir / "schema.yml"
    schema.write_text(
        schema_text(inferred, dataset=dataset.name, drifted=drifted.name), encoding="utf-8"
    )
    readme = data_dir / "README.md"
    readme.write_text(data_readme(inferred), encoding="utf-8")
    return Adopted((dataset, drifted, schema, readme), inferred)


def data_readme(inferred: Inferred) -> str:
    """``data/README.md``: where the data came from and what is simulated."""
    excluded = [c for c in inferred.columns if c.role == "excluded"]
    lines = [
        "# Data",
        "",
        f"**Provenance: the owner's table `{inferred.source}`** (source, licence and citation "
        "not recorded yet: write them here). `drifted.csv` is SIMULATED from it.",
        "",
        f"- `dataset.csv`: the owner's table `{inferred.source}`, {len(inferred.rows)} labelled "
        f"rows. Target `{inferred.target}`; the model predicts `{inferred.positive}` against "
        "the rest. Record its source, licence and citation here.",
        "- `schema.yml`: inferred from the table by `schema infer`; every decision is a comment.",
        "- `drifted.csv`: **simulated**. A sample of `dataset.csv` with numeric features moved "
        "up by one standard deviation and categories concentrated on their most common value, "
        "for the monitoring demo (`make monitor`). It is not real production data.",
    ]
    if excluded:
        lines.append(
            "- Columns kept in the CSV but not given to the model: "
            + ", ".join(f"`{c.name}` ({c.note})" for c in excluded)
            + "."
        )
    return "\n".join([*lines, ""])
