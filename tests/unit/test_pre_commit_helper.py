"""The helper that runs a render's pre-commit hooks reports what each hook finds or fixes."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import build_file_tree, pre_commit_problems

CONFIG = """repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v5.0.0
    hooks:
      - id: check-yaml
      - id: check-toml
      - id: trailing-whitespace
      - id: end-of-file-fixer
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.8.0
    hooks:
      - id: ruff-format
"""


def test_clean_files_have_no_problem(tmp_path: Path) -> None:
    project = build_file_tree(
        tmp_path,
        {".pre-commit-config.yaml": CONFIG, "a.yml": "a: 1\n", "m.py": "X = 1\n"},
    )
    assert pre_commit_problems(project) == []


def test_each_hook_reports_what_it_finds_or_fixes(tmp_path: Path) -> None:
    project = build_file_tree(
        tmp_path,
        {
            ".pre-commit-config.yaml": CONFIG,
            "bad.yml": "a: [\n",
            "bad.toml": "k = \n",
            "spaces.txt": "x = 1   \n",
            "no-newline.txt": "y",
            "m.py": "X=1\n",
            "notes.md": "one\n\n\ntwo\n",
        },
    )
    problems = "\n".join(pre_commit_problems(project))
    assert "check-yaml:" in problems and "bad.yml" in problems
    assert "check-toml: bad.toml" in problems
    for changed in ("spaces.txt", "no-newline.txt", "m.py"):
        assert f"changed by a hook:  M {changed}" in problems
    assert "notes.md: two blank lines in a row" in problems
