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
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scaffold.catalog import load_catalog
from tests.helpers import deploy_pairs, pre_commit_problems, read_lock

CATALOG = load_catalog()
TEMPLATES = list(CATALOG.templates)
TARGETS = list(CATALOG.deploy_targets)
BIN = Path(sys.executable).parent
SCHEMAS = Path(__file__).parent / "schemas"
PORT = 8000
STATE_DIR = "/app/state"

#: The files each target adds; every other target's files must be absent.
TARGET_FILES: dict[str, list[str]] = {
    "docker": ["compose.yaml"],
    "hf-spaces": [],
    "streamlit-cloud": ["streamlit_app.py", "requirements.txt", ".streamlit/config.toml"],
    "cloud-run": [],
    "aws-ecs": [".aws/task-definition.json", ".aws/render-task-definition.jq"],
    "azure-container-apps": [],
    "fly": ["fly.toml"],
    "render": ["render.yaml"],
}

#: The CI jobs each target adds to ci.yml, besides test and image.
TARGET_JOBS: dict[str, set[str]] = {
    "docker": {"publish"},
    "hf-spaces": {"deploy-config", "deploy"},
    "streamlit-cloud": {"ui"},
    "cloud-run": {"deploy-config", "deploy"},
    "aws-ecs": {"deploy-config", "deploy"},
    "azure-container-apps": {"deploy-config", "deploy"},
    "fly": {"deploy-config", "deploy"},
    "render": set(),
}

#: What the deploy gate requires before it lets the deploy job run.
GATE_NAMES: dict[str, set[str]] = {
    "hf-spaces": {"HF_TOKEN", "HF_SPACE"},
    "cloud-run": {
        "GCP_PROJECT_ID",
        "GCP_REGION",
        "GCP_ARTIFACT_REPOSITORY",
        "GCP_WORKLOAD_IDENTITY_PROVIDER",
        "GCP_SERVICE_ACCOUNT",
    },
    "aws-ecs": {
        "AWS_ROLE_ARN",
        "AWS_REGION",
        "ECR_REPOSITORY",
        "ECS_CLUSTER",
        "ECS_SERVICE",
        "ECS_EXECUTION_ROLE_ARN",
    },
    "azure-container-apps": {
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_RESOURCE_GROUP",
        "AZURE_CONTAINER_REGISTRY",
        "AZURE_CONTAINER_APP",
    },
    "fly": {"FLY_API_TOKEN"},
}

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

#: Targets whose platform keeps no disk by default: the README must say state is rebuilt.
EPHEMERAL = {"hf-spaces", "streamlit-cloud", "cloud-run", "aws-ecs", "azure-container-apps"}

