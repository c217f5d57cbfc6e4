"""Parsing answers from flags and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.answers import load_answers_file, parse_data
from scaffold.errors import AnswersFileError, UsageError


def test_parse_data_keeps_values_as_text_and_last_wins() -> None:
    assert parse_data(["python_version=3.10", "a=x=y", "python_version=3.12"]) == {
        "python_version": "3.12",
        "a": "x=y",
    }


@pytest.mark.parametrize("item", ["novalue", "=x", "bad key=x", "1a=x"])
def test_parse_data_rejects_malformed(item: str) -> None:
    with pytest.raises(UsageError, match="malformed --data"):
        parse_data([item])


def test_answers_file_skips_copier_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("_src_path: x\n_commit: v1\ndomain: legal\n")
    assert load_answers_file(path) == {"domain": "legal"}


def test_empty_answers_file_is_no_answers(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("# nothing\n")
    assert load_answers_file(path) == {}


def test_yaml_error_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("a: 1\nb: 2\nc: [unclosed\nd: 4\n")
    with pytest.raises(AnswersFileError) as info:
        load_answers_file(path)
    assert info.value.line is not None and info.value.line >= 3
