"""README and docs checks judge content, not headings: each case is a shape seen in real repos.

Every case is a small synthetic repository (never a public repository's text) reproducing a
false pass or a false failure of the heading-only checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.check import run_checks
from scaffold.checks.base import Status
from scaffold.checks.markdown import Document, rst_to_markdown
from tests.unit.check_helpers import (  # noqa: F401 - git_isolation is an autouse fixture
    README,
    build_repo,
    git_isolation,
)


def _replace_section(title: str, body: str, readme: str = README) -> str:
    head, _, rest = readme.partition(f"## {title}\n")
    _, _, tail = rest.partition("\n## ")
    return head + f"## {title}\n\n{body}\n" + ("\n## " + tail if tail else "")


def _status(repo: Path, check_id: str) -> Status:
    (result,) = run_checks(repo, select=[check_id]).results
    return result.status


CASES = [
    # Quickstart: a heading is not enough, commands are.
    pytest.param(
        "SC104",
        {
            "README.md": README.replace("## Getting started", "## Phase 01: Project Setup").replace(
                "```bash\nmake setup\nmake test\n```", "We set up the project structure and tools."
            )
        },
        Status.FAIL,
        id="quickstart-heading-without-commands",
    ),
    pytest.param(
        "SC104",
        {
            "README.md": _replace_section(
                "Getting started", "Install it with `pip install -e .` and run `python -m app`."
            )
        },
        Status.PASS,
        id="quickstart-inline-commands",
    ),
    pytest.param(
        "SC104",
        {"README.md": README.replace("## Getting started", "## Running the service")},
        Status.PASS,
        id="commands-under-another-heading",
    ),
    pytest.param(
        "SC104",
        {
            "README.md": README.replace("## Getting started", "## Linting").replace(
                "```bash\nmake setup\nmake test\n```", "```shell\nset -x\nruff check --fix src\n```"
            )
        },
        Status.FAIL,
        id="essay-with-a-lint-snippet-only",
    ),
    # Results: numbers, not a list of metric names.
    pytest.param(
        "SC105",
        {
            "README.md": _replace_section(
                "Results", "We evaluate with:\n\n- accuracy\n- precision and recall\n- F1 score\n"
            )
        },
        Status.FAIL,
        id="results-metric-names-without-numbers",
    ),
    pytest.param(
        "SC105",
        {
            "README.md": _replace_section(
                "Results",
                "| Model | F1 | ROC AUC |\n|---|---|---|\n| baseline | 0.61 | 0.70 |\n"
                "| gradient boosting | **0.78** | 0.86 |\n",
            )
        },
        Status.PASS,
        id="results-table",
    ),
    pytest.param(
        "SC105",
        {
            "README.md": _replace_section(
                "Results",
                "<!-- eval:start -->\n`make eval` writes this section from "
                "`reports/eval.json`: hit@5, recall@5 and MRR. CI enforces hit@5 >= 0.85.\n"
                "<!-- eval:end -->\n",
            )
        },
        Status.FAIL,
        id="results-generated-block-not-run-yet",
    ),
    # Lessons: first-person prose of some length.
    pytest.param(
        "SC106",
        {
            "README.md": _replace_section(
                "Lessons learned",
                "- Lesson 1: Python basics\n- Lesson 2: pandas\n- Lesson 3: SQL\n",
            )
        },
        Status.FAIL,
        id="lessons-course-list",
    ),
    pytest.param(
        "SC106",
        {
            "README.md": _replace_section(
                "Lessons learned",
                "*To be written by Ada after building and running the project. Prompts:*\n\n"
                "- What surprised you when you ran it on real data?\n",
            )
        },
        Status.FAIL,
        id="lessons-prompt-without-marker",
    ),
    # Architecture document by content, anywhere under docs/ or in the README.
    pytest.param(
        "SC201",
        {
            "docs/architecture.md": None,
            "docs/guide/system-overview.md": "# System overview\n\n```mermaid\nflowchart LR\n"
            "  a --> b\n```\n",
        },
        Status.PASS,
        id="architecture-doc-other-name",
    ),
    pytest.param(
        "SC202",
        {
            "docs/architecture.md": None,
            "README.md": README.replace(
                "Documents are chunked,",
                "```mermaid\nflowchart LR\n  docs --> store --> api\n```\n\nDocuments are chunked,",
            ),
        },
        Status.PASS,
        id="architecture-diagram-in-readme",
    ),
    pytest.param(
        "SC201",
        {"docs/architecture.md": None, "docs/usage.md": "# Usage\n\nRun it.\n"},
        Status.FAIL,
        id="docs-without-architecture",
    ),
]


@pytest.mark.parametrize(("check_id", "changes", "expected"), CASES)
def test_content_decides(
    tmp_path: Path, check_id: str, changes: dict[str, str | None], expected: Status
) -> None:
    repo = build_repo(tmp_path / "repo", changes, init_git=False)
    assert _status(repo, check_id) is expected


RST = """\
=============
Legal helper
=============

