"""Add a render to an existing repo: a template whose catalog entry ``joins_existing``.

For example ``scaffold new ai-feature PATH --data host_app=existing``. The existing project
must be in a clean git work tree (its root, or a folder of a monorepo). The template is
rendered into a hidden staging directory and committed there as a pristine render commit with
no parent and the usual trailers; that commit is fetched into the project and merged with
``--allow-unrelated-histories``. The render commit's tree is the template's output and nothing
else, so ``scaffold update`` finds it by its trailers and merges newer renders exactly as it
does for a repo made by ``scaffold new``.

No file of the project is ever overwritten or changed: a rendered path that already exists
stops the command before anything is written. A failure or an interrupt after the merge has
started resets the branch to where it was and removes the files the merge added.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

from scaffold.catalog import Template
from scaffold.errors import DirtyWorkTreeError, ExistingProjectError
from scaffold.gitrepo import (
    Identity,
    commit_all,
    dirty_paths,
    git,
    git_run,
    head,
    init_repo,
    merge,
    operation_in_progress,
    resolve_commit,
    toplevel,
)
from scaffold.project import is_answers_file, render_commit_message
from scaffold.sources import TemplateSource

_NAME = re.compile(r"[^A-Za-z0-9 _-]+")
#: Package names the template refuses as a project slug.
_RESERVED = {"test", "tests", "app", "src"}
_PYTHONS = ("3.11", "3.12", "3.13")
#: The feature's own floor (``X | None`` in pydantic models needs 3.10).
_FEATURE_FLOOR = 10
_MIN_PYTHON = re.compile(r"(?:>=|\^|~=|~|==)\s*(3)\.(\d+)")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}
#: Framework markers, strongest first: Django projects often import Flask-like helpers, etc.
_FRAMEWORKS = (
    ("django", re.compile(r"^\s*(?:from|import)\s+django\b", re.M)),
    ("fastapi", re.compile(r"^\s*(?:from|import)\s+fastapi\b", re.M)),
    ("flask", re.compile(r"^\s*(?:from|import)\s+flask\b", re.M)),
)
#: Where each framework's app is built: the file the wiring lines go into (Django: settings).
_ENTRY = {
    "fastapi": re.compile(r"^\s*\w+\s*(?::\s*\w+\s*)?=\s*(?:fastapi\.)?FastAPI\(", re.M),
    "flask": re.compile(r"^def create_app\(|^\s*\w+\s*=\s*(?:flask\.)?Flask\(", re.M),
    "django": re.compile(r"^ROOT_URLCONF\s*=\s*[\"']([\w.]+)[\"']", re.M),
}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", re.M)


def host_defaults(project: Path, *, skip: str = "") -> dict[str, str]:
    """Pre-fill name, framework, installer and Python floor from what the host shows.

    The name and floor come from ``pyproject.toml`` (PEP 621 or Poetry tables), the framework
    from the declared dependencies (``pyproject.toml``, ``requirements*.txt``) or else the
    imports of the host's modules, the installer from lock files here or up to the git root.
    The answers are the ``host_*`` questions of a template that joins a project, plus its name
    and Python version; ``skip`` names the folder the addition lands in (not the host's code).
    """
    data = _pyproject(project)
    table = data.get("project")
    table = table if isinstance(table, dict) else {}
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    poetry = poetry if isinstance(poetry, dict) else {}
    found: dict[str, str] = {
        "host_framework": detect_framework(project, data),
        "host_installer": detect_installer(project, data),
        "host_layout": detect_layout(project),
    }
    found.update(detect_entry(project, found["host_framework"], skip=skip))
    declared = str(table.get("name") or poetry.get("name") or "") or project.resolve().name
    name = _NAME.sub("-", declared).strip(" _-")
    if name.lower().replace("-", "_") in _RESERVED:
        # The full-stack FastAPI template's backend is called "app": name it after its repo.
        name = _NAME.sub("-", f"{project.resolve().parent.name}-{name}").strip(" _-")
    if name and name[0].isalpha():
        found["project_name"] = name[:64]
    deps = poetry.get("dependencies")
    poetry_python = deps.get("python") if isinstance(deps, dict) else ""
    floor = str(table.get("requires-python") or poetry_python or "")
    if m := _MIN_PYTHON.search(floor):
        minor = max(int(m[2]), _FEATURE_FLOOR)
        found["host_python"] = f"3.{minor}"
        wanted = f"3.{minor}"
        # The sample app's own files (CI, image) need 3.11+; the feature follows the host.
        found["python_version"] = wanted if wanted in _PYTHONS else _PYTHONS[0]
        if minor > int(_PYTHONS[-1].split(".")[1]):
            found["python_version"] = _PYTHONS[-1]
    return found


def _pyproject(project: Path) -> dict[str, Any]:
    try:
        return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _declared(project: Path, data: dict[str, Any]) -> set[str]:
    """Lower-case names of the dependencies the host declares."""
    specs: list[str] = []
    table = data.get("project")
    if isinstance(table, dict):
        specs += [str(d) for d in table.get("dependencies") or []]
        for extra in (table.get("optional-dependencies") or {}).values():
            specs += [str(d) for d in extra]
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        specs += [str(k) for k in poetry.get("dependencies") or {}]
    for req in sorted(project.glob("requirements*.txt")) + sorted(
        project.glob("requirements/*.txt")
    ):
        try:
            specs += req.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
    names = set()
    for spec in specs:
        if (m := _REQUIREMENT.match(spec)) and not spec.lstrip().startswith(("#", "-")):
            names.add(m[1].lower().replace("_", "-"))
    return names


def detect_framework(project: Path, data: dict[str, Any] | None = None) -> str:
    """``django``, ``fastapi``, ``flask`` or ``python`` for the host at ``project``."""
    declared = _declared(project, _pyproject(project) if data is None else data)
    if (project / "manage.py").is_file():
        return "django"
    for name, _pattern in _FRAMEWORKS:
        if name in declared:
            return name
    texts = [_read(p) for p in _modules(project, limit=400)]
    for name, pattern in _FRAMEWORKS:
        if any(pattern.search(t) for t in texts):
            return name
    return "python"


def detect_layout(project: Path) -> str:
    """``src`` when the host's packages live under ``src/``, else ``flat``."""
    src = project / "src"
    if src.is_dir() and any((d / "__init__.py").is_file() for d in src.iterdir() if d.is_dir()):
        return "src"
    return "flat"


def detect_entry(project: Path, framework: str, *, skip: str = "") -> dict[str, str]:
    """The module where the host builds its app (``host_entry``), and Django's root URLconf.

    Paths are relative to the host, with ``/``; empty when nothing matches (the guide then
    says where to look instead of naming a file). Tests and the folder ``skip`` are skipped.
    """
    skipped = {"tests", "test", skip} - {""}
    pattern = _ENTRY.get(framework)
    if pattern is None:
        return {}
    for path in _modules(project, limit=400):
        rel = path.relative_to(project)
        if skipped & set(rel.parts) or rel.name.startswith("test_"):
            continue
        match = pattern.search(_read(path))
        if match is None:
            continue
        found = {"host_entry": rel.as_posix()}
        if framework == "django":
            urls = PurePosixPath(*match[1].split(".")).with_suffix(".py")
            for base in (PurePosixPath(), PurePosixPath("src")):
                if (project / base / urls).is_file():
                    found["host_urls"] = (base / urls).as_posix()
        return found
    return {}


def detect_installer(project: Path, data: dict[str, Any] | None = None) -> str:
    """``uv``, ``poetry`` or ``pip``: the host's lock file or tool table, or its uv workspace.

    A folder above the host counts only when it declares a uv workspace: the root of a
    monorepo that merely uses uv for itself (the Flask repository and its tutorial app) does
    not make the app a uv project.
    """
    here = project.resolve()
    table = _pyproject(here) if data is None else data
    tool = table.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    if (here / "uv.lock").is_file() or "uv" in tool:
        return "uv"
    if (here / "poetry.lock").is_file() or "poetry" in tool:
        return "poetry"
    top = toplevel(project)
    folder = here
    while top is not None and folder != top.resolve() and folder.parent != folder:
        folder = folder.parent
        uv = _pyproject(folder).get("tool", {}).get("uv", {})
        if isinstance(uv, dict) and "workspace" in uv:
            return "uv"
    return "pip"


def _modules(project: Path, *, limit: int) -> list[Path]:
    found: list[Path] = []
    for path in sorted(project.rglob("*.py")):
        if _SKIP_DIRS & set(path.relative_to(project).parts):
            continue
        found.append(path)
        if len(found) >= limit:
            break
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def check_join_kept(
    template: Template | None, recorded: dict[str, Any], data: dict[str, Any]
) -> None:
    """Refuse an update that changes an answer deciding whether ``template`` joins a project.

    The two modes own different files: switching would delete the addition from the host or
    scatter a new project's files over it.
    """
    if template is None:
        return
    for question in template.joins_existing:
        if question in data and question in recorded and data[question] != recorded[question]:
            raise ExistingProjectError(
                f"{question} cannot change from {recorded[question]} to {data[question]}"
                " in an update",
                f"render the other mode into a new directory with `scaffold new {template.key}`"
                " instead",
            )


def check_host(dest: Path) -> str:
    """Require ``dest`` in a clean git work tree with a commit; return its folder in the repo.

    ``dest`` may be the repository's root (returns ``""``) or a folder inside it, such as the
    ``backend/`` of a monorepo (returns ``"backend"``); the whole work tree must be clean.
    """
    if not dest.is_dir():
        raise ExistingProjectError(
            f"{dest} is not a directory",
            "pass the path of the existing project",
        )
    root = toplevel(dest)
    if root is None:
        raise ExistingProjectError(
            f"{dest} is not inside a git work tree",
            "run `git init` and commit the project first, then pass its path",
        )
    if resolve_commit(dest, "HEAD") is None:
        raise ExistingProjectError(f"{dest} has no commits", "commit the project first")
    operation = operation_in_progress(dest)
    if operation:
        raise ExistingProjectError(
            f"{operation} is in progress in {dest}", "finish or abort it, then run scaffold again"
        )
    dirty = dirty_paths(dest)
    if dirty:
        raise DirtyWorkTreeError(dirty, command="scaffold new")
    prefix = dest.resolve().relative_to(root.resolve()).as_posix()
    return "" if prefix == "." else prefix


def feature_prefix(repo: Path, render: str) -> str:
    """The folder of the repo a render commit put its files in (``""``: the root).

    It is the folder of the render's answers file: a render added to ``backend/`` of a
    monorepo holds ``backend/.copier-answers.ai-feature.yml``.
    """
    names = git(["ls-tree", "-r", "--name-only", render], repo).splitlines()
    found = [PurePosixPath(n) for n in names if is_answers_file(PurePosixPath(n).name)]
    if not found:
        return ""
    parent = min(found, key=lambda p: len(p.parts)).parent
    return "" if parent == PurePosixPath(".") else parent.as_posix()


def rendered_files(project: Path) -> list[str]:
    """The files of a render, relative and sorted, without its ``.git``."""
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(project).parts
    )


