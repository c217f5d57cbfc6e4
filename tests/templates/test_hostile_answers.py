"""Hostile answers never break or inject into a generated repo.

Every free-text question gets values built to break each file format the templates write
(quotes, backslashes, triple quotes, ``${{ }}``, ``$(...)``, YAML and TOML syntax, unicode,
values at the length limit) and payloads that would run code if an answer reached Python
unescaped. Each is either refused before rendering (exit code 2, nothing written) or renders a
repo whose every file parses, whose package runs none of the payloads on import, and whose
TOML and YAML give the answer back exactly. Values that can never be one line of text are
refused.
"""

from __future__ import annotations

import ast
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from scaffold.answers import check_answers, template_questions
from scaffold.catalog import load_catalog
from scaffold.cli import app
from scaffold.project import answers_files
from scaffold.render import copier_render
from scaffold.sources import open_source
from tests.helpers import run_domain_module

CATALOG = load_catalog()
TARGETS = list(CATALOG.deploy_targets)
SENTINEL = "SCAFFOLD_SENTINEL"
#: Marks every hostile value, so a test can find where answers landed.
MARK = "HOSTILE"

#: Values that must render safely; each combines breakers of several formats.
ACCEPTED = [
    f'{MARK} My "quoted" \\ C:\\Users\\data \\N{{x}} \\x41 x"""; '
    f"__import__('os').system('touch {SENTINEL}'); \"\"\" ends in a backslash \\",
    f"{MARK} ''' ; open('{SENTINEL}', 'w') ; ''' ${{{{ github.token }}}} $(touch {SENTINEL}) "
    f'`touch {SENTINEL}` %(x)s {{0}} {{{{ x }}}} "] [section] key = "x" \\u0000 \\" '
    "ends in a triple quote '''",
    f"{MARK} José\u2019s café \u2013 日本語 😀 ﬁ Ω \u200b </script><!-- ]]> # key: value - item "
    "&anchor *alias !!python/object:os.system [x] {a: b} | > "
    '\'"\'"\'"\'" \\\\ \\\'\\" ends in a quote "',
    f"{MARK} " + "x" * 150 + " word" * 25 + " \\",
]
#: Values that are never one line of text: refused with exit code 2 before any rendering.
REFUSED = [
    "two\nlines",
    "carriage\rreturn",
    "nul\x00byte",
    "tab\tseparated",
    "escape\x1b[31m",
    "line\u2028separator",
    "bidi \u202e override",
    "x" * 2000,
]
AUTHOR_LIMIT = 100
#: Calls a payload would make; one of them with the sentinel as an argument is an injection.
_RUNNERS = {"__import__", "system", "popen", "open", "exec", "eval", "run", "touch"}


def _answers(template: str, value: str, index: int) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "template": template,
        "domain": "custom",
        "domain_description": value[:300],
        "deploy_target": TARGETS[index % len(TARGETS)],
        "description": value[:300],
        "author_name": value[-AUTHOR_LIMIT:],
        "author_email": "o'brien+x@example.co.uk",
        "project_name": "Hostile project",
    }
    if template == "ai-feature":
        answers["host_app"] = ["sample", "existing"][index % 2]
    return answers


def _cases() -> list[Any]:
    return [
        pytest.param(t, i, id=f"{t}-value{i}")
        for t, i in itertools.product(CATALOG.templates, range(len(ACCEPTED)))
    ]


