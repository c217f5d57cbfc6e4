"""Shared helpers of the ``scaffold update`` tests: isolated git, throwaway templates, repos.

A throwaway template is a one-root Copier template built from a dict, like the real one
(``_subdirectory: "{{ template }}"``), with a ``deploy_target`` question whose two choices
render different files. Files are plain text unless their name ends in ``.jinja``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from scaffold.render import render_project
from scaffold.sources import open_source
from scaffold.update import UpdateReport
from tests.helpers import build_file_tree as build_tree
from tests.helpers import git as run_git

__all__ = ["build_tree", "run_git"]

COPIER_YML = """\
_subdirectory: "{{ template }}"
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
_envops:
  keep_trailing_newline: true

template:
  type: str
  help: Template
  default: demo
  choices: [demo]
project_name:
  type: str
  help: Project name
  default: my-demo
deploy_target:
  type: str
  help: Deployment target
  default: docker
  choices: [docker, fly]
"""

NOTES = "".join(f"line {n}\n" for n in range(1, 11))

#: Version 1 of the throwaway template: path inside the template root -> content.
V1: dict[str, str] = {
    "copier.yml": COPIER_YML,
    "demo/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    "demo/README.md.jinja": "# {{ project_name }}\n\nA demo project.\n",
    "demo/notes.txt": NOTES,
    "demo/config.txt": "debug = false\nport = 8000\n",
    "demo/old.txt": "to be removed in v2\n",
    "demo/{% if deploy_target == 'docker' %}Dockerfile{% endif %}.jinja": (
        'FROM python:3.11-slim\nCMD ["{{ project_name }}"]\n'
    ),
    "demo/{% if deploy_target == 'fly' %}fly.toml{% endif %}.jinja": (
        'app = "{{ project_name }}"\nprimary_region = "ams"\n'
    ),
}


def make_template(root: Path, changes: Mapping[str, str | None] | None = None) -> Path:
    """Build the throwaway template at ``root``: version 1 with ``changes`` applied."""
    return build_tree(root, {**V1, **(changes or {})})


def generate(source: Path | str, dest: Path, **answers: str) -> Path:
    """Generate a repo at ``dest`` as ``scaffold new --defaults --source SOURCE`` does."""
    with open_source(str(source)) as src:
        result = render_project(
            src, dest, dict(answers), defaults=True, interactive=False, cwd=dest.parent
        )
    return result.path


def commit(repo: Path, files: Mapping[str, str | None], message: str = "local changes") -> str:
    """Apply ``files`` to the work tree of ``repo``, commit everything, return the sha."""
    build_tree(repo, files)
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return run_git(repo, "rev-parse", "HEAD").strip()


def read(repo: Path, rel: str) -> str:
    """Return the text of ``rel`` in the work tree of ``repo``."""
    return (repo / rel).read_text(encoding="utf-8")


def files_digest(repo: Path) -> dict[str, str]:
    """Hash every file of the work tree (not ``.git``): path -> sha256."""
    return {
        p.relative_to(repo).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def repo_state(repo: Path) -> tuple[dict[str, str], str, str, str, list[str]]:
    """Everything an update must not change when it should change nothing."""
    worktrees = sorted(p.name for p in (repo / ".git" / "worktrees").glob("*"))
    return (
        files_digest(repo),
        run_git(repo, "for-each-ref"),
        run_git(repo, "status", "--porcelain=v1", "--untracked-files=all", "--ignored"),
        run_git(repo, "worktree", "list", "--porcelain"),
        worktrees,
    )


def by_path(report: UpdateReport) -> dict[str, str]:
    """Map each reported path to its status value."""
    return {row.path: row.status.value for row in report.files}
