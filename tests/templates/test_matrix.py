"""Every answer combination renders a complete, parseable, lint-clean repo (pytest-copie).

The curated matrix covers every template x domain, with Python versions and licenses cycled so
that every value appears; ``--full-matrix`` renders the full product.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.catalog import load_catalog
from scaffold.project import answers_files, joined_answers_file
from tests.helpers import lock_problems, pre_commit_problems
from tests.templates.conftest import SharedRender, private_copy
from tests.templates.test_framing import framing_problems

CATALOG = load_catalog()
TEMPLATES = list(CATALOG.templates)
DOMAINS = list(CATALOG.domains)
PYTHONS = ["3.11", "3.12", "3.13"]
LICENSES = ["MIT", "Apache-2.0", "BSD-3-Clause", "none"]
BIN = Path(sys.executable).parent

REQUIRED_FILES = [
    "README.md",
    "docs/architecture.md",
    ".env.example",
    ".gitignore",
    ".dockerignore",
    ".pre-commit-config.yaml",
    "Makefile",
    "pyproject.toml",
    ".github/workflows/ci.yml",
    "Dockerfile",
    ".copier-answers.yml",
    "tests/conftest.py",
]
README_SECTIONS = [
    "Executive summary",
    "The problem",
    "Architecture overview",
    "Quickstart",
    "Results",
    "Configuration and secrets",
    "Deployment",
    "Project structure",
    "Design decisions and trade-offs",
    "Lessons learned",
]


def _matrix(full: bool) -> list[Any]:
    combos: Iterable[tuple[str, str, str, str]]
    if full:
        combos = itertools.product(TEMPLATES, DOMAINS, PYTHONS, LICENSES)
    else:
        combos = (
            (t, d, PYTHONS[i % 3], LICENSES[i % 4])
            for i, (t, d) in enumerate(itertools.product(TEMPLATES, DOMAINS))
        )
    return [
        pytest.param(t, d, p, lic, id=f"{t}-domain:{d}-py{p}-license:{lic}")
        for t, d, p, lic in combos
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "combo" in metafunc.fixturenames:
        full = bool(metafunc.config.getoption("--full-matrix"))
        metafunc.parametrize(
            ("combo"), [p.values for p in _matrix(full)], ids=[p.id for p in _matrix(full)]
        )


def _render(
    shared_render: SharedRender, template: str, domain: str, python: str, license_: str
) -> Path:
    """The matrix's render of these answers (shared: read-only, see tests/templates/conftest)."""
    answers = {
        "template": template,
        "domain": domain,
        "python_version": python,
        "license": license_,
        "project_name": f"{domain} {template}",
    }
    return shared_render(answers)


def _matrix_combo(template: str, python: str = "", domain: str = "") -> tuple[str, ...]:
    """The curated matrix's combination of ``template`` with ``python`` or ``domain``.

    Tests that only read a render take one the matrix makes anyway (one render for both).
    """
    return next(
        tuple(p.values)
        for p in _matrix(False)
        if p.values[0] == template and python in ("", p.values[2]) and domain in ("", p.values[1])
    )


#: Modules of a generated package that run as a script (``streamlit run``): absolute imports.
SCRIPTS = {"ui.py"}


def absolute_self_imports(package: Path) -> list[str]:
    """Imports of ``package`` by its own name inside it (it should import itself relatively)."""
    name = package.name
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        if path.name in SCRIPTS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            where = f"{path.relative_to(package.parent)}:{node.lineno}"
            found += [f"{where}: {m}" for m in modules if m == name or m.startswith(f"{name}.")]
    return found


