"""Rendering into an existing project: real git repos, a tiny template that joins one.

The tiny template's joining question (``placement: inside``) and folders are its own: nothing
in scaffold's core may know ai-feature's ``host_app``; the catalog says how a template joins.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scaffold import existing, gitrepo
from scaffold.cli import app
from scaffold.errors import DirtyWorkTreeError, ExistingProjectError, UsageError
from scaffold.existing import host_defaults
from scaffold.gitrepo import render_commits
from scaffold.render import TEMP_PREFIX, render_project
from scaffold.sources import open_source
from scaffold.update import update_project
from tests.helpers import build_file_tree, git

TEMPLATE = {
    "copier.yml": (
        '_subdirectory: "{{ template }}"\n'
        "template:\n  type: str\n  default: tiny\n"
        "domain:\n  type: str\n  default: x\n"
        "deploy_target:\n  type: str\n  default: docker\n"
        "project_name:\n  type: str\n  default: tiny\n"
        "python_version:\n  type: str\n  default: '3.11'\n"
        "placement:\n  type: str\n  default: new\n"
    ),
    "catalog.yml": (
        "templates:\n"
        "  tiny:\n"
        "    title: Tiny\n"
        "    summary: A feature that joins a project.\n"
        "    joins_existing: {placement: inside}\n"
        "    joined_home: feature\n"
        "    joined_guide: feature/README.md\n"
        "domains: {}\n"
        "deploy_targets: {}\n"
    ),
    "tiny/feature/README.md.jinja": "# feature for {{ project_name }} on {{ python_version }}\n",
    "tiny/feature/core.py": "VALUE = 1\n",
    "tiny/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
}
HOST = {
    "pyproject.toml": '[project]\nname = "acme-tickets"\nrequires-python = ">=3.12"\n',
    "src/acme/app.py": "APP = 'tickets'\n",
    "README.md": "# Acme tickets\n",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return build_file_tree(tmp_path / "tpl", TEMPLATE)


@pytest.fixture
def host(tmp_path: Path) -> Path:
    root = build_file_tree(tmp_path / "host", HOST)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the existing app")
    return root


def _render(template: Path, dest: Path | None, **answers: str) -> None:
    with open_source(str(template)) as source:
        render_project(
            source,
            dest,
            {"placement": "inside", **answers},
            defaults=True,
            interactive=False,
            cwd=dest.parent if dest else Path.cwd(),
        )


def _new_inside(template: Path, host: Path) -> Result:
    """``scaffold new tiny HOST`` joining the host, through the CLI."""
    args = ["new", "tiny", str(host), "--source", str(template), "-d", "placement=inside"]
    return CliRunner().invoke(app, [*args, "--defaults"])


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_host_defaults_come_from_pyproject(tmp_path: Path) -> None:
    tmp_path = tmp_path / "tickets"
    plain = {
        "host_framework": "python",
        "host_installer": "pip",
        "host_layout": "flat",
        "project_name": "tickets",
    }
    build_file_tree(tmp_path, {"pyproject.toml": HOST["pyproject.toml"]})
    assert host_defaults(tmp_path) == {
        **plain,
        "project_name": "acme-tickets",
        "host_python": "3.12",
        "python_version": "3.12",
    }
    # The feature follows an older host floor down to its own (3.10); its CI stays on 3.11+.
    build_file_tree(tmp_path, {"pyproject.toml": '[project]\nrequires-python = ">=3.8"\n'})
    assert host_defaults(tmp_path) == {**plain, "host_python": "3.10", "python_version": "3.11"}
    build_file_tree(tmp_path, {"pyproject.toml": "not toml ["})
    assert host_defaults(tmp_path) == plain


@pytest.mark.parametrize(
    ("files", "framework"),
    [
        pytest.param(
            {"pyproject.toml": '[project]\ndependencies = ["Flask>=3"]\n'}, "flask", id="pep621"
        ),
        pytest.param(
            {"requirements.txt": "# web\nfastapi[standard]==0.115\n"}, "fastapi", id="reqs"
        ),
        pytest.param({"requirements/base.txt": "Django~=5.0\n"}, "django", id="reqs-dir"),
        pytest.param(
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\nflask = "*"\n'},
            "flask",
            id="poetry",
        ),
        pytest.param({"manage.py": "import os\n"}, "django", id="manage.py"),
        pytest.param({"app/main.py": "from fastapi import FastAPI\n"}, "fastapi", id="imports"),
        pytest.param({"src/x/web.py": "import flask\n"}, "flask", id="src-imports"),
        pytest.param(
            {".venv/lib/f.py": "import django\n", "x.py": "print()\n"}, "python", id="plain"
        ),
    ],
)
def test_framework_is_detected(tmp_path: Path, files: dict[str, str], framework: str) -> None:
    assert host_defaults(build_file_tree(tmp_path, files))["host_framework"] == framework


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "src/helpdesk/__init__.py": "",
                "src/helpdesk/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
                "tests/test_main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            },
            {"host_layout": "src", "host_entry": "src/helpdesk/main.py"},
            id="fastapi-src",
        ),
        pytest.param(
            {
                "flaskr/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    ...\n",
                "flaskr/auth.py": "import flask\n",
            },
            {"host_layout": "flat", "host_entry": "flaskr/__init__.py"},
            id="flask-factory",
        ),
        pytest.param(
            {
                "manage.py": "import django\n",
                "mysite/settings.py": 'ROOT_URLCONF = "mysite.urls"\n',
                "mysite/urls.py": "urlpatterns = []\n",
            },
            {
                "host_layout": "flat",
                "host_entry": "mysite/settings.py",
                "host_urls": "mysite/urls.py",
            },
            id="django",
        ),
        pytest.param(
            {"app.py": "from flask import Blueprint\n"}, {"host_layout": "flat"}, id="not-found"
        ),
    ],
)
def test_layout_and_the_module_that_builds_the_app(
    tmp_path: Path, files: dict[str, str], expected: dict[str, str]
) -> None:
    build_file_tree(tmp_path, files)
    found = host_defaults(tmp_path)
    assert {k: v for k, v in found.items() if k in ("host_layout", "host_entry", "host_urls")} == (
        expected
    )


@pytest.mark.parametrize(
    ("files", "installer"),
    [
        pytest.param({"uv.lock": ""}, "uv", id="uv.lock"),
        pytest.param({"pyproject.toml": "[tool.uv]\ndev-dependencies = []\n"}, "uv", id="tool.uv"),
        pytest.param({"poetry.lock": ""}, "poetry", id="poetry.lock"),
        pytest.param({"pyproject.toml": "[tool.poetry]\nname = 'x'\n"}, "poetry", id="tool.poetry"),
        pytest.param({"requirements.txt": "flask\n"}, "pip", id="pip"),
    ],
)
def test_installer_is_detected(tmp_path: Path, files: dict[str, str], installer: str) -> None:
    assert host_defaults(build_file_tree(tmp_path, files))["host_installer"] == installer


def test_a_uv_workspace_above_counts_a_uv_project_above_does_not(tmp_path: Path) -> None:
    root = build_file_tree(
        tmp_path / "mono", {"pyproject.toml": "[tool.uv]\ndev-dependencies = []\n", "uv.lock": ""}
    )
    git(root, "init", "-q")
    app = build_file_tree(root / "examples" / "app", {"requirements.txt": "flask\n"})
    assert host_defaults(app)["host_installer"] == "pip"
    build_file_tree(root, {"pyproject.toml": '[tool.uv.workspace]\nmembers = ["examples/*"]\n'})
    assert host_defaults(app)["host_installer"] == "uv"


def test_a_reserved_package_name_is_named_after_the_repo(tmp_path: Path) -> None:
    backend = build_file_tree(
        tmp_path / "shop" / "backend", {"pyproject.toml": '[project]\nname = "app"\n'}
    )
    assert host_defaults(backend)["project_name"] == "shop-app"


def test_poetry_floor_and_name(tmp_path: Path) -> None:
    text = '[tool.poetry]\nname = "shop"\n[tool.poetry.dependencies]\npython = "^3.12"\n'
    found = host_defaults(build_file_tree(tmp_path, {"pyproject.toml": text}))
    assert (found["project_name"], found["host_python"]) == ("shop", "3.12")


def test_switching_the_joining_answer_in_update_is_refused(template: Path, host: Path) -> None:
    _render(template, host)
    head = git(host, "rev-parse", "HEAD")
    result = CliRunner().invoke(
        app, ["update", str(host), "--source", str(template), "--data", "placement=new"]
    )
    assert result.exit_code == 2, result.output
    assert "placement cannot change from inside to new" in result.stderr
    assert "hint: render the other mode into a new directory" in result.stderr
    assert git(host, "rev-parse", "HEAD") == head


def test_feature_lands_in_one_render_commit_merged_into_the_host(
    template: Path, host: Path
) -> None:
    before_head = git(host, "rev-parse", "HEAD").strip()
    before = _snapshot(host)
    _render(template, host)
    after = _snapshot(host)
    # Every host file is untouched; only the feature's files were added.
    assert {k: after[k] for k in before} == before
    assert sorted(set(after) - set(before)) == [
        ".copier-answers.yml",
        "feature/README.md",
        "feature/core.py",
    ]
    assert after["feature/README.md"] == b"# feature for acme-tickets on 3.12\n"
    assert git(host, "status", "--porcelain") == ""
    (render,) = render_commits(host)
    assert render.template == "tiny"
    # The render commit holds the template's output and nothing else, with no parent.
    assert git(host, "rev-list", "--parents", "-n1", render.sha).split() == [render.sha]
    assert set(git(host, "ls-tree", "-r", "--name-only", render.sha).split()) == {
        ".copier-answers.yml",
        "feature/README.md",
        "feature/core.py",
    }
    parents = git(host, "rev-list", "--parents", "-n1", "HEAD").split()[1:]
    assert parents == [before_head, render.sha]
    assert not list(host.parent.glob(f"{TEMP_PREFIX}*"))


def test_update_merges_template_changes_and_keeps_the_host(template: Path, host: Path) -> None:
    _render(template, host)
    build_file_tree(template, {"tiny/feature/core.py": "VALUE = 2\n"})
    report = update_project(host, source=str(template))
    assert not report.conflicts
    assert (host / "feature" / "core.py").read_text() == "VALUE = 2\n"
    assert (host / "src" / "acme" / "app.py").read_text() == HOST["src/acme/app.py"]
    assert {f.path for f in report.files} >= {"feature/core.py"}
    assert not any(f.path.startswith("src/") for f in report.files)


def test_dirty_host_is_refused_and_nothing_written(template: Path, host: Path) -> None:
    (host / "README.md").write_text("# changed\n")
    before = _snapshot(host)
    with pytest.raises(DirtyWorkTreeError) as info:
        _render(template, host)
    assert info.value.exit_code == 2 and "scaffold new" in (info.value.hint or "")
    assert _snapshot(host) == before


def test_dirty_host_exits_2_through_the_cli(template: Path, host: Path) -> None:
    (host / "notes.txt").write_text("untracked\n")
    result = _new_inside(template, host)
    assert result.exit_code == 2
    assert "error: the work tree has uncommitted changes: notes.txt" in result.stderr
    assert "hint: commit or stash them" in result.stderr
    assert not (host / "feature").exists()


def test_existing_file_is_never_overwritten(template: Path, host: Path) -> None:
    build_file_tree(host, {"feature/core.py": "MINE = True\n"})
    git(host, "add", "-A")
    git(host, "commit", "-qm", "a file the template also has")
    head = git(host, "rev-parse", "HEAD")
    with pytest.raises(ExistingProjectError, match="overwrite files of the project: feature/core"):
        _render(template, host)
    assert (host / "feature" / "core.py").read_text() == "MINE = True\n"
    assert not (host / "feature" / "README.md").exists()
    assert git(host, "rev-parse", "HEAD") == head


def test_ignored_file_counts_as_taken(template: Path, host: Path) -> None:
    build_file_tree(host, {".gitignore": "feature/\n"})
    git(host, "add", "-A")
    git(host, "commit", "-qm", "ignore")
    build_file_tree(host, {"feature/README.md": "local notes\n"})
    with pytest.raises(ExistingProjectError, match=r"feature/README\.md"):
        _render(template, host)
    assert (host / "feature" / "README.md").read_text() == "local notes\n"


def test_outside_a_repository_is_refused(template: Path, tmp_path: Path) -> None:
    plain = build_file_tree(tmp_path / "plain", {"a.txt": "a\n"})
    with pytest.raises(ExistingProjectError, match="not inside a git work tree"):
        _render(template, plain)
    assert sorted(p.name for p in plain.iterdir()) == ["a.txt"]
    with pytest.raises(UsageError, match="placement=inside adds tiny to an existing project") as e:
        _render(template, None)
    assert e.value.hint == "scaffold new tiny PATH --data placement=inside"


def test_a_folder_of_a_monorepo_is_a_host_and_updates(template: Path, host: Path) -> None:
    backend = host / "src"
    before = _snapshot(host)
    _render(template, backend)
    after = _snapshot(host)
    assert {k: after[k] for k in before} == before
    assert sorted(set(after) - set(before)) == [
        "src/.copier-answers.yml",
        "src/feature/README.md",
        "src/feature/core.py",
    ]
    assert not list(host.glob(f"{TEMP_PREFIX}*")) and not list(host.parent.glob(f"{TEMP_PREFIX}*"))
    assert git(host, "status", "--porcelain") == ""
    build_file_tree(template, {"tiny/feature/core.py": "VALUE = 2\n"})
    report = update_project(host, source=str(template))
    assert not report.conflicts
    assert (backend / "feature" / "core.py").read_text() == "VALUE = 2\n"
    assert not (host / "feature").exists(), "the update renders into the same folder"
    # Report rows are relative to the project's folder; the render touches only that folder.
    assert "feature/core.py" in {f.path for f in report.files}
    changed = git(host, "diff", "--name-only", f"{report.render}^", str(report.render))
    assert changed.split() and all(p.startswith("src/") for p in changed.split()), changed


def test_interrupted_merge_leaves_the_host_as_it_was(
    template: Path, host: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_merge = gitrepo.merge

    def merge_then_interrupt(*args: object, **kwargs: object) -> list[str]:
        real_merge(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(existing, "merge", merge_then_interrupt)
    head = git(host, "rev-parse", "HEAD")
    before = _snapshot(host)
    with pytest.raises(KeyboardInterrupt):
        _render(template, host)
    assert git(host, "rev-parse", "HEAD") == head
    assert _snapshot(host) == before
    assert git(host, "status", "--porcelain") == ""
    assert not (host / "feature").exists()


def test_next_steps_come_from_the_catalog(template: Path, host: Path) -> None:
    result = _new_inside(template, host)
    assert result.exit_code == 0, result.output
    steps = result.stdout.split("Next steps:")[1].split()
    # The catalog's joined_home and joined_guide: cd into the feature, read its guide.
    assert steps[:2] == ["cd", f"{host}/feature"]
    assert steps[-2:] == ["read", "README.md"]
    assert "run" not in steps


def test_the_joined_folder_is_not_the_host_app(tmp_path: Path) -> None:
    flask_app = "from flask import Flask\napp = Flask(__name__)\n"
    build_file_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["flask"]\n',
            "ai_feature/src/shop_ai/blueprint.py": flask_app,
            "shop/app.py": flask_app,
        },
    )
    assert (
        existing.detect_entry(tmp_path, "flask")["host_entry"]
        == "ai_feature/src/shop_ai/blueprint.py"
    )
    assert host_defaults(tmp_path, skip="ai_feature")["host_entry"] == "shop/app.py"