def check_no_collisions(dest: Path, files: list[str]) -> None:
    """Refuse a render that would overwrite anything in ``dest`` (ignored files included)."""
    taken = [f for f in files if (dest / f).exists() or (dest / f).is_symlink()]
    if taken:
        shown = ", ".join(taken[:10]) + (" ..." if len(taken) > 10 else "")
        raise ExistingProjectError(
            f"the feature would overwrite files of the project: {shown}",
            "move or rename them (nothing was written), then run scaffold again",
        )


def add_render(
    dest: Path,
    project: Path,
    source: TemplateSource,
    recorded: dict[str, Any],
    author: Identity | None,
    prefix: str = "",
) -> str:
    """Commit the staged render as a root commit, merge it into ``dest``; return its sha.

    ``prefix`` is ``dest``'s folder in its repository: the render commit holds the files
    under it, so that it merges into the repository's root tree.
    """
    template = str(recorded["template"])
    files = rendered_files(project)
    if prefix:
        moved = project / prefix
        for rel in {Path(f).parts[0] for f in files}:
            target = moved / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            (project / rel).rename(target)
    init_repo(project)
    tree = None
    if prefix:
        # The render's own tree is the folder's: `scaffold update` verifies it there.
        git(["add", "--all"], project)
        tree = git(["write-tree", f"--prefix={prefix}/"], project).strip()
    render = commit_all(
        project,
        render_commit_message(template, source, tree=tree, path=prefix),
        author=author,
    )
    before = head(dest)
    try:
        git(["fetch", "--quiet", "--no-tags", str(project), "HEAD"], dest)
        conflicts = merge(
            dest, render, f"Add the {template} template {source.version}", unrelated=True
        )
        if conflicts:
            raise ExistingProjectError(
                "git could not merge the feature into the project",
                "report this as a bug; the project was left as it was",
            )
    except BaseException:
        _restore(dest, before, files)
        raise
    return render


def _restore(dest: Path, before: str, files: list[str]) -> None:
    """Undo a merge that failed or was interrupted: the branch and work tree as they were."""
    git_run(["merge", "--abort"], dest)
    git_run(["reset", "--quiet", "--hard", before], dest)
    for rel in files:
        path = dest / rel
        if path.is_file() and git_run(["ls-files", "--error-unmatch", rel], dest).returncode:
            path.unlink()
    for folder in sorted({p for rel in files for p in Path(rel).parents}, reverse=True):
        path = dest / folder
        if folder != Path() and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
