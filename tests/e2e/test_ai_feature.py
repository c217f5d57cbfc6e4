"""End to end: the ai-feature template, as a sample app and added to an existing project.

Every domain (default feature) and every feature (one domain each) is generated and runs its
own ``make setup lint test run`` offline, leaving ``git status`` clean; ``--full-matrix`` runs
the whole domain x feature product. The existing-project mode is tried on a throwaway FastAPI
project built here: its files stay byte-for-byte the same and its tests keep passing.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.cli import app
from tests.helpers import build_file_tree, generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
FEATURES = ["classify", "summarize", "extract", "search"]
#: The curated set: every domain with the default feature, every other feature once.
CURATED = [(d, "classify") for d in DOMAINS] + [
    ("finance", "summarize"),
    ("legal", "extract"),
    ("customer-support", "search"),
]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=generated_repo_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, f"{args}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def _new(*args: str) -> None:
    result = CliRunner().invoke(app, ["new", "ai-feature", *args, "--defaults"])
    assert result.exit_code == 0, result.stderr


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "domain_feature" in metafunc.fixturenames:
        full = bool(metafunc.config.getoption("--full-matrix"))
        combos = list(itertools.product(DOMAINS, FEATURES)) if full else CURATED
        metafunc.parametrize(
            "domain_feature", combos, ids=[f"domain:{d}-feature:{f}" for d, f in combos]
        )


def test_sample_app_passes_setup_lint_test_run(
    tmp_path: Path, domain_feature: tuple[str, str]
) -> None:
    domain, feature = domain_feature
    dest = tmp_path / f"{domain}-{feature}"
    _new(str(dest), "--domain", domain, "--data", f"feature={feature}")
    proc = _run(["make", "setup", "lint", "test", "run"], dest)
    assert " passed" in proc.stdout
    assert '"mode": "shown"' in proc.stdout, "make run prints the feature's suggestions"
    assert git(dest, "status", "--porcelain") == ""


HOST = {
    "pyproject.toml": (
        "[build-system]\n"
        'requires = ["hatchling>=1.25"]\n'
        'build-backend = "hatchling.build"\n\n'
        "[project]\n"
        'name = "acme-helpdesk"\n'
        'version = "2.3.0"\n'
        'requires-python = ">=3.11"\n'
        'dependencies = ["fastapi>=0.115"]\n\n'
        "[project.optional-dependencies]\n"
        'dev = ["pytest>=8", "httpx2>=2"]\n\n'
        "[tool.hatch.build.targets.wheel]\n"
        'packages = ["src/helpdesk"]\n'
    ),
    "src/helpdesk/__init__.py": "",
    "src/helpdesk/app.py": (
        "from fastapi import FastAPI\n\n"
        "app = FastAPI()\n"
        "TICKETS: list[dict[str, str]] = []\n\n\n"
        '@app.post("/tickets", status_code=201)\n'
        "def create(ticket: dict[str, str]) -> dict[str, str]:\n"
        "    TICKETS.append(ticket)\n"
        "    return ticket\n"
    ),
    "tests/test_app.py": (
        "from fastapi.testclient import TestClient\n\n"
        "from helpdesk.app import app\n\n\n"
        "def test_create_ticket() -> None:\n"
        '    response = TestClient(app).post("/tickets", json={"subject": "hi"})\n'
        "    assert response.status_code == 201\n"
    ),
    "README.md": "# Acme helpdesk\n",
    ".gitignore": ".venv/\n__pycache__/\n.pytest_cache/\n",
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not {".git", ".venv", ".pytest_cache"} & set(p.relative_to(root).parts)
    }


def _host_tests(host: Path) -> str:
    uv = Path(sys.executable).parent / "uv"
    if not (host / ".venv").exists():
        _run([str(uv), "venv", "--quiet", "--python", sys.executable], host)
        _run(
            [str(uv), "pip", "install", "--quiet", "--python", ".venv/bin/python", "-e", ".[dev]"],
            host,
        )
    return _run([".venv/bin/pytest", "-q", "-p", "no:cacheprovider"], host).stdout


def test_existing_project_gets_the_feature_and_keeps_its_files(tmp_path: Path) -> None:
    host = build_file_tree(tmp_path / "helpdesk", HOST)
    git(host, "init", "-q")
    git(host, "add", "-A")
    git(host, "commit", "-qm", "the existing helpdesk")
    assert " passed" in _host_tests(host)
    before = _snapshot(host)

    # A dirty work tree is refused, and nothing is written.
    (host / "scratch.txt").write_text("work in progress\n")
    result = CliRunner().invoke(
        app, ["new", "ai-feature", str(host), "--data", "host_app=existing", "--defaults"]
    )
    assert result.exit_code == 2
    assert "uncommitted changes: scratch.txt" in result.stderr
    assert not (host / "ai_feature").exists()
    (host / "scratch.txt").unlink()

    _new(str(host), "--domain", "customer-support", "--data", "host_app=existing")
    after = _snapshot(host)
    assert {path: after[path] for path in before} == before, "no host file changed"
    assert (host / "docs" / "integration.md").is_file()
    answers = (host / ".copier-answers.yml").read_text()
    assert "project_name: acme-helpdesk" in answers and "host_app: existing" in answers
    assert " passed" in _host_tests(host), "the host's own tests still pass"
    proc = _run(["make", "setup", "lint", "test"], host / "ai_feature")
    assert " passed" in proc.stdout
    assert git(host, "status", "--porcelain") == ""
    update = CliRunner().invoke(app, ["update", str(host)])
    assert update.exit_code == 0 and "Already up to date" in update.stdout
