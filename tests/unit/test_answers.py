"""Parsing answers from flags and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scaffold.answers import (
    MAX_ANSWER_LENGTH,
    MAX_ANSWERS_FILE_BYTES,
    UnknownQuestionError,
    check_answers,
    check_value,
    load_answers_file,
    parse_data,
)
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


# --- bounded, decoded, typed input (issue 18) ---------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # Notepad's byte-order mark
        ("utf-16", b""),  # Python writes the mark itself
        ("utf-16-le", b""),  # no mark
        ("cp1252", b""),  # Excel's CSV on a western machine
    ],
)
def test_answers_file_in_any_common_encoding(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "a.yml"
    path.write_bytes(prefix + "author_name: José Müller\ndomain: legal\n".encode(encoding))
    assert load_answers_file(path) == {"author_name": "José Müller", "domain": "legal"}


def test_binary_answers_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    with pytest.raises(AnswersFileError, match="binary") as info:
        load_answers_file(path)
    assert "UTF-8" in (info.value.hint or "")


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(c)}: &{chr(c)} [{','.join(['*' + chr(c - 1)] * 9)}]" for c in range(98, 106)]
    path = tmp_path / "a.yml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnswersFileError, match="anchors and aliases") as info:
        load_answers_file(path)
    assert info.value.line == 1


def test_oversized_answers_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("description: " + "x" * (MAX_ANSWERS_FILE_BYTES + 10) + "\n")
    with pytest.raises(AnswersFileError, match="larger than"):
        load_answers_file(path)


def test_check_answers_types_lengths_and_lines() -> None:
    questions: dict[str, dict[str, Any]] = {
        "description": {"type": "str"},
        "python_version": {"type": "str"},
        "repo_name": {"type": "str", "when": False},
    }
    assert check_answers({"python_version": 3.12}, questions) == {"python_version": "3.12"}
    with pytest.raises(UsageError, match="not a list"):
        check_answers({"description": [1, 2]}, questions)
    with pytest.raises(UsageError, match=f"limit is {MAX_ANSWER_LENGTH}"):
        check_answers({"description": "x" * (MAX_ANSWER_LENGTH + 1)}, questions)
    with pytest.raises(UsageError, match="line break"):
        check_answers({"description": "a\u2029b"}, questions)
    with pytest.raises(UsageError, match="computes it"):
        check_answers({"repo_name": "x"}, questions)
    with pytest.raises(UnknownQuestionError, match="unknown question 'descripton'") as info:
        check_answers({"descripton": "x"}, questions)
    assert "did you mean 'description'" in (info.value.hint or "")


# Found by mutation testing (mutmut on answers.py): the limit's boundary, each refused
# Unicode category and the noncharacter ranges' ends were not pinned by any test.


def test_an_answer_of_exactly_the_limit_is_accepted() -> None:
    assert check_value("description", "x" * MAX_ANSWER_LENGTH) == "x" * MAX_ANSWER_LENGTH
    with pytest.raises(ValueError, match=f"{MAX_ANSWER_LENGTH + 1} characters long"):
        check_value("description", "x" * (MAX_ANSWER_LENGTH + 1))


@pytest.mark.parametrize(
    ("char", "where"),
    [
        pytest.param("\n", "a line break", id="newline"),
        pytest.param("\u2028", "a line break", id="line-separator-Zl"),
        pytest.param("\u2029", "a line break", id="paragraph-separator-Zp"),
        pytest.param("\x07", "the character U+0007", id="control-Cc"),
        pytest.param("\ud800", "the character U+D800", id="surrogate-Cs"),
        pytest.param("\u202e", "the character RIGHT-TO-LEFT OVERRIDE", id="bidi"),
        pytest.param("\ufdd0", "the character U+FDD0", id="noncharacter-first"),
        pytest.param("\ufdef", "the character U+FDEF", id="noncharacter-last"),
        pytest.param("\ufffe", "the character U+FFFE", id="noncharacter-fffe"),
        pytest.param("\uffff", "the character U+FFFF", id="noncharacter-ffff"),
        pytest.param("\U0001ffff", "the character U+1FFFF", id="noncharacter-plane-1"),
    ],
)
def test_each_kind_of_invisible_or_breaking_character_is_refused_by_name(
    char: str, where: str
) -> None:
    with pytest.raises(ValueError) as refused:
        check_value("project_name", f"a{char}b")
    assert str(refused.value) == (
        f"project_name contains {where}; answers are one line of visible text"
    )


@pytest.mark.parametrize("char", ["\ufdcf", "\ufdf0", "\ufffd", "\u00e9", "\u4e2d", "\U0001f600"])
def test_characters_next_to_the_refused_ranges_are_accepted(char: str) -> None:
    assert check_value("project_name", f"a{char}b") == f"a{char}b"


def test_a_missing_value_says_nothing_was_given() -> None:
    with pytest.raises(ValueError, match="domain must be text, not nothing"):
        check_value("domain", None)
    with pytest.raises(ValueError, match="domain must be text, not a list"):
        check_value("domain", ["legal"])