def test_render(
    shared_render: SharedRender, tmp_path: Path, combo: tuple[str, str, str, str]
) -> None:
    template, domain, python, license_ = combo
    project = _render(shared_render, template, domain, python, license_)
    slug = f"{domain}_{template}".replace("-", "_")
    for rel in [*REQUIRED_FILES, f"src/{slug}/settings.py", f"src/{slug}/api.py"]:
        assert (project / rel).is_file(), rel
    absolute = absolute_self_imports(project / "src" / slug)
    assert not absolute, "\n".join(absolute)
    assert (project / "LICENSE").exists() == (license_ != "none")

    files = [p for p in project.rglob("*") if p.is_file()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert (
            not re.search(r"\{\{|\{%|%\}|\}\}", text.replace("${{", "").replace('}}"', ""))
            or path.name == "ci.yml"
            or path.suffix == ".j2"
        ), f"unrendered Jinja in {path}"
        if path.suffix in {".yml", ".yaml"}:
            assert yaml.safe_load(text) is not None, path
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".py":
            ast.parse(text, filename=str(path))

    readme = (project / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", readme, flags=re.M)
    for section in README_SECTIONS:
        assert section in headings, section
    assert "```mermaid" in readme
    assert "```mermaid" in (project / "docs/architecture.md").read_text()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={python}"
    dockerfile = (project / "Dockerfile").read_text()
    assert (
        len(
            re.findall(
                rf"^FROM python:{python}-slim@sha256:[0-9a-f]{{64}} AS ", dockerfile, flags=re.M
            )
        )
        == 2
    ), "both stages pin the base image by digest"
    problems = lock_problems(project)
    assert not problems, "\n".join([*problems, "hint: python tools/lock_templates.py"])
    assert f'python-version: "{python}"' in (project / ".github/workflows/ci.yml").read_text()
    env = (project / ".env.example").read_text()
    assert "PORT=8000" in env and "\n.env\n" in (project / ".gitignore").read_text()

    framing = framing_problems(project, template, domain)
    assert not framing, "\n".join(framing)

    hooks = pre_commit_problems(private_copy(project, tmp_path))
    assert not hooks, "a fresh render fails its own pre-commit hooks:\n" + "\n".join(hooks)


def _run_tool(project: Path, tool: str, args: list[str]) -> None:
    """Run a lint tool from the test venv (or PATH) in ``project``; it must pass."""
    exe = BIN / tool
    assert exe.exists() or shutil.which(tool), f"{tool} is not installed"
    proc = subprocess.run(
        [str(exe if exe.exists() else tool), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"{tool}:\n{proc.stdout}\n{proc.stderr}"


def _lint_workflows(project: Path, workflows: list[str]) -> None:
    """actionlint, zizmor and GitHub's workflow schema on the given workflow files."""
    _run_tool(project, "actionlint", workflows)
    _run_tool(project, "zizmor", ["--offline", "--min-severity", "low", *workflows])
    _run_tool(
        project, "check-jsonschema", ["--builtin-schema", "vendor.github-workflows", *workflows]
    )


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: f"py{p}")
def test_workflows_and_dockerfile_pass_linters(
    shared_render: SharedRender, template: str, python: str
) -> None:
    project = _render(shared_render, *_matrix_combo(template, python=python))
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert workflows
    _lint_workflows(project, [str(w) for w in workflows])
    _run_tool(project, "hadolint", ["Dockerfile"])


def test_workflow_actions_are_current_majors(shared_render: SharedRender) -> None:
    project = _render(shared_render, *_matrix_combo("rag-system", domain="legal"))
    text = (project / ".github/workflows/ci.yml").read_text()
    uses = re.findall(r"uses: ([\w/-]+)@([0-9a-f]{40}) # (v\d+)\.", text)
    assert len(uses) == text.count("uses:"), "every action is pinned to a commit hash"
    assert {(name, major) for name, _, major in uses} == {
        ("actions/checkout", "v7"),
        ("actions/setup-python", "v7"),
    }
    assert (project / ".github/dependabot.yml").is_file()


def test_custom_domain_uses_its_description(copie: Any) -> None:
    result = copie.copy(
        extra_answers={
            "template": "rag-system",
            "domain": "custom",
            "domain_description": "Triage of wildlife rescue calls for volunteers.",
        }
    )
    assert result.exit_code == 0, result.exception
    project = Path(result.project_dir)
    assert "Triage of wildlife rescue calls" in (project / "README.md").read_text()


AI_FEATURES = ["classify", "summarize", "extract", "search"]
AI_VARIANTS = [
    pytest.param(
        f, h, DOMAINS[i % len(DOMAINS)], id=f"ai-feature-{h}-{f}-domain:{DOMAINS[i % len(DOMAINS)]}"
    )
    for i, (h, f) in enumerate(itertools.product(["sample", "existing"], AI_FEATURES))
]
EXISTING_FILES = [
    ".copier-answers.ai-feature.yml",
    ".env.ai-feature.example",
    ".github/workflows/ai-feature.yml",
    "docs/integration.md",
    "docs/adr/ai-feature-0001-port-and-adapters.md",
    "ai_feature/pyproject.toml",
    "ai_feature/Makefile",
    "ai_feature/README.md",
    "ai_feature/conftest.py",
    "ai_feature/data/quality_floor.json",
    "ai_feature/tests/conftest.py",
]


def _ruff_clean(project: Path) -> None:
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        proc = subprocess.run(
            [str(BIN / "ruff"), *args], cwd=project, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout


#: Each existing-mode variant is added to a host of another framework.
HOST_FRAMEWORKS = dict(zip(AI_FEATURES, ["fastapi", "flask", "django", "python"], strict=True))
SEAMS = {"fastapi": "router.py", "flask": "blueprint.py", "django": "django_app/urls.py"}


@pytest.mark.parametrize(("feature", "host_app", "domain"), AI_VARIANTS)
def test_ai_feature_variants(copie: Any, feature: str, host_app: str, domain: str) -> None:
    existing = {"host_framework": HOST_FRAMEWORKS[feature]} if host_app == "existing" else {}
    result = copie.copy(
        extra_answers={
            "template": "ai-feature",
            "domain": domain,
            "feature": feature,
            "host_app": host_app,
            "project_name": f"acme {domain}",
            **existing,
        }
    )
    assert result.exit_code == 0, result.exception
    project = Path(result.project_dir)
    slug = f"acme_{domain}".replace("-", "_")
    joined = load_catalog().joining({"template": "ai-feature", "host_app": host_app})
    answers_file = joined_answers_file("ai-feature") if joined else ".copier-answers.yml"
    answers = yaml.safe_load((project / answers_file).read_text())
    assert (answers["feature"], answers["host_app"]) == (feature, host_app)
    package = project / (
        f"src/{slug}/feature" if host_app == "sample" else f"ai_feature/src/{slug}_ai"
    )
    for module in ("port", "baseline", "providers", "service", "redact", "store", "evaluate"):
        assert (package / f"{module}.py").is_file(), module
    assert (package / "search.py").exists() == (feature == "search")
    # The sample app's package holds the feature's: both import themselves relatively.
    absolute = absolute_self_imports(package if host_app == "existing" else package.parent)
    assert not absolute, "\n".join(absolute)
    for path in (p for p in project.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\{\{|\{%|%\}", text.replace("${{", "")), (
            f"unrendered Jinja in {path}"
        )
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix == ".json":
            json.loads(text)
    if host_app == "sample":
        for rel in [
            *REQUIRED_FILES,
            f"src/{slug}/records.py",
            f"src/{slug}/ui.py",
            "bench/bench_latency.py",
            "data/quality_floor.json",
        ]:
            assert (project / rel).is_file(), rel
        assert not (project / "ai_feature").exists()
        assert not (project / "docs/integration.md").exists()
        framing = framing_problems(project, "ai-feature", domain, feature)
        assert not framing, "\n".join(framing)
        _ruff_clean(project)
        return
    # What scaffold's core reads from the catalog is where the render puts it.
    assert joined is not None and answers_file in answers_files()
    assert (project / joined.joined_home / "Makefile").is_file()
    assert (project / joined.joined_guide).is_file()
    for rel in EXISTING_FILES:
        assert (project / rel).is_file(), rel
    # Only the feature: none of the files an existing project already has.
    for rel in [
        "README.md",
        "pyproject.toml",
        "Makefile",
        "Dockerfile",
        ".gitignore",
        "src",
        "tests",
        ".copier-answers.yml",
        "compose.yaml",
        "fly.toml",
        "render.yaml",
        ".aws",
        ".streamlit",
        "requirements.txt",
        "streamlit_app.py",
    ]:
        assert not (project / rel).exists(), rel
    assert "deploy_target" not in answers, "the feature alone is deployed with its host"
    framework = HOST_FRAMEWORKS[feature]
    for name, seam in SEAMS.items():
        assert (package / seam).exists() == (name == framework), seam
    assert (package / "py.typed").is_file()
    assert "OPENAI_API_KEY" in (project / ".env.ai-feature.example").read_text()
    _ruff_clean(project / "ai_feature")
    workflow = str(project / ".github/workflows/ai-feature.yml")
    _lint_workflows(project, [workflow])


def test_host_entry_must_be_a_python_file_of_the_host(copie: Any) -> None:
    base = {
        "template": "ai-feature",
        "host_app": "existing",
        "host_framework": "flask",
        "domain": "finance",
    }
    for bad in ["notes/__init__.py`\n# injected", "notes", "a b/app.py"]:
        result = copie.copy(extra_answers={**base, "host_entry": bad})
        assert result.exit_code != 0 and "host_entry must be" in str(result.exception), bad
    assert copie.copy(extra_answers={**base, "host_entry": "src/notes/app.py"}).exit_code == 0