def _check_python(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    compile(tree, str(path), "exec")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            arguments = [*node.args, *(k.value for k in node.keywords)]
            payload = any(
                isinstance(a, ast.Constant) and SENTINEL in str(a.value) for a in arguments
            )
            assert not (payload and name in _RUNNERS), f"code injected in {path}"


def _check_workflow(path: Path, data: Any) -> None:
    runs = [
        str(step.get("run", ""))
        for job in (data.get("jobs") or {}).values()
        for step in job.get("steps", [])
        if isinstance(step, dict)
    ]
    assert not any(MARK in run for run in runs), f"an answer reached a run: line in {path}"


@pytest.mark.parametrize(("template", "index"), _cases())
def test_hostile_value_renders_a_repo_that_parses(
    tmp_path: Path, template: str, index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = ACCEPTED[index]
    project = tmp_path / "project"
    with open_source(None) as src:
        answers = check_answers(_answers(template, value, index), template_questions(src.root))
        copier_render(src, project, answers, defaults=True)
    files = [p for p in project.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        name = path.name
        if path.suffix == ".py":
            _check_python(path)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            data = yaml.safe_load(text)
            if ".github" in path.parts and isinstance(data, dict):
                _check_workflow(path, data)
        elif name == "Makefile":
            assert MARK not in text, f"an answer reached {path}"
        elif path.suffix == ".md" and text.startswith("---\n"):
            front = yaml.safe_load(text.split("---\n")[1])
            assert isinstance(front, dict), path
    answers_file = next(project / n for n in answers_files() if (project / n).is_file())
    recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    assert recorded["description"] == value[:300]
    pyprojects = list(project.rglob("pyproject.toml"))
    assert pyprojects
    for path in pyprojects:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        if "authors" in meta:
            assert meta["authors"][0]["name"] == value[-AUTHOR_LIMIT:]
            assert meta["description"] == value[:300]
    # The modules that hold the owner's words run, and run nothing else.
    monkeypatch.chdir(tmp_path)
    for domain in project.rglob("domain.py"):
        module = run_domain_module(domain)
        for text in (module["SUMMARY"], module["DOMAIN"].problem):
            assert " ".join(text.split()) == " ".join(value[:300].split())
    assert not list(tmp_path.rglob(f"{SENTINEL}*")), "a payload ran"


@pytest.mark.parametrize("value", REFUSED, ids=lambda v: repr(v[:12]))
@pytest.mark.parametrize("question", ["description", "author_name", "project_name"])
def test_value_that_is_not_one_line_is_refused(tmp_path: Path, question: str, value: str) -> None:
    dest = tmp_path / "x"
    result = CliRunner().invoke(
        app, ["new", "rag-system", str(dest), "--defaults", "--data", f"{question}={value}"]
    )
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert not dest.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("project_slug=json", "would shadow"),
        ("project_slug=fastapi", "would shadow"),
        ("project_slug=sklearn", "would shadow"),
        ("project_slug=abc\n", "line break"),
        ("project_name=abc\n", "line break"),
        ("project_name=../../evil", "project_name must start with a letter"),
        ("github_user=a b", "GitHub login"),
        ("github_user=me\n", "line break"),
        ('author_email=a"b@x.yz', "author_email must look like"),
        ("author_email=a@b", "author_email must look like"),
        ("repo_name=../../evil", "computes it"),
        ("catalog=x", "computes it"),
        ("domian=legal", "did you mean 'domain'"),
    ],
)
def test_bad_answers_are_refused_with_a_hint(tmp_path: Path, data: str, message: str) -> None:
    dest = tmp_path / "x"
    result = CliRunner().invoke(app, ["new", "rag-system", str(dest), "--defaults", "--data", data])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "hint:" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("description: [1, 2, 3]\n", "must be text, not a list"),
        ("description: {a: 1}\n", "must be text, not a dict"),
        ("author_name: true\n", "must be text, not a bool"),
        ("description: |\n  two\n  lines\n", "line break"),
        ('description: "nul\\0"\n', "U+0000"),
    ],
)
def test_answers_file_values_are_typed(tmp_path: Path, yaml_text: str, message: str) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml_text, encoding="utf-8")
    dest = tmp_path / "x"
    result = CliRunner().invoke(
        app, ["new", "rag-system", str(dest), "--defaults", "--answers-file", str(answers)]
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not dest.exists()


def test_dest_named_like_a_module_is_refused_before_rendering(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["new", "rag-system", str(tmp_path / "json"), "--defaults"])
    assert result.exit_code == 2
    assert "project_slug=json_app" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_roster_cells_reach_each_repo_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = ACCEPTED[0]
    roster = tmp_path / "roster.csv"
    name = value[-AUTHOR_LIMIT:].replace('"', '""')
    quoted = value.replace('"', '""')
    roster.write_text(f'id,name,email,description\nada,"{name}",ada@example.org,"{quoted}"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["cohort", "new", str(roster), "--template", "rag-system", "--out", "cohort"]
    )
    assert result.exit_code == 0, result.output
    meta = tomllib.loads((tmp_path / "cohort/ada/pyproject.toml").read_text())["project"]
    assert meta["description"] == value
    assert meta["authors"][0]["name"] == value[-AUTHOR_LIMIT:]
    assert not list(tmp_path.rglob(f"{SENTINEL}*"))
