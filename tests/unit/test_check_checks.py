"""Each check passes on a complete repository and fails when one thing is broken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from scaffold.check import CheckResult, run_checks
from scaffold.checks.base import Status, registered_checks
from tests.unit.check_helpers import (  # noqa: F401 - git_isolation is an autouse fixture
    PASSING,
    README,
    build_repo,
    commit,
    git,
    git_isolation,
    write_tree,
)


def result_of(repo: Path, check_id: str) -> CheckResult:
    """Run one check (and what it requires) and return its result."""
    (result,) = run_checks(repo, select=[check_id]).results
    return result


def test_complete_repository_passes_every_check(tmp_path: Path) -> None:
    report = run_checks(build_repo(tmp_path / "repo"))
    failing = {
        r.id: [d.message for d in r.details] for r in report.results if r.status is not Status.PASS
    }
    assert failing == {}
    assert report.ok
    assert [r.id for r in report.results] == list(registered_checks())


def test_check_ids_are_stable_and_documented() -> None:
    checks = registered_checks()
    assert len(checks) >= 25
    for check_id, check in checks.items():
        assert check_id.startswith("SC") and len(check_id) == 5
        assert check.title and check.why and check.fix
        assert all(required < check_id for required in check.requires), check_id


def _without_section(title: str) -> str:
    """The passing README with the section ``## {title}`` removed."""
    head, _, rest = README.partition(f"## {title}\n")
    _, _, tail = rest.partition("\n## ")
    return head + ("## " + tail if tail else "")


@dataclass(frozen=True)
class Broken:
    """One way to break the passing repository, and the finding it must cause."""

    check_id: str
    changes: dict[str, str | None] = field(default_factory=dict)
    expect: str = ""
    after: Callable[[Path], None] | None = None


def _dirty_source(repo: Path) -> None:
    write_tree(repo, {"src/app/core.py": PASSING["src/app/core.py"] + "\nSCALE = 2\n"})


def _commit_dotenv_then_remove(repo: Path) -> None:
    write_tree(repo, {".gitignore": "", ".env": "APP_DEBUG=1\n"})
    commit(repo, "add env")
    git(repo, "rm", "--cached", "--quiet", ".env")
    write_tree(repo, {".gitignore": ".env\n"})
    commit(repo, "ignore env")