A retrieval-augmented assistant that answers questions about contracts with citations, for
paralegals who need an answer and its source in seconds, evaluated on two hundred questions.

Installation
------------

Install the package and run the tests::

    pip install -e .
    pytest

Results
-------

Answer accuracy 0.82 on the held-out set.
"""


def test_readme_rst_is_read_with_its_sections_and_literal_blocks(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {"README.md": None, "README.rst": RST}, init_git=False)
    report = run_checks(repo, select=["SC101", "SC102", "SC104", "SC105"])
    assert [r.status for r in report.results] == [Status.PASS] * 4
    doc = Document(rst_to_markdown(RST))
    assert [(s.level, s.title) for s in doc.sections] == [
        (1, "Legal helper"),
        (2, "Installation"),
        (2, "Results"),
    ]


def _workflow(run: str) -> str:
    return (
        "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v5\n      - run: " + run + "\n"
    )


LAYOUTS = [
    # CI runs the tests through a task runner or a script, followed into the task or script.
    pytest.param(
        "SC402",
        {".github/workflows/ci.yml": _workflow("mise run test")},
        Status.PASS,
        id="ci-mise-run-test",
    ),
    pytest.param(
        "SC402",
        {
            ".github/workflows/ci.yml": _workflow("poetry run ./scripts/test"),
            "scripts/test": "#!/bin/sh\nset -e\ncoverage run -m pytest\n",
        },
        Status.PASS,
        id="ci-poetry-run-script",
    ),
    pytest.param(
        "SC402",
        {
            ".github/workflows/ci.yml": _workflow("cloud jobs submit deploy/job.yaml --wait"),
            "deploy/job.yaml": "name: checks\nentrypoint: bash deploy/job.sh\n",
            "deploy/job.sh": "#!/bin/bash\npython -m pytest tests/code\n",
        },
        Status.PASS,
        id="ci-job-spec-then-script",
    ),
    pytest.param(
        "SC402",
        {
            ".github/workflows/ci.yml": _workflow("make check"),
            "Makefile": "check:\n\tuv run python -m pytest -q\n",
        },
        Status.PASS,
        id="ci-make-task-body",
    ),
    pytest.param(
        "SC402",
        {
            ".github/workflows/ci.yml": _workflow("npm ci && npm run verify"),
            "package.json": '{"scripts": {"verify": "vitest run"}}',
        },
        Status.PASS,
        id="ci-npm-script",
    ),
    pytest.param(
        "SC402",
        {".github/workflows/ci.yml": _workflow("make lint"), "Makefile": "lint:\n\truff check .\n"},
        Status.FAIL,
        id="ci-lint-only",
    ),
    # Dockerfiles anywhere, each checked; dev containers are not shipped images.
    pytest.param(
        "SC405",
        {"Dockerfile": None, "src/backend/Dockerfile": 'FROM python:3.12-slim\nCMD ["app"]\n'},
        Status.FAIL,
        id="docker-subdirectory-root-user",
    ),
    pytest.param(
        "SC404",
        {"Dockerfile": None, ".devcontainer/Dockerfile": "FROM python:3.12\n"},
        Status.FAIL,
        id="docker-devcontainer-only",
    ),
    # Django/unittest-style test classes are tests.
    pytest.param(
        "SC501",
        {
            "tests/test_core.py": None,
            "app/tests/test_pages.py": "from django.test import TestCase\n\n\n"
            "class HomePageRenderTest(TestCase):\n    def test_renders(self):\n"
            "        self.assertEqual(self.client.get('/').status_code, 200)\n",
        },
        Status.PASS,
        id="tests-unittest-class",
    ),
    # Commands in a fenced block indented under a list item.
    pytest.param(
        "SC104",
        {
            "README.md": _replace_section(
                "Getting started",
                "1. Install the packages:\n\n    ```shell\n    pip install -r requirements.txt\n"
                "    ```\n\n2. Deploy.\n",
            )
        },
        Status.PASS,
        id="quickstart-indented-fence",
    ),
    # Placeholder identity: instructions in a README code block are not the owner's identity.
    pytest.param(
        "SC204",
        {"README.md": README + "\n```bash\ngit config --global user.email you@example.com\n```\n"},
        Status.PASS,
        id="identity-instruction-in-code-block",
    ),
    # A licence split in two files is a licence; a project without env files needs no rule.
    pytest.param(
        "SC203",
        {"LICENSE": None, "LICENSE-CODE": "MIT License\n", "LICENSE-TEXT": "CC-BY-NC-ND\n"},
        Status.PASS,
        id="license-split-files",
    ),
    pytest.param(
        "SC302",
        {".env.example": None, ".gitignore": "__pycache__/\n"},
        Status.SKIP,
        id="env-not-used-at-all",
    ),
    pytest.param(
        "SC302",
        {
            ".env.example": None,
            ".gitignore": "__pycache__/\n",
            "src/app/settings.py": "from dotenv import load_dotenv\n\nload_dotenv()\n",
        },
        Status.FAIL,
        id="env-loaded-but-not-ignored",
    ),
    # A token in a pasted local Jupyter log is not a leaked credential.
    pytest.param(
        "SC303",
        {
            "docs/notes.md": "Open http://127.0.0.1:8888/?token=f20939a41524d021fbfc62b31be8ea4dd92\n"
        },
        Status.PASS,
        id="secrets-local-jupyter-token",
    ),
]


@pytest.mark.parametrize(("check_id", "changes", "expected"), LAYOUTS)
def test_real_world_layouts(
    tmp_path: Path, check_id: str, changes: dict[str, str | None], expected: Status
) -> None:
    repo = build_repo(tmp_path / "repo", changes)
    (result,) = run_checks(repo, select=[check_id]).results
    assert result.status is expected, result.details


SCAFFOLD_RESULTS = """\
## Results

