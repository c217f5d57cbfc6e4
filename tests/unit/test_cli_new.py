"""``scaffold new`` and ``scaffold list`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffold import __version__
from scaffold.cli import app
from tests.helpers import git

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"scaffold {__version__}"


def test_list_text_names_every_choice() -> None:
    code, out, _ = invoke("list")
    assert code == 0
    for name in ("ml-pipeline", "rag-system", "ai-feature", "healthcare", "custom", "docker"):
        assert name in out


def test_list_json_is_machine_readable() -> None:
    code, out, _ = invoke("list", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert [t["key"] for t in payload["templates"]] == ["ml-pipeline", "rag-system", "ai-feature"]
    assert {d["key"] for d in payload["domains"]} == {
        "healthcare",
        "finance",
        "retail",
        "legal",
        "customer-support",
        "custom",
    }
    assert all(d["metric"] for d in payload["domains"])


def test_new_renders_a_committed_repo(tmp_path: Path) -> None:
    dest = tmp_path / "legal-assistant"
    code, out, err = invoke(
        "new", "rag-system", str(dest), "--domain", "legal", "--deploy", "docker", "--defaults"
    )
    assert code == 0, err
    assert "make setup" in out and "cd " in out
    message = git(dest, "log", "-1", "--format=%B")
    assert "Scaffold-Template: rag-system" in message
    assert f"Scaffold-Version: {__version__}" in message
    assert git(dest, "status", "--porcelain") == ""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["domain"] == "legal"
    assert answers["project_name"] == "legal-assistant"
    assert answers["project_slug"] == "legal_assistant"
    assert answers["_scaffold_version"] == __version__
    assert (dest / "src" / "legal_assistant" / "api.py").is_file()


def test_new_derives_destination_from_project_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(
        "new",
        "ml-pipeline",
        "--domain",
        "finance",
        "--deploy",
        "docker",
        "--data",
        "project_name=Credit Risk",
    )
    assert code == 0, err
    assert (tmp_path / "credit-risk" / ".git").is_dir()
    assert not list(tmp_path.glob(".scaffold-render-*"))


def test_answers_file_and_data_precedence(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("domain: retail\ndeploy_target: docker\nlicense: Apache-2.0\n")
    dest = tmp_path / "shop"
    code, _, err = invoke(
        "new",
        "ai-feature",
        str(dest),
        "--answers-file",
        str(answers),
        "--data",
        "license=BSD-3-Clause",
    )
    assert code == 0, err
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (recorded["domain"], recorded["license"]) == ("retail", "BSD-3-Clause")
    assert "BSD 3-Clause" in (dest / "LICENSE").read_text()


def test_license_none_renders_no_license_file(tmp_path: Path) -> None:
    dest = tmp_path / "p"
    code, _, err = invoke("new", "ml-pipeline", str(dest), "--defaults", "--data", "license=none")
    assert code == 0, err
    assert not (dest / "LICENSE").exists()


BAD_INPUT = [
    pytest.param(
        ["nope"],
        "unknown template 'nope'",
        "ml-pipeline, rag-system, ai-feature",
        id="unknown-template",
    ),
    pytest.param(
        ["rag-system", "--domain", "space"],
        "unknown domain 'space'",
        "healthcare",
        id="unknown-domain",
    ),
    pytest.param(
        ["rag-system", "--deploy", "heroku"],
        "unknown deploy target 'heroku'",
        "docker",
        id="unknown-target",
    ),
    pytest.param(
        ["rag-system", "--data", "project_name=1st"],
        "invalid project_name",
        "must start with a letter",
        id="bad-project-name",
    ),
    pytest.param(
        ["rag-system", "--data", "project_slug=Bad-Slug"],
        "invalid project_slug",
        "Python identifier",
        id="bad-slug",
    ),
    pytest.param(
        ["rag-system", "--data", "project_slug=class"],
        "invalid project_slug",
        "keyword",
        id="keyword-slug",
    ),
    pytest.param(
        ["rag-system", "--data", "author_email=nobody"],
        "invalid author_email",
        "name@example.com",
        id="bad-email",
    ),
    pytest.param(
        ["rag-system", "--data", "oops"],
        "malformed --data 'oops'",
        "key=value",
        id="malformed-data",
    ),
]


@pytest.mark.parametrize(("args", "error", "hint"), BAD_INPUT)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], error: str, hint: str
) -> None:
    dest = tmp_path / "out" / "dest"
    code, out, err = invoke("new", args[0], str(dest), *args[1:], "--defaults")
    assert code == 2
    assert f"error: {error}" in err
    assert "hint:" in err and hint in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "out").exists()


def test_malformed_answers_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yml"
    bad.write_text("domain: legal\ndeploy_target: [docker\nlicense: MIT\n")
    dest = tmp_path / "dest"
    code, _, err = invoke("new", "rag-system", str(dest), "--answers-file", str(bad))
    assert code == 2
    assert f"malformed answers file {bad}:" in err
    assert not dest.exists()


def test_answers_file_must_be_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yml"
    bad.write_text("- domain\n- legal\n")
    code, _, err = invoke("new", "rag-system", str(tmp_path / "d"), "--answers-file", str(bad))
    assert code == 2
    assert "expected a mapping" in err


def test_missing_answers_file(tmp_path: Path) -> None:
    code, _, err = invoke("new", "rag-system", str(tmp_path / "d"), "--answers-file", "nope.yml")
    assert code == 2
    assert "malformed answers file nope.yml" in err


def test_destination_not_empty_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    code, _, err = invoke("new", "rag-system", str(dest), "--defaults")
    assert code == 2
    assert "exists and is not empty" in err
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_empty_destination_is_used(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    code, _, err = invoke("new", "rag-system", str(dest), "--defaults")
    assert code == 0, err
    assert (dest / ".git").is_dir()


def test_no_terminal_names_missing_answers(tmp_path: Path) -> None:
    dest = tmp_path / "d"
    code, _, err = invoke("new", "rag-system", str(dest))
    assert code == 2
    assert "no terminal to ask for: domain, deploy_target" in err
    assert "--defaults" in err
    assert not dest.exists()


def test_all_required_answers_given_without_defaults(tmp_path: Path) -> None:
    dest = tmp_path / "d"
    code, _, err = invoke(
        "new", "rag-system", str(dest), "--domain", "finance", "--deploy", "docker"
    )
    assert code == 0, err


def test_a_path_alone_is_the_destination(tmp_path: Path) -> None:
    dest = tmp_path / "only-a-path"
    code, _, err = invoke("new", str(dest), "--data", "template=rag-system", "--defaults")
    assert code == 0, err
    assert (dest / ".git").is_dir()


def test_defaults_take_the_author_from_git_config(tmp_path: Path) -> None:
    """The conftest's git config names "Test User"; --defaults must not write a placeholder."""
    dest = tmp_path / "mine"
    code, _, err = invoke("new", "rag-system", str(dest), "--defaults")
    assert code == 0, err
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["author_name"], answers["author_email"]) == ("Test User", "test@example.com")
    assert "Test User" in (dest / "LICENSE").read_text()
    dest2 = tmp_path / "given"
    code, _, err = invoke(
        "new", "rag-system", str(dest2), "--defaults", "--data", "author_name=Ada"
    )
    assert code == 0, err
    assert yaml.safe_load((dest2 / ".copier-answers.yml").read_text())["author_name"] == "Ada"