BROKEN = [
    pytest.param(Broken("SC101", {"README.md": None}, "no README"), id="SC101:no-readme"),
    pytest.param(
        Broken("SC102", {"README.md": _without_section("Executive summary")}, "executive summary"),
        id="SC102:no-summary",
    ),
    pytest.param(
        Broken(
            "SC102",
            {
                "README.md": README.replace(
                    "A retrieval-augmented assistant that "
                    "answers questions about contracts with citations,\nevaluated on a "
                    "labelled set of two hundred questions.\n",
                    "",
                )
            },
            "empty",
        ),
        id="SC102:empty-summary",
    ),
    pytest.param(
        Broken("SC103", {"README.md": _without_section("Architecture overview")}, "architecture"),
        id="SC103:no-architecture",
    ),
    pytest.param(
        Broken("SC104", {"README.md": _without_section("Getting started")}, "quickstart"),
        id="SC104:no-quickstart",
    ),
    pytest.param(
        Broken("SC105", {"README.md": _without_section("Results")}, "results"),
        id="SC105:no-results",
    ),
    pytest.param(
        Broken("SC106", {"README.md": _without_section("Lessons learned")}, "Lessons learned"),
        id="SC106:no-lessons",
    ),
    pytest.param(
        Broken(
            "SC106",
            {
                "README.md": README.replace(
                    "Chunk size mattered",
                    "<!-- scaffold:lessons-prompt: replace this, then delete this line. -->\n"
                    "What surprised you? Chunk size mattered",
                )
            },
            "README.md:37",
        ),
        id="SC106:template-prompt",
    ),
    pytest.param(
        Broken(
            "SC106",
            {
                "README.md": README.split("## Lessons learned")[0]
                + "## Lessons learned\n\n<!-- to do -->\n"
            },
            "empty",
        ),
        id="SC106:empty-lessons",
    ),
    pytest.param(
        Broken("SC107", {"README.md": _without_section("Deployment")}, "Deployment"),
        id="SC107:no-deployment",
    ),
    pytest.param(
        Broken("SC201", {"docs/architecture.md": None}, "docs/architecture.md"),
        id="SC201:no-architecture-doc",
    ),
    pytest.param(
        Broken("SC202", {"docs/architecture.md": "# Architecture\n\nText only.\n"}, "mermaid"),
        id="SC202:no-diagram",
    ),
    pytest.param(Broken("SC203", {"LICENSE": None}, "LICENSE"), id="SC203:no-license"),
    pytest.param(Broken("SC301", {".env.example": None}, ".env.example"), id="SC301:no-example"),
    pytest.param(
        Broken("SC302", {".gitignore": "__pycache__/\n"}, ".env is not ignored"),
        id="SC302:not-ignored",
    ),
    pytest.param(
        Broken("SC302", {".gitignore": "", ".env": "APP_DEBUG=1\n"}, "committed"),
        id="SC302:committed",
    ),
    pytest.param(
        Broken("SC302", after=_commit_dotenv_then_remove, expect="in the history"),
        id="SC302:in-history",
    ),
    pytest.param(
        Broken("SC303", {"src/app/aws.py": 'KEY = "AKIAZ7QW3RT5YU8IO2PL"\n'}, "src/app/aws.py:1"),
        id="SC303:aws-key",
    ),
    pytest.param(
        Broken("SC401", {".github/workflows/ci.yml": None}, "no workflow"), id="SC401:no-workflow"
    ),
    pytest.param(
        Broken(
            "SC402",
            {
                ".github/workflows/ci.yml": PASSING[".github/workflows/ci.yml"].replace(
                    "make test", "make lint"
                )
            },
            "pytest",
        ),
        id="SC402:lint-only",
    ),
    pytest.param(
        Broken(
            "SC403",
            {
                ".github/workflows/ci.yml": PASSING[".github/workflows/ci.yml"].replace(
                    "    runs-on: ubuntu-latest\n", ""
                )
            },
            "runs-on",
        ),
        id="SC403:actionlint",
    ),
    pytest.param(Broken("SC404", {"Dockerfile": None}, "no Dockerfile"), id="SC404:none"),
    pytest.param(
        Broken(
            "SC405", {"Dockerfile": PASSING["Dockerfile"].replace("USER 1000\n", "")}, "no USER"
        ),
        id="SC405:no-user",
    ),
    pytest.param(
        Broken(
            "SC405",
            {"Dockerfile": PASSING["Dockerfile"].replace("USER 1000", "USER root")},
            "Dockerfile:8",
        ),
        id="SC405:root",
    ),
    pytest.param(
        Broken(
            "SC405",
            {
                "Dockerfile": "FROM python:3.11-slim AS build\nUSER 1000\n\n"
                'FROM python:3.11-slim\nCMD ["python"]\n'
            },
            "no USER",
        ),
        id="SC405:user-only-in-build-stage",
    ),
    pytest.param(
        Broken(
            "SC406",
            {
                "Dockerfile": PASSING["Dockerfile"].replace(
                    "python:3.11-slim AS build", "python:latest AS build"
                )
            },
            "DL3007",
        ),
        id="SC406:hadolint",
    ),
    pytest.param(Broken("SC501", {"tests/test_core.py": None}, "no test"), id="SC501:no-tests"),
    pytest.param(
        Broken(
            "SC502",
            {"tests/test_more.py": "def test_ok():\n    assert True\n"},
            "tests/test_more.py:1",
        ),
        id="SC502:assert-true",
    ),
    pytest.param(
        Broken("SC502", {"tests/test_more.py": "def test_todo():\n    pass\n"}, "empty body"),
        id="SC502:pass",
    ),
    pytest.param(
        Broken(
            "SC502",
            {
                "tests/test_more.py": "class TestX:\n    def test_no(self):\n"
                "        x = 1\n        assert False\n"
            },
            "always fails",
        ),
        id="SC502:assert-false",
    ),
    pytest.param(
        Broken(
            "SC503",
            {"src/app/load.py": 'DATA = "/home/alice/data/corpus.csv"\n'},
            "src/app/load.py:1",
        ),
        id="SC503:home",
    ),
    pytest.param(
        Broken("SC603", {"README.md": README.replace("| 0.82 |", "| 0.88 |")}, "says 0.88"),
        id="SC603:edited-result",
    ),
    pytest.param(
        Broken("SC204", {"LICENSE": "MIT License\n\nCopyright (c) 2026 Your Name\n"}, "Your Name"),
        id="SC204:license-placeholder",
    ),
    pytest.param(
        Broken(
            "SC204",
            {"pyproject.toml": '[project]\nauthors = [{email = "you@example.com"}]\n'},
            "pyproject.toml:2",
        ),
        id="SC204:pyproject-email",
    ),
    pytest.param(
        Broken("SC504", {"models/model.pkl": "\0" * 200_000}, "model or database (200 kB)"),
        id="SC504:model",
    ),
    pytest.param(
        Broken("SC503", {"src/app/load.py": 'DATA = r"C:\\Users\\bob\\corpus.csv"\n'}, "C:"),
        id="SC503:windows",
    ),
    pytest.param(
        Broken("SC503", {"src/app/load.py": 'DATA = f"/Users/carol/{1}.csv"\n'}, "/Users/"),
        id="SC503:macos-fstring",
    ),
    pytest.param(
        Broken(
            "SC601",
            {".copier-answers.yml": "_scaffold_source: bundled\n_scaffold_version: 0.0.1\n"},
            ".copier-answers.yml:2",
        ),
        id="SC601:behind",
    ),
    pytest.param(
        Broken("SC602", after=_dirty_source, expect="src/app/core.py"), id="SC602:stale-report"
    ),
]


