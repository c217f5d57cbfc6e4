"""Every template x every deployment target renders a deployable, self-consistent repo.

Offline proof per pair: only the target's files are rendered; workflows pass actionlint and
``zizmor --offline`` and every ``steps.<id>`` / ``needs.<job>`` they reference exists; the
deploy gate skips with a notice until configured; actions are pinned to confirmed commits;
the Dockerfile passes hadolint; each platform file parses and validates against its schema
(the compose spec vendored by check-jsonschema, botocore's ECS model, and the small schemas
in ``schemas/``); the port, health path and state directory agree across the Dockerfile, the
platform file and the app. Serving ``/health`` from the entry command is in
``tests/e2e/test_deploy_targets.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scaffold.catalog import Catalog, DeployTarget, load_catalog
from tests.helpers import deploy_pairs, pre_commit_problems, read_lock
from tests.templates.conftest import SharedRender, private_copy

CATALOG = load_catalog()
TEMPLATES = list(CATALOG.templates)
TARGETS = list(CATALOG.deploy_targets)
BIN = Path(sys.executable).parent
SCHEMAS = Path(__file__).parent / "schemas"
PORT = 8000
STATE_DIR = "/app/state"

#: Each target's folder: its readme section, architecture fragment, CI job, settings and
#: platform files (see the comment above ``deploy_targets`` in templates/catalog.yml).
DEPLOY = Path(__file__).parents[2] / "templates/_shared/deploy"

#: Every action a template may use, pinned to the commit its release tag points to (checked in
#: the action's own git repository; azure/login's could not be re-checked in this round).
#: Anything else must be a `run:` step.
PINNED_ACTIONS: dict[str, tuple[str, str]] = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "google-github-actions/auth": ("7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
    "aws-actions/configure-aws-credentials": (
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
        "v6.2.3",
    ),
    "aws-actions/amazon-ecr-login": ("03f1aad4c6c7ffd436567f42f9384779290529bd", "v2.1.7"),
    "azure/login": ("a65d910e8af852a8061c627c456678983e180302", "v2.2.0"),
    # flyctl-actions tags its releases without a "v" (1.6; v1 is the moving major).
    "superfly/flyctl-actions/setup-flyctl": (
        "ed8efb33836e8b2096c7fd3ba1c8afe303ebbff1",
        "1.6",
    ),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair" in metafunc.fixturenames:
        params = deploy_pairs(bool(metafunc.config.getoption("--full-matrix")))
        metafunc.parametrize("pair", [p.values for p in params], ids=[p.id for p in params])


def _render(shared_render: SharedRender, template: str, target: str) -> Path:
    """The render of ``template`` for ``target`` (shared, read-only: tests/templates/conftest)."""
    answers = {
        "template": template,
        "deploy_target": target,
        "domain": "finance",
        "project_name": f"acme {target}",
    }
    return shared_render(answers)


def _pair_template(target: str) -> str:
    """The template the curated pairs render ``target`` with: tests that only read a target's
    shared files take that render (one render for both)."""
    return next(str(p.values[0]) for p in deploy_pairs(False) if p.values[1] == target)


def _tool(name: str) -> str:
    exe = BIN / name
    found = str(exe) if exe.exists() else shutil.which(name)
    assert found, f"{name} is not installed"
    return found


def _run(args: list[str], cwd: Path) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{args[0]}:\n{proc.stdout}\n{proc.stderr}"


def _dockerfile_env(project: Path) -> dict[str, str]:
    text = (project / "Dockerfile").read_text().replace("\\\n", " ")
    runtime = text[text.index("AS runtime") :]
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", runtime, flags=re.M):
        env.update(dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line)))
    return {k: v.strip('"') for k, v in env.items()}


def _validate(instance: Any, schema_file: str) -> None:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(instance)]
    assert errors == [], errors


def _front_matter(readme: str) -> dict[str, Any]:
    match = re.match(r"^---\n(.*?)\n---\n", readme, flags=re.S)
    assert match, "the README starts with YAML front matter"
    data: dict[str, Any] = yaml.safe_load(match.group(1))
    return data


def _ecs_shape() -> Any:
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def _validate_task_definition(task: dict[str, Any]) -> None:
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(task, _ecs_shape())
    assert not report.has_errors(), report.generate_report()


def _check_steps_and_needs(workflow: dict[str, Any]) -> None:
    jobs: dict[str, Any] = workflow["jobs"]
    for name, job in jobs.items():
        text = json.dumps(job)
        ids = {s["id"] for s in job.get("steps", []) if "id" in s}
        for ref in re.findall(r"steps\.([\w-]+)\.", text):
            assert ref in ids, f"job {name} references steps.{ref}, which it does not have"
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        for need in needs:
            assert need in jobs, f"job {name} needs {need}, which does not exist"
        for ref, output in re.findall(r"needs\.([\w-]+)\.outputs\.([\w-]+)", text):
            assert ref in needs, f"job {name} reads needs.{ref} without needing it"
            assert output in jobs[ref].get("outputs", {}), f"{ref} has no output {output}"


def test_deploy_target(shared_render: SharedRender, tmp_path: Path, pair: tuple[str, str]) -> None:
    """One render per pair (copier is the slow part), then every check on it."""
    template, target = pair
    project = _render(shared_render, template, target)
    check_target(project, CATALOG, target, DEPLOY)
    if target == "cloud-run":
        _check_gcp_least_privilege(project)
    hooks = pre_commit_problems(private_copy(project, tmp_path))
    assert not hooks, "a fresh render fails its own pre-commit hooks:\n" + "\n".join(hooks)


def check_target(project: Path, catalog: Catalog, target: str, deploy: Path) -> None:
    """Everything the catalog entry and the folder ``deploy/<target>`` say the render has."""
    _check_only_the_targets_files(project, catalog, target, deploy)
    _check_workflow_lints_gates_and_pins(project, catalog.deploy_targets[target])
    _check_platform_config_matches_the_app(project, catalog.deploy_targets[target], deploy)
    _check_docs_settings_and_env(project, catalog.deploy_targets[target], deploy)


def _check_gcp_least_privilege(project: Path) -> None:
    """Only the production deploy job gets a token, and CI's roles are on single resources."""
    readme = (project / "README.md").read_text()
    setup = readme[readme.index("PROJECT_ID=my-project") :]
    setup = setup[: setup.index("```")]
    assert 'SUBJECT="repo:$GITHUB_REPO:environment:production"' in setup
    assert "--attribute-condition \"assertion.sub == '$SUBJECT'\"" in setup
    assert "principal://iam.googleapis.com/$POOL/subject/$SUBJECT" in setup
    assert "principalSet://" not in setup, "a binding for the whole repository, not its job"
    assert "gcloud projects add-iam-policy-binding" not in setup, "a project-wide role"
    assert "roles/run.admin" not in setup
    for scoped in (
        "gcloud run services add-iam-policy-binding",
        "gcloud artifacts repositories add-iam-policy-binding",
        'gcloud iam service-accounts add-iam-policy-binding "$RUN_SA"',
    ):
        assert scoped in setup, scoped
    ci = (project / ".github/workflows/ci.yml").read_text()
    assert "--allow-unauthenticated" not in ci, "the deploy job sets no IAM policy"


