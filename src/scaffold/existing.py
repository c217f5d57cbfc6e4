"""``scaffold new ai-feature PATH --data host_app=existing``: add a render to an existing repo.

The existing project must be the root of a clean git work tree. The template is rendered into
a hidden staging directory and committed there as a pristine render commit with no parent and
the usual trailers; that commit is fetched into the project and merged with
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
from pathlib import Path
from typing import Any

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
    render_message,
    resolve_commit,
    toplevel,
)
from scaffold.sources import BUNDLED, TemplateSource

_NAME = re.compile(r"[^A-Za-z0-9 _-]+")
_PYTHONS = ("3.11", "3.12", "3.13")
_MIN_PYTHON = re.compile(r">=\s*(3)\.(\d+)")


def host_defaults(project: Path) -> dict[str, str]:
    """Pre-fill the project name and Python version from the host's ``pyproject.toml``.

    Returns an empty mapping for a project without a readable ``[project]`` table.
    """
    try:
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("project")
    if not isinstance(table, dict):
        return {}
    found: dict[str, str] = {}
    name = _NAME.sub("-", str(table.get("name") or "")).strip(" _-")
    if name and name[0].isalpha():
        found["project_name"] = name[:64]
    if m := _MIN_PYTHON.search(str(table.get("requires-python") or "")):
        wanted = f"{m[1]}.{m[2]}"
        # The feature needs 3.11+; an older host floor still gets the oldest supported one.
        found["python_version"] = wanted if wanted in _PYTHONS else _PYTHONS[0]
        if int(m[2]) > int(_PYTHONS[-1].split(".")[1]):
            found["python_version"] = _PYTHONS[-1]
    return found


def check_host(dest: Path) -> str:
    """Require ``dest`` to be the root of a clean git work tree with a commit; return HEAD."""
    if not dest.is_dir():
        raise ExistingProjectError(
            f"{dest} is not a directory",
            "host_app=existing adds the feature to an existing project: pass its path",
        )
    root = toplevel(dest)
    if root is None or root.resolve() != dest.resolve():
        raise ExistingProjectError(
            f"{dest} is not the root of a git work tree",
            "run `git init` and commit the project first, then pass the repository's root",
        )
    sha = resolve_commit(dest, "HEAD")
    if sha is None:
        raise ExistingProjectError(f"{dest} has no commits", "commit the project first")
    operation = operation_in_progress(dest)
    if operation:
        raise ExistingProjectError(
            f"{operation} is in progress in {dest}", "finish or abort it, then run scaffold again"
        )
    dirty = dirty_paths(dest)
    if dirty:
        raise DirtyWorkTreeError(dirty, command="scaffold new")
    return sha


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
) -> str:
    """Commit the staged render as a root commit, merge it into ``dest``; return its sha."""
    template = str(recorded["template"])
    init_repo(project)
    render = commit_all(
        project,
        render_message(template, source.version, None if source.spec == BUNDLED else source.record),
        author=author,
    )
    before = head(dest)
    files = rendered_files(project)
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