#: What the README must give as the app's URL pattern.
URL_PATTERNS: dict[str, str] = {
    "docker": "ghcr.io/<owner>/",
    "hf-spaces": ".hf.space",
    "streamlit-cloud": ".streamlit.app",
    "cloud-run": ".run.app",
    "aws-ecs": "<alb-dns-name>",
    "azure-container-apps": ".azurecontainerapps.io",
    "fly": ".fly.dev",
    "render": ".onrender.com",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair" in metafunc.fixturenames:
        params = deploy_pairs(bool(metafunc.config.getoption("--full-matrix")))
        metafunc.parametrize("pair", [p.values for p in params], ids=[p.id for p in params])


def _render(copie: Any, template: str, target: str) -> Path:
    result = copie.copy(
        extra_answers={
            "template": template,
            "deploy_target": target,
            "domain": "finance",
            "project_name": f"acme {target}",
        }
    )
    assert result.exit_code == 0, result.exception
    return Path(result.project_dir)


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


def test_deploy_target(copie: Any, pair: tuple[str, str]) -> None:
    """One render per pair (copier is the slow part), then every check on it."""
    template, target = pair
    project = _render(copie, template, target)
    _check_only_the_targets_files(project, target)
    _check_workflow_lints_gates_and_pins(project, target)
    _check_platform_config_matches_the_app(project, target)
    _check_docs_settings_and_env(project, target)
    if target == "cloud-run":
        _check_gcp_least_privilege(project)
    hooks = pre_commit_problems(project)
    assert not hooks, "a fresh render fails its own pre-commit hooks:\n" + "\n".join(hooks)


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


def _check_only_the_targets_files(project: Path, target: str) -> None:
    for other, files in TARGET_FILES.items():
        for rel in files:
            assert (project / rel).is_file() == (other == target), (target, rel)
    assert (project / ".aws").exists() == (target == "aws-ecs")
    assert (project / ".streamlit").exists() == (target == "streamlit-cloud")
    readme = (project / "README.md").read_text()
    assert readme.startswith("---\n") == (target == "hf-spaces")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["deploy_target"] == target


def _check_workflow_lints_gates_and_pins(project: Path, target: str) -> None:
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
    assert set(jobs) == {"test", "image", "portfolio"} | TARGET_JOBS[target]
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
    if target in GATE_NAMES:
        gate = jobs["deploy-config"]
        assert gate["permissions"] == {}
        assert "github.event.repository.default_branch" in gate["if"]
        assert "refs/tags/v" in gate["if"]
        assert set(gate["steps"][0]["env"]) == GATE_NAMES[target]
        assert jobs["deploy"]["needs"] == "deploy-config"
        assert "needs.deploy-config.outputs.ready == 'true'" in jobs["deploy"]["if"]
        assert jobs["deploy"]["concurrency"]["cancel-in-progress"] is False
    if target == "docker":
        assert "refs/tags/v" in jobs["publish"]["if"]
        assert jobs["publish"]["permissions"] == {"contents": "read", "packages": "write"}


@pytest.mark.parametrize("target", sorted(GATE_NAMES))
def test_deploy_gate_skips_with_a_notice_until_configured(
    copie: Any, tmp_path: Path, target: str
) -> None:
    """Run the gate's own script: a fresh fork (nothing set) skips, a configured repo deploys."""
    project = _render(copie, "rag-system", target)
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
            assert set(proc.stdout.split(":")[-1].split(".")[0].split()) == GATE_NAMES[target]


def _check_platform_config_matches_the_app(project: Path, target: str) -> None:
    env = _dockerfile_env(project)
    assert env["PORT"] == str(PORT) and env["APP_STATE_DIR"] == STATE_DIR
    dockerfile = (project / "Dockerfile").read_text()
    assert f"EXPOSE {PORT}" in dockerfile and "/health" in dockerfile
    assert "USER 1000:1000" in dockerfile and "chown 1000:1000 /app/state" in dockerfile
    slug = f"acme_{target}".replace("-", "_")
    assert "default=8000," in (project / f"src/{slug}/settings.py").read_text()
    assert '@app.get("/health"' in (project / f"src/{slug}/api.py").read_text()
    ci = (project / ".github/workflows/ci.yml").read_text()

    if target == "docker":
        _run(
            [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
            project,
        )
        compose = yaml.safe_load((project / "compose.yaml").read_text())
        app = compose["services"]["app"]
        assert app["ports"] == [f"{PORT}:{PORT}"] and app["environment"]["PORT"] == str(PORT)
        assert app["volumes"] == [f"state:{STATE_DIR}"] and "state" in compose["volumes"]
    elif target == "fly":
        fly = tomllib.loads((project / "fly.toml").read_text())
        _validate(fly, "fly.schema.json")
        assert fly["http_service"]["internal_port"] == PORT
        assert fly["env"]["PORT"] == str(PORT)
        assert [c["path"] for c in fly["http_service"]["checks"]] == ["/health"]
        assert fly["mounts"] == [{"source": "state", "destination": STATE_DIR}]
        assert "flyctl deploy" in ci
    elif target == "render":
        blueprint = yaml.safe_load((project / "render.yaml").read_text())
        _validate(blueprint, "render-blueprint.schema.json")
        (service,) = blueprint["services"]
        assert service["healthCheckPath"] == "/health"
        assert {"key": "PORT", "value": str(PORT)} in service["envVars"]
        assert service["disk"]["mountPath"] == STATE_DIR
        assert (project / service["dockerfilePath"]).is_file()
    elif target == "aws-ecs":
        task = json.loads((project / ".aws/task-definition.json").read_text())
        _validate_task_definition(task)
        (container,) = task["containerDefinitions"]
        assert container["portMappings"][0]["containerPort"] == PORT
        assert {"name": "PORT", "value": str(PORT)} in container["environment"]
        assert f"127.0.0.1:{PORT}/health" in " ".join(container["healthCheck"]["command"])
        assert task["requiresCompatibilities"] == ["FARGATE"]
    elif target == "hf-spaces":
        front = _front_matter((project / "README.md").read_text())
        _validate(front, "hf-space-front-matter.schema.json")
        assert front["app_port"] == PORT
    elif target == "streamlit-cloud":
        config = tomllib.loads((project / ".streamlit/config.toml").read_text())
        assert config["server"]["headless"] is True
        assert config["browser"]["gatherUsageStats"] is False
        reqs = (project / "requirements.txt").read_text().split("\n")
        assert "-r requirements/ui.txt" in reqs, "Community Cloud installs the locked UI pins"
        assert "streamlit" in read_lock(project / "requirements/ui.txt")["pins"]
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
        assert any(
            d.startswith("streamlit") for d in pyproject["project"]["optional-dependencies"]["ui"]
        )
        assert (
            "from acme_streamlit_cloud.ui import main" in (project / "streamlit_app.py").read_text()
        )
        assert ".streamlit/secrets.toml" in (project / ".gitignore").read_text().split("\n")
    elif target == "cloud-run":
        assert f"--port {PORT}" in ci
    elif target == "azure-container-apps":
        assert f"--target-port {PORT}" in (project / "README.md").read_text()


@pytest.mark.skipif(not shutil.which("jq"), reason="jq is not installed")
def test_rendered_ecs_task_definition_is_valid(copie: Any) -> None:
    """CI's render step (the committed jq filter) yields a definition ECS accepts."""
    project = _render(copie, "ml-pipeline", "aws-ecs")
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


def _check_docs_settings_and_env(project: Path, target: str) -> None:
    readme = (project / "README.md").read_text()
    deployment = " ".join(readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0].split())
    assert URL_PATTERNS[target] in deployment
    assert ("rebuilt at start-up" in deployment) == (target in EPHEMERAL)
    if target in GATE_NAMES:
        for name in GATE_NAMES[target]:
            assert name in deployment, name
        assert "skipped with a notice" in deployment
    arch = (project / "docs/architecture.md").read_text()
    section = arch.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    assert section.count("```mermaid") == 1
    env_example = (project / ".env.example").read_text()
    expected = {
        "docker": "APP_PUBLIC_URL=",
        "hf-spaces": "SPACE_ID=",
        "streamlit-cloud": "APP_PUBLIC_URL=",
        "cloud-run": "K_SERVICE=",
        "aws-ecs": "ECS_CONTAINER_METADATA_URI_V4=",
        "azure-container-apps": "CONTAINER_APP_NAME=",
        "fly": "FLY_APP_NAME=",
        "render": "RENDER_EXTERNAL_URL=",
    }[target]
    assert expected in env_example
    assert expected.rstrip("=") in readme


def test_scaffold_list_shows_every_target() -> None:
    from typer.testing import CliRunner

    from scaffold.cli import app

    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0
    for key, target in CATALOG.deploy_targets.items():
        assert key in result.stdout
        assert target.summary.split()[0] in result.stdout
    assert len(TARGETS) == 8