@pytest.mark.parametrize("broken", BROKEN)
def test_broken_repository_fails_the_check(tmp_path: Path, broken: Broken) -> None:
    repo = build_repo(tmp_path / "repo", broken.changes)
    if broken.after:
        broken.after(repo)
    result = result_of(repo, broken.check_id)
    warning = registered_checks()[broken.check_id].severity == "warning"
    assert result.status is (Status.WARN if warning else Status.FAIL), result
    rendered = [f"{d.location} {d.message}" for d in result.details]
    assert any(broken.expect in text for text in rendered), rendered


def test_every_check_has_a_failing_fixture() -> None:
    covered = {cast(Broken, p.values[0]).check_id for p in BROKEN}
    assert covered >= set(registered_checks()) - {"SC304"}  # SC304: test_check_secrets.py


def test_missing_prerequisite_skips_dependent_checks(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {"Dockerfile": None})
    report = run_checks(repo, select=["SC405", "SC406"])
    assert [(r.id, r.status) for r in report.results] == [
        ("SC405", Status.SKIP),
        ("SC406", Status.SKIP),
    ]
    assert "SC404" in report.results[0].details[0].message


def test_intro_paragraph_counts_as_summary(tmp_path: Path) -> None:
    intro = (
        "A retrieval-augmented assistant that answers questions about contracts, "
        "with citations for every answer, evaluated on two hundred labelled questions "
        "drawn from public agreements, served by a small API and a container image.\n"
    )
    readme = _without_section("Executive summary").replace(
        "# Legal assistant\n", f"# Legal assistant\n\n{intro}"
    )
    assert result_of(build_repo(tmp_path / "repo", {"README.md": readme}), "SC102").passed


def test_demo_link_counts_as_deployment(tmp_path: Path) -> None:
    readme = _without_section("Deployment") + "\nTry it: https://legal-assistant.fly.dev\n"
    repo = build_repo(tmp_path / "repo", {"README.md": readme})
    assert result_of(repo, "SC107").passed


def test_synonym_headings_are_accepted(tmp_path: Path) -> None:
    readme = (
        README.replace("## Executive summary", "## 📌 Overview")
        .replace("## Architecture overview", "## How it works")
        .replace("## Getting started", "## 1. Installation")
        .replace("## Results", "## Evaluation")
        .replace("## Deployment", "## Deploying")
        .replace("## Lessons learned", "## What I learned")
    )
    report = run_checks(build_repo(tmp_path / "repo", {"README.md": readme}), select=["SC1"])
    assert {r.id: r.status.value for r in report.results} == dict.fromkeys(
        ["SC101", "SC102", "SC103", "SC104", "SC105", "SC106", "SC107"], "pass"
    )


def test_fresh_evaluation_after_source_change_passes(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo")
    _dirty_source(repo)
    write_tree(repo, {"reports/metrics.json": '{"accuracy": 0.83}\n'})
    assert result_of(repo, "SC602").passed


def test_evaluation_not_run_yet_is_skipped_with_make_eval(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {"reports/metrics.json": None})
    result = result_of(repo, "SC602")
    assert result.status is Status.SKIP
    assert "make eval" in result.details[0].message


def test_scaffold_checks_skip_other_repositories(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {".copier-answers.yml": None})
    report = run_checks(repo, select=["SC6"])
    assert [r.status for r in report.results] == [Status.SKIP] * 3
    assert "not generated by scaffold" in report.results[0].details[0].message


def test_template_from_git_source_is_not_compared(tmp_path: Path) -> None:
    answers = "_scaffold_source: https://example.com/course.git\n_scaffold_version: v0.0.1\n"
    result = result_of(build_repo(tmp_path / "repo", {".copier-answers.yml": answers}), "SC601")
    assert result.status is Status.SKIP
    assert "scaffold update --dry-run" in result.details[0].message


def test_plain_directory_runs_the_file_checks(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "plain", init_git=False)
    report = run_checks(repo)
    statuses = {r.id: r.status for r in report.results}
    assert statuses["SC302"] is Status.SKIP
    assert statuses["SC304"] is Status.SKIP
    assert statuses["SC303"] is Status.PASS
    assert all(s in (Status.PASS, Status.SKIP) for s in statuses.values()), statuses
