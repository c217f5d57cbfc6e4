"""The prediction log's SQLite layout, and reading it back.

The API writes one row per request into ``prediction_batches``: the records column by column
as one JSON object (``{"age": [41, 29], ...}``), the probabilities as one JSON array and the
labels as one string of ``0``/``1``. That costs one JSON encoding and one insert per request:
a row per record cost 25 times as much and took a third of a 256-record request's CPU
(bench/bench_predict.py, docs/architecture.md). ``predictions`` is a view with one row per
record (``id, ts, model_version, record, probability, label``) for SQL readers; it rebuilds
each record as JSON, so a query over a large log is slow: :func:`recent_records` reads the
batches directly.

A log written by an earlier version of this repo (a ``predictions`` table, one row per record)
is kept: the table is renamed ``predictions_v1`` and the view shows its rows first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from pydantic_core import to_json

#: The log's file name in the state directory.
PREDICTION_LOG = "predictions.db"

#: One logged request.
INSERT_BATCH = (
    "INSERT INTO prediction_batches (ts, model_version, size, records, probabilities, labels)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_BATCHES = (
    "CREATE TABLE IF NOT EXISTS prediction_batches (id INTEGER PRIMARY KEY, ts TEXT NOT NULL,"
    " model_version TEXT NOT NULL, size INTEGER NOT NULL, records TEXT NOT NULL,"
    " probabilities TEXT NOT NULL, labels TEXT NOT NULL)"
)
#: A record's value of column ``c``: ``->`` (SQLite 3.38+) keeps the value's JSON text as
#: written; ``json_extract`` (older SQLite) prints a number to 15 significant digits.
_VALUE = (
    "c.value -> ('$[' || p.key || ']')"
    if sqlite3.sqlite_version_info >= (3, 38)
    else "json_extract(c.value, '$[' || p.key || ']')"
)
#: Each batch's records, one row each; ids above every earlier version's row id (2**32 +).
_BATCH_ROWS = (
    "SELECT ((b.id + 1) << 32) + p.key, b.ts, b.model_version,"
    f" (SELECT json_group_object(c.key, {_VALUE}) FROM json_each(b.records) AS c),"
    " p.value, CAST(substr(b.labels, p.key + 1, 1) AS INTEGER)"
    " FROM prediction_batches AS b, json_each(b.probabilities) AS p"
)
_LEGACY = "predictions_v1"
_LEGACY_ROWS = f"SELECT id, ts, model_version, record, probability, label FROM {_LEGACY}"


def create_layout(db: sqlite3.Connection) -> None:
    """Create the log's table and view in ``db`` (a no-op when they exist).

    In one write transaction, so that two web workers opening a new log at once agree.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        kinds = dict(
            db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        )
        if kinds.get("predictions") == "table":  # an earlier version's log
            db.execute(f"ALTER TABLE predictions RENAME TO {_LEGACY}")
            kinds[_LEGACY] = "table"
            del kinds["predictions"]
        db.execute(_BATCHES)
        if "predictions" not in kinds:
            rows = f"{_LEGACY_ROWS} UNION ALL {_BATCH_ROWS}" if _LEGACY in kinds else _BATCH_ROWS
            db.execute(
                "CREATE VIEW predictions (id, ts, model_version, record, probability, label)"
                f" AS {rows}"
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def batch_row(
    ts: str,
    version: str,
    columns: Mapping[str, Sequence[Any]],
    probabilities: Sequence[float],
    labels: Sequence[int],
) -> tuple[str, str, int, str, str, str]:
    """One request's ``prediction_batches`` row (``INSERT_BATCH``'s parameters)."""
    return (
        ts,
        version,
        len(probabilities),
        to_json(columns).decode(),
        to_json(probabilities).decode(),
        "".join("1" if label else "0" for label in labels),
    )


def records_of(columns: Mapping[str, Sequence[Any]], size: int) -> list[dict[str, Any]]:
    """The ``size`` records that ``columns`` (name -> values in order) hold, as dicts."""
    if not columns:
        return [{} for _ in range(size)]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _has(db: sqlite3.Connection, table: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return found.fetchone() is not None


def _newest_first(db: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    if _has(db, "prediction_batches"):
        for records, size in db.execute(
            "SELECT records, size FROM prediction_batches ORDER BY id DESC"
        ):
            yield from reversed(records_of(json.loads(records), size))
    # An earlier version's rows: renamed once this version opened the log, else as they were.
    legacy = next((t for t in (_LEGACY, "predictions") if _has(db, t)), None)
    if legacy is not None:
        for (record,) in db.execute(f"SELECT record FROM {legacy} ORDER BY id DESC"):
            yield json.loads(record)


def newest_records(db: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most recently logged records in ``db``, oldest first."""
    newest: list[dict[str, Any]] = []
    for record in _newest_first(db):
        if len(newest) == limit:
            break
        newest.append(record)
    return newest[::-1]


def recent_records(database: Path, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most recently logged records, oldest first (batches read, not the view)."""
    with closing(sqlite3.connect(database)) as db:
        return newest_records(db, limit)


def logged_count(db: sqlite3.Connection) -> int:
    """How many records ``db``'s log holds (earlier versions' rows included)."""
    total = int(db.execute("SELECT COALESCE(SUM(size), 0) FROM prediction_batches").fetchone()[0])
    if _has(db, _LEGACY):
        total += int(db.execute(f"SELECT COUNT(*) FROM {_LEGACY}").fetchone()[0])
    return total
