"""A ninth deploy target and a fourth template are data: a folder and a catalog entry.

Each test copies the bundled template root into a temporary directory, adds only what
CONTRIBUTING.md says a new target (its folder under ``_shared/deploy/`` and its catalog
entry) or a new template (its folder and its catalog entry) needs, and renders it through
``scaffold new --source``: nothing in scaffold's code, the other templates or the tests'
tables is touched. The target's render then passes the same checks as the eight real targets
(``tests/templates/test_deploy_targets.py``), read from the throwaway catalog.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from scaffold.catalog import load_catalog
from scaffold.check import run_checks
from scaffold.checks.base import Status
from scaffold.checks.readme import app_url_pattern
from scaffold.cli import app
from tests.helpers import build_file_tree
from tests.templates.test_deploy_targets import REQUIRED_STUBS, check_target

TEMPLATES = Path(__file__).parents[2] / "templates"

#: A made-up platform, "Pier": one platform file, one secret, one setting it sets at run time.
PIER_FOLDER = {
    "readme.md.jinja": """\
**Target: Pier.** `pier.toml` declares the app, its port (8000) and its health check on
`/health`; CI's `deploy` job runs `pier push` on every push to the default branch and on
version tags, after the tests and the image build.

{% include '_shared/deploy/_common/readme.md.jinja' %}
One-time setup: `pier apps create {{ repo_name }}`, then
`pier tokens create | gh secret set PIER_TOKEN`. Until `PIER_TOKEN` is set, the deploy job is
skipped with a notice and CI stays green.

**URL:** `https://{{ repo_name }}.pier.example` (Pier sets `PIER_APP` in the container).

**State:** the Pier disk `state` is mounted at `/app/state` and survives restarts.
""",
    "architecture.md.jinja": """\
```mermaid
flowchart LR
    gh[GitHub Actions CI] -->|pier push, PIER_TOKEN| pier[Pier: uvicorn on 8000]
    pier ---|/app/state| disk[(Pier disk: state)]
```

`pier.toml` is the whole platform configuration.
""",
    "workflow.yml.jinja": """\
{%- set required = [('secrets', 'PIER_TOKEN')] %}
{%- include '_shared/deploy/_common/gate.yml.jinja' %}
  deploy:
    name: Deploy to Pier
    needs: deploy-config
    if: {{ "${{ needs.deploy-config.outputs.ready == 'true' }}" }}
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: read
    concurrency:
      group: deploy-pier
      cancel-in-progress: false
    environment:
      name: production
      url: https://{{ repo_name }}.pier.example
    steps:
      - name: Check out
        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - name: Deploy
        env:
          PIER_TOKEN: {{ '${{ secrets.PIER_TOKEN }}' }}
        run: pipx run pier-cli push --app {{ repo_name }}
""",
    "settings.yml": """\
- name: pier_app
  kind: str
  default: ""
  env: PIER_APP
  help: Pier app name, set by Pier at run time; empty elsewhere.
""",
    "files/pier.toml.jinja": """\
app = "{{ repo_name }}"
port = 8000
health = "/health"
""",
}

PIER_ENTRY = """\
  pier:
    title: Pier
    summary: >-
      A made-up platform for the throwaway-target test: `pier.toml` and a gated deploy job.
    files: [pier.toml]
    jobs: [deploy-config, deploy]
    gate: [PIER_TOKEN]
    url: .pier.example
    app_urls: ["*.pier.example"]
    ephemeral: false
    settings: [PIER_APP]
    platform_env:
      PIER_APP: "{name}"
"""


def _template_root(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _add_to_catalog(root: Path, section: str, entry: str) -> None:
    """Append ``entry`` at the end of the catalog's top-level ``section``."""
    catalog = root / "catalog.yml"
    lines = catalog.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"{section}:\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1].isalpha()),
        len(lines),
    )
    while not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [entry]
    catalog.write_text("".join(lines), encoding="utf-8")


def _new(root: Path, dest: Path, template: str, target: str) -> Path:
    result = CliRunner().invoke(
        app,
        [
            "new",
            template,
            str(dest),
            "--source",
            str(root),
            "--deploy",
            target,
            "--domain",
            "finance",
            "--defaults",
        ],
    )
    assert result.exit_code == 0, result.output
    return dest


def test_a_ninth_target_is_a_folder_and_a_catalog_entry(tmp_path: Path) -> None:
    root = _template_root(tmp_path)
    build_file_tree(root / "_shared/deploy/pier", PIER_FOLDER)
    _add_to_catalog(root, "deploy_targets", PIER_ENTRY)
    catalog = load_catalog(root)
    assert list(catalog.deploy_targets)[-1] == "pier" and len(catalog.deploy_targets) == 9

    project = _new(root, tmp_path / "acme-pier", "rag-system", "pier")
    assert (project / "pier.toml").read_text().startswith('app = "acme-pier"\n')
    ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert ci["jobs"]["deploy"]["name"] == "Deploy to Pier"
    # The same checks as the real targets: only its files, lint-clean gated workflow with
    # pinned actions, URL, state, gate and settings in the docs.
    check_target(project, catalog, "pier", root / "_shared/deploy")

    # `scaffold check` takes the target's address as a live demo once the catalog has it.
    url = "https://acme-pier.pier.example"
    assert url in (project / "README.md").read_text()
    assert app_url_pattern(catalog).match(url)
    assert not app_url_pattern(load_catalog()).match(url)
    # And the portfolio checks pass but the two a fresh render cannot pass yet (as for the
    # real targets in the e2e): results (until `make eval`) and the owner's lessons.
    report = run_checks(project)
    failed = [r.id for r in report.results if r.status in {Status.FAIL, Status.ERROR}]
    assert failed == ["SC105", "SC106"], [(r.id, r.details) for r in report.results]


def test_a_fourth_template_is_a_folder_and_a_catalog_entry(tmp_path: Path) -> None:
    root = _template_root(tmp_path)
    toy = root / "toy"
    build_file_tree(
        toy,
        {
            "README.md.jinja": "# {{ project_name }}\n\n{{ description }}\n",
            "src/{{ project_slug }}/__init__.py.jinja": '"""{{ description }}."""\n',
        },
    )
    for stub in REQUIRED_STUBS:  # the two stubs every template carries (see CONTRIBUTING.md)
        shutil.copy(root / "ml-pipeline" / stub, toy / stub)
    _add_to_catalog(
        root,
        "templates",
        "  toy:\n    title: Toy\n    summary: >-\n      The throwaway-template test's template.\n",
    )
    assert "toy" in load_catalog(root).templates

    project = _new(root, tmp_path / "toy-repo", "toy", "fly")
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if ".git" not in p.parts)
    assert files == [
        ".copier-answers.yml",
        "README.md",
        "fly.toml",
        "src",
        "src/toy_repo",
        "src/toy_repo/__init__.py",
    ]
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["template"], answers["deploy_target"]) == ("toy", "fly")
    assert (project / "README.md").read_text().startswith("# toy-repo\n\nToy for finance\n")
    assert 'app = "toy-repo"' in (project / "fly.toml").read_text()
