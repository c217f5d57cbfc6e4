"""End to end: the ai-feature template, as a sample app and added to an existing project.

Sample app: each case is generated and runs its own ``make setup lint test run`` offline,
leaving ``git status`` clean. The cases of a group are rendered in turn into one directory that
keeps its virtual environment and mypy cache, so the group installs the template once. By
default one group runs every feature once, on four domains (``custom`` included), one of them
on Hugging Face Spaces with hostile free text (it stands for the deploy e2e's ai-feature lint
pair); ``--full-matrix`` runs the whole domain x feature product, one group per domain. The
existing-project mode is tried on throwaway FastAPI and Flask projects built here (Django too
with ``--full-matrix``): their files stay byte-for-byte the same and their tests keep passing.
Why this is enough by default: ``tests/e2e/COVERAGE.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.cli import app
from tests.e2e.samples import Case, no_payload_ran, render_into
from tests.e2e.samples import run as run_in
from tests.helpers import build_file_tree, generated_repo_env, git

pytestmark = pytest.mark.e2e

DOMAINS = list(load_catalog().domains)
FEATURES = ["classify", "summarize", "extract", "search"]
#: The default group: every feature once, four domains, one deploy target and hostile text.
DEFAULT = [
    Case("ai-feature", "custom", feature="classify"),
    Case("ai-feature", "finance", feature="summarize"),
    Case("ai-feature", "legal", feature="extract"),
    Case("ai-feature", "customer-support", feature="search", target="hf-spaces", hostile=True),
]
#: --full-matrix: every domain x feature, one group per domain.
FULL = [[Case("ai-feature", d, feature=f) for f in FEATURES] for d in DOMAINS]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_in(args, cwd, generated_repo_env(), cwd.name, timeout=900)


def _new(*args: str) -> None:
    result = CliRunner().invoke(app, ["new", "ai-feature", *args, "--defaults"])
    assert result.exit_code == 0, result.stderr


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    full = bool(metafunc.config.getoption("--full-matrix"))
    if "framework" in metafunc.fixturenames:
        # Each host costs about two minutes (two installs, the feature's tests and mypy):
        # Flask by default, Django too with --full-matrix (its render is linted by
        # tests/templates on every run).
        frameworks = ["flask", "django"] if full else ["flask"]
        metafunc.parametrize("framework", frameworks, ids=[f"host:{f}" for f in frameworks])
    if "cases" in metafunc.fixturenames:
        groups = FULL if full else [DEFAULT]
        ids = [f"domain:{g[0].domain}" if full else "every-feature" for g in groups]
        metafunc.parametrize("cases", groups, ids=ids)


def test_sample_app_passes_setup_lint_test_run(tmp_path: Path, cases: list[Case]) -> None:
    repo = tmp_path / "ai-demo"
    env = generated_repo_env()
    for case in cases:
        render_into(repo, case)
        proc = run_in(["make", "setup", "lint", "test", "run"], repo, env, case.id, timeout=900)
        assert " passed" in proc.stdout, case.id
        assert '"mode": "shown"' in proc.stdout, f"{case.id}: make run prints the suggestions"
        assert git(repo, "status", "--porcelain") == "", case.id
    no_payload_ran(tmp_path)


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
    # The host was made from another Copier template: its answers file stays its own.
    ".copier-answers.yml": "_commit: v1.0.0\n_src_path: gh:acme/service-template\nname: helpdesk\n",
}
#: Files a deploy target would add at the root: none of them belongs to the feature alone.
DEPLOY_FILES = [
    "compose.yaml",
    "fly.toml",
    "render.yaml",
    ".aws",
    ".streamlit",
    "requirements.txt",
    "streamlit_app.py",
    "Dockerfile",
]


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
    answers = (host / ".copier-answers.ai-feature.yml").read_text()
    assert "project_name: acme-helpdesk" in answers and "host_app: existing" in answers
    assert "host_framework: fastapi" in answers and "deploy_target" not in answers
    assert not [f for f in DEPLOY_FILES if (host / f).exists()]
    assert " passed" in _host_tests(host), "the host's own tests still pass"
    proc = _run(["make", "setup", "lint", "test"], host / "ai_feature")
    assert " passed" in proc.stdout
    assert git(host, "status", "--porcelain") == ""
    update = CliRunner().invoke(app, ["update", str(host)])
    assert update.exit_code == 0 and "Already up to date" in update.stdout


#: A Flask host in the tutorial's shape: an app factory, an auth blueprint whose
#: ``login_required`` redirects anonymous users, and its own tests.
FLASK_HOST = {
    "pyproject.toml": (
        '[project]\nname = "notes"\nversion = "1.0.0"\ndescription = "Notes"\n'
        'requires-python = ">=3.10"\n'
        'dependencies = ["flask>=3"]\n\n[project.optional-dependencies]\ntest = ["pytest>=8"]\n\n'
        '[build-system]\nrequires = ["flit_core<4"]\nbuild-backend = "flit_core.buildapi"\n'
    ),
    "notes/__init__.py": (
        '"""Notes."""\n\nfrom flask import Flask\n\n__version__ = "1.0.0"\n\n\n'
        "def create_app(test_config=None):\n"
        "    app = Flask(__name__)\n"
        '    app.config.from_mapping(SECRET_KEY="dev")\n'
        "    if test_config:\n"
        "        app.config.update(test_config)\n"
        "    from . import auth\n\n"
        "    app.register_blueprint(auth.bp)\n"
        "    # wiring\n"
        "    return app\n"
    ),
    "notes/auth.py": (
        "import functools\n\n"
        "from flask import Blueprint, g, redirect, session, url_for\n\n"
        'bp = Blueprint("auth", __name__, url_prefix="/auth")\n\n\n'
        "@bp.before_app_request\n"
        "def load_logged_in_user():\n"
        '    g.user = session.get("user_id")\n\n\n'
        "def login_required(view):\n"
        "    @functools.wraps(view)\n"
        "    def wrapped_view(**kwargs):\n"
        "        if g.user is None:\n"
        '            return redirect(url_for("auth.login"))\n'
        "        return view(**kwargs)\n\n"
        "    return wrapped_view\n\n\n"
        '@bp.route("/login")\n'
        "def login():\n"
        '    return "login"\n'
    ),
    "tests/test_factory.py": (
        "from notes import create_app\n\n\n"
        "def test_login_page():\n"
        '    client = create_app({"TESTING": True}).test_client()\n'
        '    assert client.get("/auth/login").data == b"login"\n'
    ),
    ".gitignore": ".venv/\n__pycache__/\n*.egg-info/\n",
}
#: The wiring an owner writes after reading docs/integration.md, and a test that signs in.
FLASK_WIRING = (
    "from notes_ai.blueprint import build_blueprint\n"
    "    from notes_ai.config import FeatureConfig\n"
    "    from notes_ai.service import FeatureService\n\n"
    "    feature = FeatureService(FeatureConfig())\n"
    "    app.register_blueprint(\n"
    '        build_blueprint(feature, login_required=auth.login_required), url_prefix="/ai"\n'
    "    )\n"
)
FLASK_WIRED_TEST = (
    "from notes import create_app\n\n\n"
    "def test_feature_needs_a_signed_in_user():\n"
    '    client = create_app({"TESTING": True}).test_client()\n'
    '    body = {"text": "my card was charged twice"}\n'
    '    anonymous = client.post("/ai/feature/suggestions", json=body)\n'
    '    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location\n'
    "    with client.session_transaction() as session:\n"
    '        session["user_id"] = 1\n'
    '    signed_in = client.post("/ai/feature/suggestions", json=body)\n'
    '    assert signed_in.status_code == 200 and signed_in.get_json()["mode"] == "shown"\n'
)
DJANGO_WIRED_TEST = (
    "from django.test import TestCase\n\n\n"
    "class FeatureTest(TestCase):\n"
    "    def test_feature_is_mounted_and_closed_by_default(self):\n"
    "        response = self.client.post(\n"
    '            "/ai/feature/suggestions", {"text": "hi"}, content_type="application/json"\n'
    "        )\n"
    "        self.assertEqual(response.status_code, 401)\n"
)


def _uv(*args: str, cwd: Path) -> None:
    _run([str(Path(sys.executable).parent / "uv"), *args], cwd)


def test_flask_and_django_hosts_get_their_seam(tmp_path: Path, framework: str) -> None:
    host = tmp_path / framework
    if framework == "flask":
        build_file_tree(host, FLASK_HOST)
        _uv("venv", "--quiet", "--python", sys.executable, cwd=host)
        _uv("pip", "install", "--quiet", "--python", ".venv/bin/python", "-e", ".[test]", cwd=host)
        host_tests = [".venv/bin/pytest", "-q", "-p", "no:cacheprovider"]
    else:
        host.mkdir()
        _uv("venv", "--quiet", "--python", sys.executable, cwd=host)
        _uv("pip", "install", "--quiet", "--python", ".venv/bin/python", "django>=4.2", cwd=host)
        # The host as Django's own generators make it.
        _run([".venv/bin/django-admin", "startproject", "mysite", "."], host)
        _run([".venv/bin/python", "manage.py", "startapp", "polls"], host)
        build_file_tree(host, {"requirements.txt": "django>=4.2\n", ".gitignore": ".venv/\n"})
        host_tests = [".venv/bin/python", "manage.py", "test"]
    git(host, "init", "-q")
    git(host, "add", "-A")
    git(host, "commit", "-qm", f"the existing {framework} app")
    _run(host_tests, host)
    before = _snapshot(host)

    # No terminal, no --defaults and no deploy target: existing mode asks for none.
    result = CliRunner().invoke(
        app, ["new", "ai-feature", str(host), "--domain", "finance", "--data", "host_app=existing"]
    )
    assert result.exit_code == 0, result.stderr
    after = _snapshot(host)
    assert {path: after[path] for path in before} == before, "no host file changed"
    added = set(after) - set(before)
    assert all(p.startswith(("ai_feature/", "docs/", ".github/", ".")) for p in added), added
    assert not [f for f in DEPLOY_FILES if f in added]
    answers = (host / ".copier-answers.ai-feature.yml").read_text()
    assert f"host_framework: {framework}" in answers and "host_installer: pip" in answers
    guide = (host / "docs" / "integration.md").read_text()
    assert "pip install -e ./ai_feature" in guide

    # The documented install, into the host's own environment; the feature's tests and
    # type check run there, and the host's tests still pass.
    _uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        ".venv/bin/python",
        "-e",
        "./ai_feature[dev]",
        cwd=host,
    )
    proc = _run(
        ["../.venv/bin/pytest", "-q", "-p", "no:cacheprovider", "--no-cov"], host / "ai_feature"
    )
    assert " passed" in proc.stdout
    _run(["../.venv/bin/mypy"], host / "ai_feature")
    _run(host_tests, host)
    assert git(host, "status", "--porcelain") == ""
    update = CliRunner().invoke(app, ["update", str(host)])
    assert update.exit_code == 0 and "Already up to date" in update.stdout, update.output

    # The wiring lines docs/integration.md gives, written as an owner would: routes are
    # mounted, and closed to anyone the host's own authentication does not let in.
    if framework == "flask":
        assert "build_blueprint(" in guide and "login_required=login_required" in guide
        assert "`create_app` in `notes/__init__.py`" in guide, "names the host's module"
        init = host / "notes" / "__init__.py"
        init.write_text(init.read_text().replace("# wiring\n", FLASK_WIRING))
        (host / "tests" / "test_feature.py").write_text(FLASK_WIRED_TEST)
    else:
        assert '"mysite_ai.django_app"' in guide or "_ai.django_app" in guide
        assert "# mysite/settings.py" in guide and "# mysite/urls.py" in guide
        app_name = next(
            line.split('"')[1] for line in guide.splitlines() if "INSTALLED_APPS = [...," in line
        )
        settings = host / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + f"\nINSTALLED_APPS += [{app_name!r}]\n")
        urls = host / "mysite" / "urls.py"
        text = urls.read_text().replace(
            "from django.urls import path", "from django.urls import include, path"
        )
        include = next(
            line.strip() for line in guide.splitlines() if 'path("ai/", include(' in line
        )
        urls.write_text(text.replace("urlpatterns = [", f"urlpatterns = [\n    {include}"))
        (host / "polls" / "tests.py").write_text(DJANGO_WIRED_TEST)
    proc = _run(host_tests, host)
    assert "2 passed" in proc.stdout or "Ran 1 test" in proc.stderr, proc.stdout + proc.stderr