How the numbers are made.

<!-- eval:start -->
Evaluated on 40 questions; `make eval` refreshes this section.

| Retrieval mode | hit@5 | MRR | p50 latency (ms) |
| --- | --- | --- | --- |
| **hybrid** (default) | 0.925 | 0.811 | 3.42 |

| Answer metric | Value |
| --- | --- |
| Citation precision | 0.870 |
<!-- eval:end -->
"""
SCAFFOLD_REPORT = (
    '{"questions": 40, "retrieval": {"hybrid": {"hit@5": 0.925, "mrr": 0.8113,'
    ' "latency_p50_ms": 3.417}}, "answers": {"citation_precision": 0.87}}'
)


def _scaffold_repo(tmp_path: Path, results: str) -> Path:
    readme = _replace_section("Results", results.removeprefix("## Results\n\n"))
    return build_repo(
        tmp_path / "repo",
        {"README.md": readme, "reports/metrics.json": None, "reports/eval.json": SCAFFOLD_REPORT},
    )


def test_results_that_match_the_report_pass(tmp_path: Path) -> None:
    repo = _scaffold_repo(tmp_path, SCAFFOLD_RESULTS)
    report = run_checks(repo, select=["SC105", "SC603"])
    assert [r.status for r in report.results] == [Status.PASS, Status.PASS]


def test_a_hand_edited_result_fails_with_both_values(tmp_path: Path) -> None:
    repo = _scaffold_repo(tmp_path, SCAFFOLD_RESULTS.replace("0.925", "0.975"))
    (result,) = run_checks(repo, select=["SC603"]).results
    assert result.status is Status.FAIL
    (finding,) = result.details
    assert "the README says 0.975" in finding.message
    assert "reports/eval.json:retrieval.hybrid.hit@5 has 0.925" in finding.message
    assert finding.path == "README.md"


def test_results_not_generated_yet_fail_sc105_and_skip_sc603(tmp_path: Path) -> None:
    placeholder = (
        "<!-- eval:start -->\n`make eval` writes this section: hit@5 >= 0.85 is enforced.\n"
        "<!-- eval:end -->\n"
    )
    repo = build_repo(
        tmp_path / "repo",
        {"README.md": _replace_section("Results", placeholder), "reports/metrics.json": None},
    )
    results = run_checks(repo, select=["SC105", "SC603"]).results
    assert [r.status for r in results] == [Status.FAIL, Status.SKIP]