def _check_only_the_targets_files(
    project: Path, catalog: Catalog, target: str, deploy: Path
) -> None:
    own = catalog.deploy_targets[target].files
    for other in catalog.deploy_targets.values():
        for rel in other.files:
            assert (project / rel).is_file() == (rel in own), (target, rel)
            top = Path(rel).parts[0]
            if top != rel:  # a folder only this target's files live in (.aws, .streamlit)
                assert (project / top).exists() == any(f.startswith(f"{top}/") for f in own)
    readme = (project / "README.md").read_text()
    assert readme.startswith("---\n") == (deploy / target / "front-matter.md.jinja").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["deploy_target"] == target


def _check_workflow_lints_gates_and_pins(project: Path, spec: DeployTarget) -> None:
    ci = project / ".github/workflows/ci.yml"
    _run([_tool("actionlint"), str(ci)], project)
    _run([_tool("zizmor"), "--offline", "--min-severity", "low", str(ci)], project)
    _run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(ci)], project
    )
    _run([_tool("hadolint"), "Dockerfile"], project)

    text = ci.read_text()
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "image", "portfolio", *spec.jobs}
    _check_steps_and_needs(workflow)

    uses = re.findall(r"uses: ([\w./-]+)@(\S+) # (v?[\d.]+)\n", text)
    assert len(uses) == text.count("uses:"), "every action is pinned with a version comment"
    for action, sha, version in uses:
        assert PINNED_ACTIONS.get(action) == (sha, version), f"unconfirmed pin {action}@{sha}"

    for name, job in jobs.items():
        perms = job.get("permissions", {})
        if "id-token" in perms:
            assert name == "deploy" and perms["id-token"] == "write"
            assert job.get("environment") == "production"
        assert "write" not in {v for k, v in perms.items() if k not in {"id-token", "packages"}}
    if spec.gate:
        gate = jobs["deploy-config"]
        assert gate["permissions"] == {}
        assert "github.event.repository.default_branch" in gate["if"]
        assert "refs/tags/v" in gate["if"]
        assert set(gate["steps"][0]["env"]) == set(spec.gate)
        assert jobs["deploy"]["needs"] == "deploy-config"
        assert "needs.deploy-config.outputs.ready == 'true'" in jobs["deploy"]["if"]
        assert jobs["deploy"]["concurrency"]["cancel-in-progress"] is False
    if "publish" in jobs:
        assert "refs/tags/v" in jobs["publish"]["if"]
        assert jobs["publish"]["permissions"] == {"contents": "read", "packages": "write"}


