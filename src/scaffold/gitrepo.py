"""Git plumbing: init, render commits with trailers, and reading them back.

Every render scaffold makes is committed as a *pristine render commit*: the template's
output and nothing else, with trailers that name the template, its version and its source.
``scaffold update`` finds these commits again by their trailers.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import GitError

TRAILER_TEMPLATE = "Scaffold-Template"
TRAILER_VERSION = "Scaffold-Version"
TRAILER_SOURCE = "Scaffold-Source"
_TRAILER_KEYS = (TRAILER_TEMPLATE, TRAILER_VERSION, TRAILER_SOURCE)
_SEP = "\x1f"


@dataclass(frozen=True)
class Identity:
    """A git author or committer."""

    name: str
    email: str


@dataclass(frozen=True)
class RenderCommit:
    """A pristine render commit and the trailers it carries."""

    sha: str
    template: str
    version: str
    source: str | None


def git(
    args: list[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> str:
    """Run ``git ARGS`` in ``cwd`` and return its stdout; raise :class:`GitError` on failure."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(args, proc.stderr or proc.stdout)
    return proc.stdout


def _configured_identity(cwd: Path) -> Identity | None:
    try:
        name = git(["config", "user.name"], cwd).strip()
        email = git(["config", "user.email"], cwd).strip()
    except GitError:
        return None
    return Identity(name, email) if name and email else None


def _identity_env(cwd: Path, author: Identity | None) -> dict[str, str]:
    """Author from ``author`` (else git config); committer from git config (else author)."""
    configured = _configured_identity(cwd)
    fallback = Identity("scaffold", "scaffold@localhost")
    author = author or configured or fallback
    committer = configured or author
    return {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
    }


def init_repo(path: Path, branch: str = "main") -> None:
    """Create an empty repository at ``path`` whose first branch is ``branch``."""
    git(["init", "--quiet", f"--initial-branch={branch}", str(path)], path.parent)


def render_message(template: str, version: str, source: str | None) -> str:
    """Return the commit message of a pristine render commit, trailers included."""
    trailers = [f"{TRAILER_TEMPLATE}: {template}", f"{TRAILER_VERSION}: {version}"]
    if source:
        trailers.append(f"{TRAILER_SOURCE}: {source}")
    return (
        f"Render {template} template {version}\n\n"
        "This commit is the template's output and nothing else. `scaffold update`\n"
        "finds it by its trailers and merges newer renders on top of it.\n\n"
        + "\n".join(trailers)
        + "\n"
    )


def commit_all(
    path: Path,
    message: str,
    *,
    author: Identity | None = None,
) -> str:
    """Stage every file under ``path`` (honouring .gitignore), commit, and return the sha."""
    git(["add", "--all"], path)
    git(
        ["commit", "--quiet", "--no-verify", "--allow-empty", "-F", "-"],
        path,
        env=_identity_env(path, author),
        stdin=message,
    )
    return head(path)


def head(path: Path) -> str:
    """Return the sha of ``HEAD``."""
    return git(["rev-parse", "HEAD"], path).strip()


def render_commits(path: Path, rev: str = "HEAD") -> list[RenderCommit]:
    """Return the pristine render commits reachable from ``rev``, newest first."""
    fmt = _SEP.join(
        ["%H", *[f"%(trailers:key={key},valueonly,separator=%x2C)" for key in _TRAILER_KEYS]]
    )
    out = git(["log", f"--format={fmt}", f"--grep=^{TRAILER_TEMPLATE}: ", rev], path)
    commits = []
    for line in out.splitlines():
        sha, template, version, source = [*line.split(_SEP), "", "", ""][:4]
        if template and version:
            commits.append(RenderCommit(sha, template.strip(), version.strip(), source or None))
    return commits
