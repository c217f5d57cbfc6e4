"""The building blocks of the checks: headings, placeholders, env file names, Dockerfiles."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from scaffold.checks.ci import _instructions
from scaffold.checks.code import placeholder_reason
from scaffold.checks.markdown import Document, heading_kinds
from scaffold.checks.secrets import _is_env_file


@pytest.mark.parametrize(
    ("heading", "kinds"),
    [
        ("Executive summary", {"summary"}),
        ("📌 Overview", {"summary"}),
        ("TL;DR", {"summary"}),
        ("Architecture overview", {"architecture"}),
        ("2. Getting Started", {"quickstart"}),
        ("Installation", {"quickstart"}),
        ("Results", {"results"}),
        ("Evaluation and metrics", {"results"}),
        ("Lessons Learned", {"lessons"}),
        ("Deployment", {"deployment"}),
        ("Design decisions and trade-offs", set()),
        ("Configuration and secrets", set()),
    ],
)
def test_heading_kinds(heading: str, kinds: set[str]) -> None:
    assert heading_kinds(heading) == kinds


def test_headings_in_code_blocks_are_ignored_and_setext_is_read() -> None:
    doc = Document("Title\n=====\n\n```bash\n# not a heading\n```\n\nResults\n-------\n0.9\n")
    assert [(s.title, s.level, s.line) for s in doc.sections] == [
        ("Title", 1, 1),
        ("Results", 2, 8),
    ]
    assert doc.sections_of("results")[0].body.strip() == "0.9"


def _function(source: str) -> ast.FunctionDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        pytest.param("def test_a():\n    assert True\n", "always passes", id="assert-true"),
        pytest.param("def test_a():\n    pass\n", "empty body", id="pass"),
        pytest.param('def test_a():\n    """Doc."""\n    ...\n', "empty body", id="ellipsis"),
        pytest.param("def test_a():\n    raise NotImplementedError\n", "empty body", id="nie"),
        pytest.param("def test_a():\n    run()\n    assert False\n", "always fails", id="false"),
        pytest.param("def test_a():\n    assert add(1, 2) == 3\n", None, id="real"),
        pytest.param("def test_a():\n    with pytest.raises(E):\n        f()\n", None, id="raises"),
    ],
)
def test_placeholder_reason(source: str, reason: str | None) -> None:
    found = placeholder_reason(_function(source))
    assert found == reason if reason is None else reason in (found or "")


@pytest.mark.parametrize(
    ("name", "is_env"),
    [
        (".env", True),
        ("services/api/.env", True),
        (".env.local", True),
        (".env.production", True),
        (".env.example", False),
        (".env.sample", False),
        (".env.example.jinja", False),
        ("env.py", False),
    ],
)
def test_env_file_names(name: str, is_env: bool) -> None:
    assert _is_env_file(name) is is_env


def test_dockerfile_instructions_join_continuations_and_skip_comments() -> None:
    text = "# syntax\nFROM python:3.11 AS b\nRUN a \\\n  # note\n  && b\nuser app\n"
    assert _instructions(text) == [
        (2, "FROM", "python:3.11 AS b"),
        (3, "RUN", "a && b"),
        (6, "USER", "app"),
    ]


def test_help_does_not_import_the_checks() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from scaffold.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "prefixes = ('scaffold.check',)\n"
        "print(sorted(m for m in sys.modules if m.startswith(prefixes)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


def test_every_check_has_a_stable_anchor_in_the_readme() -> None:
    from pathlib import Path

    from scaffold.checks.base import registered_checks

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for check_id, check in registered_checks().items():
        assert f'<a id="{check_id.lower()}"></a>`{check_id}` | {check.severity} |' in readme
        assert check.docs.endswith(f"README.md#{check_id.lower()}")


def test_pre_commit_hook_runs_scaffold_check() -> None:
    from pathlib import Path

    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "scaffold-check" and hook["entry"] == "scaffold check"
    assert hook["pass_filenames"] is False