@pytest.mark.parametrize("target", sorted(t for t in TARGETS if CATALOG.deploy_targets[t].gate))
def test_deploy_gate_skips_with_a_notice_until_configured(
    shared_render: SharedRender, tmp_path: Path, target: str
) -> None:
    """Run the gate's own script: a fresh fork (nothing set) skips, a configured repo deploys."""
    project = _render(shared_render, _pair_template(target), target)
    step = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"][
        "deploy-config"
    ]["steps"][0]
    bash = shutil.which("bash")
    assert bash
    for configured in (False, True):
        output = tmp_path / f"output-{configured}"
        output.write_text("")
        env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output)}
        env.update(dict.fromkeys(step["env"], "set" if configured else ""))
        proc = subprocess.run(
            [bash, "-e", "-c", step["run"]], env=env, capture_output=True, text=True, check=True
        )
        assert output.read_text() == f"ready={'true' if configured else 'false'}\n"
        if configured:
            assert proc.stdout == ""
        else:
            assert proc.stdout.startswith("::notice title=Deploy skipped::Not configured:")
            assert set(proc.stdout.split(":")[-1].split(".")[0].split()) == set(
                CATALOG.deploy_targets[target].gate
            )


def _slug(project: Path) -> str:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return str(answers["project_slug"])


def _check_platform_config_matches_the_app(project: Path, spec: DeployTarget, deploy: Path) -> None:
    env = _dockerfile_env(project)
    assert env["PORT"] == str(PORT) and env["APP_STATE_DIR"] == STATE_DIR
    dockerfile = (project / "Dockerfile").read_text()
    assert f"EXPOSE {PORT}" in dockerfile and "/health" in dockerfile
    assert "USER 1000:1000" in dockerfile and "chown 1000:1000 /app/state" in dockerfile
    slug = _slug(project)
    assert "default=8000," in (project / f"src/{slug}/settings.py").read_text()
    assert '@app.get("/health"' in (project / f"src/{slug}/api.py").read_text()
    for rel in spec.files:
        if rel in PLATFORM_FILE_CHECKS:
            PLATFORM_FILE_CHECKS[rel](project)
    readme = (project / "README.md").read_text()
    if readme.startswith("---\n"):  # README front matter: a Hugging Face Space's card
        front = _front_matter(readme)
        _validate(front, "hf-space-front-matter.schema.json")
        assert front["app_port"] == PORT
    gitignore = deploy / spec.key / "gitignore.jinja"
    if gitignore.is_file():
        ignored = (project / ".gitignore").read_text().split("\n")
        for line in gitignore.read_text().split("\n"):
            assert not line or line.startswith("#") or line in ignored, line
    for rel, texts in spec.mentions.items():
        text = (project / rel).read_text()
        for expected in texts:
            assert expected in text, (rel, expected)


