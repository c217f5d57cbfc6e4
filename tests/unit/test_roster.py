"""Rosters: CSV and YAML rows with their line numbers, and every kind of bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.roster import RosterError, read_rows, validate
from tests.unit.cohort_helpers import make_course_template, write


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return make_course_template(tmp_path / "tpl")


def test_csv_rows_keep_their_file_line_numbers(tmp_path: Path) -> None:
    roster = write(
        tmp_path / "r.csv",
        'id,name\nada,Ada\n\nalan,"Alan\nTuring"\ngrace,Grace\n',
    )
    rows = read_rows(roster)
    assert [(line, row["id"]) for line, row in rows] == [(2, "ada"), (5, "alan"), (6, "grace")]
    assert rows[1][1]["name"] == "Alan\nTuring"


def test_yaml_roster_as_list_or_students_mapping(tmp_path: Path) -> None:
    listed = write(tmp_path / "a.yml", "- id: ada\n  domain: legal\n\n- id: alan\n")
    mapped = write(tmp_path / "b.yaml", "course: x\nstudents:\n  - id: ada\n  - id: alan\n")
    assert [(line, row["id"]) for line, row in read_rows(listed)] == [(1, "ada"), (4, "alan")]
    assert [line for line, _ in read_rows(mapped)] == [3, 4]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("r.csv", "", "empty"),
        ("r.yml", "id: ada\n", "students"),
        ("r.yml", "- id: [unclosed\n", r"\(line \d+\)"),
        ("r.json", "[]", "unknown roster format"),
        ("missing.csv", None, "cannot read roster"),
    ],
)
def test_unreadable_rosters_are_usage_errors(
    tmp_path: Path, name: str, text: str | None, problem: str
) -> None:
    path = tmp_path / name
    if text is not None:
        write(path, text)
    with pytest.raises(RosterError, match=problem) as caught:
        read_rows(path)
    assert caught.value.exit_code == 2
    assert caught.value.hint


def test_each_bad_row_is_reported_by_line_and_good_rows_survive(
    tmp_path: Path, template: Path
) -> None:
    roster = write(
        tmp_path / "r.csv",
        "id,name,email,domain,shoe_size\n"
        "ada,Ada,ada@example.org,healthcare,\n"  # 2 good
        ",Nobody,n@example.org,legal,\n"  # 3 missing id
        "ada,Ada Two,a2@example.org,legal,\n"  # 4 duplicate id
        "alan,Alan,alan@example.org,astrology,\n"  # 5 bad domain
        "grace,Grace,grace@example.org,finance,\n"  # 6 contradicts the locked domain
        "john,John,john@example.org,legal,44\n"  # 7 unknown column with a value
        "../evil,Eve,eve@example.org,legal,\n"  # 8 not a directory name
        "frances,Frances,frances@example.org,,\n",  # 9 good: takes the locked domain
    )
    locked = {"template": "course", "python_version": "3.12"}
    checked = validate(read_rows(roster), root=template, locked={**locked, "domain": "legal"})
    problems = {p.line: p.message for p in checked.problems}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8]
    assert "contradicts the course's locked answer domain='legal'" in problems[2]
    assert problems[3] == "missing id"
    assert "duplicate id 'ada' (first on line 2)" in problems[4]
    assert "astrology" in problems[5]
    assert "healthcare, finance, legal" in problems[5]
    assert "locked answer domain='legal'" in problems[6]
    assert "unknown column(s) shoe_size" in problems[7]
    assert "not a directory name" in problems[8]
    [row] = checked.rows
    assert (row.line, row.id) == (9, "frances")
    assert row.answers == {
        "template": "course",
        "python_version": "3.12",
        "domain": "legal",
        "author_name": "Frances",
        "author_email": "frances@example.org",
    }


def test_duplicate_ids_are_case_insensitive(tmp_path: Path, template: Path) -> None:
    roster = write(
        tmp_path / "r.yml", "- id: Ada\n- id: ada\n- {id: alan, python_version: '3.9'}\n"
    )
    checked = validate(read_rows(roster), root=template, locked={"template": "course"})
    assert [r.id for r in checked.rows] == ["Ada"]
    assert [(p.line, p.id) for p in checked.problems] == [(2, "ada"), (3, "alan")]
    assert "python_version '3.9' is not one of: 3.11, 3.12" in checked.problems[1].message


def test_excel_latin1_roster_reads_its_accents(tmp_path: Path, template: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_bytes("id,name,email\njose,José Núñez,jose@example.org\n".encode("cp1252"))
    checked = validate(read_rows(roster), root=template, locked={"template": "course"})
    assert [r.answers["author_name"] for r in checked.rows] == ["José Núñez"]


def test_roster_cells_are_one_line_and_columns_are_known(tmp_path: Path, template: Path) -> None:
    roster = write(
        tmp_path / "r.csv",
        'id,name,email,domian\nada,"Ada\nLovelace",ada@example.org,\n'
        "alan,Alan,alan@example.org,legal\n",
    )
    checked = validate(read_rows(roster), root=template, locked={"template": "course"})
    messages = [p.message for p in checked.problems]
    assert "line break" in messages[0]
    assert "did you mean domain" in messages[1]
    assert checked.rows == []


def test_utf16_roster_with_mark(tmp_path: Path, template: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_bytes("id,name\nada,Ada Lovelace\n".encode("utf-16"))
    assert [row["name"] for _, row in read_rows(roster)] == ["Ada Lovelace"]


# Found by mutation testing (mutmut on roster.py): a roster validated against a template root
# with a catalog (the bundled one) was never tested, so the catalog's choices for template,
# domain and deploy target could be ignored without a test failing.


def test_rows_are_checked_against_the_catalog_of_the_template_root(tmp_path: Path) -> None:
    from scaffold.catalog import load_catalog
    from tests.conftest import TEMPLATES

    roster = write(
        tmp_path / "r.csv",
        "id,domain,deploy_target\nada,legal,fly\nalan,space,docker\ngrace,retail,heroku\n",
    )
    checked = validate(read_rows(roster), root=TEMPLATES, locked={"template": "rag-system"})

    assert [row.id for row in checked.rows] == ["ada"]
    assert checked.rows[0].answers == {
        "template": "rag-system",
        "domain": "legal",
        "deploy_target": "fly",
    }
    catalog = load_catalog(TEMPLATES)
    assert [(p.line, p.id, p.message) for p in checked.problems] == [
        (3, "alan", f"domain 'space' is not one of: {', '.join(catalog.domains)}"),
        (
            4,
            "grace",
            f"deploy_target 'heroku' is not one of: {', '.join(catalog.deploy_targets)}",
        ),
    ]


def test_a_row_naming_an_unknown_template_is_refused_with_the_catalog_s(tmp_path: Path) -> None:
    from tests.conftest import TEMPLATES

    roster = write(tmp_path / "r.yml", "- id: ada\n  template: web-app\n")
    checked = validate(read_rows(roster), root=TEMPLATES, locked={})
    assert checked.rows == []
    (problem,) = checked.problems
    choices = "ml-pipeline, rag-system, ai-feature"
    assert problem.message == f"template 'web-app' is not one of: {choices}"


@pytest.mark.parametrize(("name", "sep"), [("r.tsv", "\t"), ("r.txt", ",")])
def test_tsv_and_txt_rosters_are_read_as_tables(tmp_path: Path, name: str, sep: str) -> None:
    roster = write(tmp_path / name, f"id{sep}name\nada{sep}Ada Lovelace\n")
    assert read_rows(roster) == [(2, {"id": "ada", "name": "Ada Lovelace"})]


def test_roster_errors_name_the_file(tmp_path: Path) -> None:
    roster = write(tmp_path / "students.json", "[]")
    with pytest.raises(RosterError) as refused:
        read_rows(roster)
    assert str(roster) in refused.value.message
    assert "unknown roster format '.json'" in refused.value.message