def _check_compose(project: Path) -> None:
    _run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        project,
    )
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    app = compose["services"]["app"]
    assert app["ports"] == [f"{PORT}:{PORT}"] and app["environment"]["PORT"] == str(PORT)
    assert app["volumes"] == [f"state:{STATE_DIR}"] and "state" in compose["volumes"]


def _check_fly(project: Path) -> None:
    fly = tomllib.loads((project / "fly.toml").read_text())
    _validate(fly, "fly.schema.json")
    assert fly["http_service"]["internal_port"] == PORT
    assert fly["env"]["PORT"] == str(PORT)
    assert [c["path"] for c in fly["http_service"]["checks"]] == ["/health"]
    assert fly["mounts"] == [{"source": "state", "destination": STATE_DIR}]


def _check_render_blueprint(project: Path) -> None:
    blueprint = yaml.safe_load((project / "render.yaml").read_text())
    _validate(blueprint, "render-blueprint.schema.json")
    (service,) = blueprint["services"]
    assert service["healthCheckPath"] == "/health"
    assert {"key": "PORT", "value": str(PORT)} in service["envVars"]
    assert service["disk"]["mountPath"] == STATE_DIR
    assert (project / service["dockerfilePath"]).is_file()


def _check_ecs_task(project: Path) -> None:
    task = json.loads((project / ".aws/task-definition.json").read_text())
    _validate_task_definition(task)
    (container,) = task["containerDefinitions"]
    assert container["portMappings"][0]["containerPort"] == PORT
    assert {"name": "PORT", "value": str(PORT)} in container["environment"]
    assert f"127.0.0.1:{PORT}/health" in " ".join(container["healthCheck"]["command"])
    assert task["requiresCompatibilities"] == ["FARGATE"]


def _check_streamlit_config(project: Path) -> None:
    config = tomllib.loads((project / ".streamlit/config.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False


def _check_streamlit_requirements(project: Path) -> None:
    reqs = (project / "requirements.txt").read_text().split("\n")
    assert "-r requirements/ui.txt" in reqs, "Community Cloud installs the locked UI pins"
    assert "streamlit" in read_lock(project / "requirements/ui.txt")["pins"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert any(
        d.startswith("streamlit") for d in pyproject["project"]["optional-dependencies"]["ui"]
    )


def _check_streamlit_app(project: Path) -> None:
    app = (project / "streamlit_app.py").read_text()
    assert f"from {_slug(project)}.ui import main" in app


#: How each kind of platform file is validated (its schema) and checked against the app's
#: port, health path and state directory, by its path in the generated repo.
PLATFORM_FILE_CHECKS: dict[str, Callable[[Path], None]] = {
    "compose.yaml": _check_compose,
    "fly.toml": _check_fly,
    "render.yaml": _check_render_blueprint,
    ".aws/task-definition.json": _check_ecs_task,
    ".streamlit/config.toml": _check_streamlit_config,
    "requirements.txt": _check_streamlit_requirements,
    "streamlit_app.py": _check_streamlit_app,
}


@pytest.mark.skipif(not shutil.which("jq"), reason="jq is not installed")
def test_rendered_ecs_task_definition_is_valid(shared_render: SharedRender) -> None:
    """CI's render step (the committed jq filter) yields a definition ECS accepts."""
    project = _render(shared_render, _pair_template("aws-ecs"), "aws-ecs")
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-aws-ecs:abc123"
    role = "arn:aws:iam::123456789012:role/acme-aws-ecs-execution"
    for efs in ["", "fs-0123456789abcdef0:fsap-0123456789abcdef0"]:
        proc = subprocess.run(
            [
                "jq",
                "--arg",
                "image",
                image,
                "--arg",
                "role",
                role,
                "--arg",
                "region",
                "eu-west-1",
                "--arg",
                "efs",
                efs,
                "-f",
                ".aws/render-task-definition.jq",
                ".aws/task-definition.json",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        task = json.loads(proc.stdout)
        _validate_task_definition(task)
        (container,) = task["containerDefinitions"]
        assert container["image"] == image and task["executionRoleArn"] == role
        assert container["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"
        if efs:
            (volume,) = task["volumes"]
            config = volume["efsVolumeConfiguration"]
            assert config["fileSystemId"] == "fs-0123456789abcdef0"
            assert config["authorizationConfig"]["accessPointId"] == "fsap-0123456789abcdef0"
            assert container["mountPoints"][0]["containerPath"] == STATE_DIR
        else:
            assert "volumes" not in task and "mountPoints" not in container


def _check_docs_settings_and_env(project: Path, spec: DeployTarget, deploy: Path) -> None:
    readme = (project / "README.md").read_text()
    deployment = " ".join(readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0].split())
    assert spec.url and spec.url in deployment
    assert ("rebuilt at start-up" in deployment) == spec.ephemeral
    for name in spec.gate:
        assert name in deployment, name
    assert ("skipped with a notice" in deployment) == bool(spec.gate)
    arch = (project / "docs/architecture.md").read_text()
    section = arch.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    assert section.count("```mermaid") == 1
    # The target's settings (its folder's settings.yml) reach .env.example and the README.
    env_example = (project / ".env.example").read_text()
    settings = yaml.safe_load((deploy / spec.key / "settings.yml").read_text()) or []
    variables = [s.get("env") or f"APP_{s['name'].upper()}" for s in settings]
    assert variables == list(spec.settings), f"deploy/{spec.key}/settings.yml against the catalog"
    for variable in spec.settings:
        assert f"{variable}=" in env_example, variable
        assert variable in readme, variable


def test_scaffold_list_shows_every_target() -> None:
    from typer.testing import CliRunner

    from scaffold.cli import app

    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0
    for key, target in CATALOG.deploy_targets.items():
        assert key in result.stdout
        assert target.summary.split()[0] in result.stdout


def test_each_target_is_one_folder_and_one_catalog_entry() -> None:
    """The catalog's targets are the folders under deploy/; each folder has every part."""
    folders = {p.name for p in DEPLOY.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(TARGETS)
    for key, spec in CATALOG.deploy_targets.items():
        for part in ("readme.md.jinja", "architecture.md.jinja", "workflow.yml.jinja"):
            assert (DEPLOY / key / part).is_file(), f"deploy/{key}/{part}"
        files = DEPLOY / key / "files"
        found = {
            str(p.relative_to(files)).removesuffix(".jinja")
            for p in files.rglob("*")
            if p.is_file()
        }
        assert found == set(spec.files), f"deploy/{key}/files/ against the catalog's files"
        assert spec.url and spec.title and spec.summary


#: A one-line file of a template tree that only includes a ``_shared`` file.
_STUB = re.compile(r"\{%-? include [\"']_shared/[^\n]*%\}\n?")
#: The stubs a template cannot work without: its platform files and its answers file.
REQUIRED_STUBS = (
    "{% yield deploy_file from deploy_files %}{{ deploy_file }}{% endyield %}.jinja",
    "{{_copier_conf.answers_file}}.jinja",
)


def _stubs(template: Path) -> dict[str, str]:
    found = {}
    for path in template.rglob("*"):
        if path.is_file() and path.stat().st_size < 300:
            text = path.read_text(encoding="utf-8", errors="replace")
            if _STUB.fullmatch(text):
                found[str(path.relative_to(template))] = text
    return found


def test_the_templates_stubs_are_identical() -> None:
    """Stub parity: a stub path means the same include in every template that has it."""
    stubs = {key: _stubs(DEPLOY.parents[1] / key) for key in TEMPLATES}
    for key, found in stubs.items():
        for required in REQUIRED_STUBS:
            assert required in found, f"templates/{key}/{required}"
    paths = {path for found in stubs.values() for path in found}
    for path in sorted(paths):
        versions = {found[path] for found in stubs.values() if path in found}
        assert len(versions) == 1, f"{path} differs between templates: {versions}"
