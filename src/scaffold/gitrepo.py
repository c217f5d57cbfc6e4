"""Git plumbing: init, render commits with trailers, reading them back, worktrees and merges.

Every render scaffold makes is committed as a *pristine render commit*: the template's
output and nothing else, with trailers that name the template, its version and its source.
``scaffold update`` finds these commits again by their trailers, renders the new version in a
temporary worktree and merges it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import GitError

TRAILER_TEMPLATE = "Scaffold-Template"
TRAILER_VERSION = "Scaffold-Version"
TRAILER_SOURCE = "Scaffold-Source"
TRAILER_TREE = "Scaffold-Tree"
TRAILER_PATH = "Scaffold-Path"
_TRAILER_KEYS = (TRAILER_TEMPLATE, TRAILER_VERSION, TRAILER_SOURCE, TRAILER_TREE, TRAILER_PATH)
_SEP = "\x1f"


@dataclass(frozen=True)
class Identity:
    """A git author or committer."""

    name: str
    email: str


@dataclass(frozen=True)
class RenderCommit:
    """A render commit and the trailers it carries."""

    sha: str
    template: str
    version: str
    source: str | None
    tree: str | None = None
    """The ``Scaffold-Tree`` trailer: the id of the tree the render wrote (None before 0.x)."""
    path: str = ""
    """The ``Scaffold-Path`` trailer: the project's folder in the repository ("" for its root)."""


def git_run(
    args: list[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``git ARGS`` in ``cwd`` and return the finished process, whatever its exit code."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def git(
    args: list[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> str:
    """Run ``git ARGS`` in ``cwd`` and return its stdout; raise :class:`GitError` on failure."""
    proc = git_run(args, cwd, env=env, stdin=stdin)
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


def identity_env(cwd: Path, author: Identity | None) -> dict[str, str]:
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


def render_message(
    template: str,
    version: str,
    source: str | None,
    *,
    tree: str | None = None,
    path: str = "",
    subject: str | None = None,
) -> str:
    """Return the commit message of a pristine render commit, trailers included.

    ``tree`` is the id of the rendered tree (``commit_all`` adds it when left out), ``path``
    the project's folder in a larger repository.
    """
    trailers = [f"{TRAILER_TEMPLATE}: {template}", f"{TRAILER_VERSION}: {version}"]
    if source:
        trailers.append(f"{TRAILER_SOURCE}: {source}")
    if tree:
        trailers.append(f"{TRAILER_TREE}: {tree}")
    if path:
        trailers.append(f"{TRAILER_PATH}: {path}")
    return (
        f"{subject or f'Render {template} template {version}'}\n\n"
        "This commit is the template's output and nothing else. `scaffold update`\n"
        "finds it by its trailers, checks its tree against Scaffold-Tree and merges\n"
        "newer renders on top of it.\n\n" + "\n".join(trailers) + "\n"
    )


def commit_all(
    path: Path,
    message: str,
    *,
    author: Identity | None = None,
) -> str:
    """Stage every file under ``path`` (honouring .gitignore), commit, and return the sha.

    A render commit's message (one with a ``Scaffold-Template`` trailer) gets the
    ``Scaffold-Tree`` trailer of the tree it commits, so that an amended commit is told apart.
    """
    git(["add", "--all"], path)
    if f"\n{TRAILER_TEMPLATE}: " in message and f"\n{TRAILER_TREE}: " not in message:
        tree = git(["write-tree"], path).strip()
        message = message.rstrip("\n") + f"\n{TRAILER_TREE}: {tree}\n"
    git(
        ["commit", "--quiet", "--no-verify", "--allow-empty", "-F", "-"],
        path,
        env=identity_env(path, author),
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
    out = git(
        ["log", "--date-order", f"--format={fmt}", f"--grep=^{TRAILER_TEMPLATE}: ", rev], path
    )
    commits = []
    for line in out.splitlines():
        sha, template, version, source, tree, where = [*line.split(_SEP), "", "", "", "", ""][:6]
        if template and version:
            commits.append(
                RenderCommit(
                    sha,
                    template.strip(),
                    version.strip(),
                    source.strip() or None,
                    tree.strip() or None,
                    where.strip().strip("/"),
                )
            )
    return commits


def subtree(path: Path, rev: str, folder: str) -> str | None:
    """Return the id of the tree at ``folder`` ("" for the root) of ``rev``, or None."""
    spec = f"{rev}:{folder}" if folder else f"{rev}^{{tree}}"
    proc = git_run(["rev-parse", "--verify", "--quiet", spec], path)
    return proc.stdout.strip() if proc.returncode == 0 else None


def is_pristine(path: Path, commit: RenderCommit, folder: str) -> bool:
    """Whether the render commit's tree at ``folder`` is the tree its trailer records."""
    return commit.tree is not None and subtree(path, commit.sha, folder) == commit.tree


_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
}


def toplevel_and_head(path: Path) -> tuple[Path | None, str | None]:
    """Return the work tree's root and HEAD's sha (None outside a repo, or with no commits)."""
    proc = git_run(["rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD"], path)
    lines = proc.stdout.splitlines()
    if proc.returncode not in (0, 1) or not lines or not lines[0].strip():
        return None, None
    head = lines[1].strip() if proc.returncode == 0 and len(lines) > 1 else None
    return Path(lines[0].strip()), head


def toplevel(path: Path) -> Path | None:
    """Return the root of the work tree holding ``path``, or None outside a repository."""
    proc = git_run(["rev-parse", "--show-toplevel"], path)
    return Path(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else None


def operation_in_progress(path: Path) -> str | None:
    """Name the merge, rebase, cherry-pick or revert in progress in ``path``, if any."""
    args = ["rev-parse"]
    for name in _IN_PROGRESS:
        args += ["--git-path", name]
    found = git(args, path).splitlines()
    for name, where in zip(_IN_PROGRESS, found, strict=True):
        if (path / where).exists():
            return _IN_PROGRESS[name]
    return None


def dirty_paths(path: Path) -> list[str]:
    """Return the changed, staged and untracked (not ignored) paths of the work tree."""
    out = git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], path)
    entries = out.split("\0")
    paths: list[str] = []
    skip = False
    for entry in entries:
        if skip or not entry:
            skip = False
            continue
        paths.append(entry[3:])
        skip = entry[0] in "RC"
    return paths


def resolve_commit(path: Path, rev: str) -> str | None:
    """Return the full sha of the commit ``rev`` names, or None when there is none."""
    proc = git_run(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], path)
    return proc.stdout.strip() if proc.returncode == 0 else None


def is_ancestor(path: Path, ancestor: str, rev: str) -> bool:
    """Whether ``ancestor`` is reachable from ``rev`` (or is ``rev``)."""
    return git_run(["merge-base", "--is-ancestor", ancestor, rev], path).returncode == 0


def tree_of(path: Path, rev: str) -> str:
    """Return the tree sha of ``rev``."""
    return git(["rev-parse", f"{rev}^{{tree}}"], path).strip()


def show_file(path: Path, rev: str, file: str) -> str | None:
    """Return the content of ``file`` at ``rev``, or None when it does not exist there."""
    proc = git_run(["show", f"{rev}:{file}"], path)
    return proc.stdout if proc.returncode == 0 else None


def show_first(path: Path, rev: str, files: list[str]) -> tuple[str, str] | None:
    """Return the first of ``files`` that exists at ``rev`` and its text, in one git call."""
    if any("\n" in name for name in files):
        for name in files:
            text = show_file(path, rev, name)
            if text is not None:
                return name, text
        return None
    request = "".join(f"{rev}:{name}\n" for name in files).encode()
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=path,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        input=request,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    out, pos = proc.stdout, 0
    for name in files:
        end = out.index(b"\n", pos)
        header = out[pos:end].rsplit(b" ", 2)
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "<name> missing" (or ambiguous): no content follows
        size = int(header[2])
        if header[1] == b"blob":
            return name, out[pos : pos + size].decode("utf-8", errors="replace")
        pos += size + 1
    return None


def diff_names(path: Path, old: str, new: str, paths: list[str] | None = None) -> dict[str, str]:
    """Map each path that differs between two trees to its status letter (A, M, D, T).

    ``paths`` limits the comparison to those folders (full paths are returned).
    """
    out = git(["diff", "--name-status", "--no-renames", "-z", old, new, "--", *(paths or [])], path)
    fields = out.split("\0")
    return {fields[i + 1]: fields[i][0] for i in range(0, len(fields) - 1, 2) if fields[i]}


def worktree_add(repo: Path, dest: Path, rev: str) -> None:
    """Add a detached worktree at ``dest`` on ``rev`` with nothing checked out or staged."""
    git(["worktree", "add", "--detach", "--no-checkout", "--quiet", str(dest), rev], repo)
    git(["read-tree", "--empty"], dest)


def worktree_remove(repo: Path, dest: Path) -> None:
    """Remove the worktree at ``dest`` and its administrative files; never raises."""
    git_run(["worktree", "remove", "--force", str(dest)], repo)
    shutil.rmtree(dest, ignore_errors=True)
    git_run(["worktree", "prune"], repo)


def stage_tree(path: Path) -> str:
    """Stage every file of the work tree at ``path`` and return the staged tree's sha."""
    git(["add", "--all"], path)
    return git(["write-tree"], path).strip()


def commit_tree(
    path: Path, tree: str, parent: str, message: str, *, author: Identity | None = None
) -> str:
    """Create a commit of ``tree`` on ``parent`` without moving any ref; return its sha."""
    env = identity_env(path, author)
    return git(["commit-tree", tree, "-p", parent, "-F", "-"], path, env=env, stdin=message).strip()


def merge_tree(path: Path, ours: str, theirs: str) -> tuple[str, list[str]]:
    """Merge two commits in memory: return the merged tree and its unmerged index entries."""
    args = ["merge-tree", "--write-tree", "-z", "--no-messages", ours, theirs]
    proc = git_run(args, path)
    if proc.returncode not in (0, 1):
        raise GitError(args, proc.stderr)
    tree, *rest = proc.stdout.split("\0")
    entries = rest[: rest.index("")] if "" in rest else rest
    return tree, entries


def merge(path: Path, rev: str, message: str, *, unrelated: bool = False) -> list[str]:
    """Merge ``rev`` into the current branch with a merge commit.

    ``unrelated`` allows a ``rev`` with no common history (a render added to an existing repo).

    Returns:
        The unmerged index entries (``ls-files -u``): empty when the merge was committed,
        the conflicts otherwise, left in the work tree for the user as ``git merge`` does.
    """
    env = {} if _configured_identity(path) else identity_env(path, None)
    env = {key: value for key, value in env.items() if key not in os.environ}
    args = ["merge", "--no-ff", "--no-edit", "--no-verify", "-m", message, rev]
    if unrelated:
        args.insert(1, "--allow-unrelated-histories")
    proc = git_run(args, path, env=env)
    entries = [e for e in git(["ls-files", "-u", "-z"], path).split("\0") if e]
    if proc.returncode != 0 and not entries:
        raise GitError(args, proc.stderr or proc.stdout)
    return entries


def stage_dir(repo: Path, folder: Path, index: Path) -> str:
    """Stage every file of ``folder`` in a private index of ``repo``; return the tree's id.

    No worktree is registered: ``folder`` is the work tree of this one command, the
    repository's objects database receives the blobs.
    """
    env = {"GIT_INDEX_FILE": str(index)}
    git(["--work-tree", str(folder), "add", "--all", "--", "."], repo, env=env)
    return git(["write-tree"], repo, env=env).strip()


def with_subtree(repo: Path, tree: str, folder: str, sub: str | None, index: Path) -> str:
    """Return ``tree`` with its ``folder`` replaced by the tree ``sub`` (removed if None)."""
    if not folder:
        return sub or git(["mktree"], repo, stdin="").strip()
    env = {"GIT_INDEX_FILE": str(index)}
    git(["read-tree", tree], repo, env=env)
    git(["rm", "-r", "-f", "--cached", "--quiet", "--ignore-unmatch", "--", folder], repo, env=env)
    if sub:
        git(["read-tree", f"--prefix={folder}/", sub], repo, env=env)
    tree = git(["write-tree"], repo, env=env).strip()
    index.unlink(missing_ok=True)
    return tree


def move_head(path: Path, new: str, old: str, message: str) -> None:
    """Move HEAD's branch (or a detached HEAD) from ``old`` to ``new`` in one step.

    ``git update-ref`` checks the expected old value under the ref's lock, so a branch moved
    by someone else in the meantime is never overwritten.
    """
    git(["update-ref", "-m", message, "HEAD", new, old], path)


def checkout_tree(path: Path, old: str, new: str) -> None:
    """Bring the index and work tree from ``old`` to ``new`` (a two-tree fast-forward).

    Files not tracked in ``old`` are never overwritten: git refuses instead.
    """
    git(["read-tree", "-m", "-u", old, new], path)


def hooks_dir(path: Path) -> Path:
    """Return the directory git runs this repository's hooks from."""
    configured = git_run(["config", "core.hooksPath"], path).stdout.strip()
    if configured:
        return (path / Path(configured).expanduser()).resolve()
    return (path / git(["rev-parse", "--git-path", "hooks"], path).strip()).resolve()


def run_hook(path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run the repository's hook ``name`` as git would; None when it has none."""
    hook = hooks_dir(path) / name
    if not (hook.is_file() and os.access(hook, os.X_OK)):
        return None
    return git_run(["hook", "run", name, "--", *args], path)


def git_path(path: Path, name: str) -> Path:
    """Return the path of ``name`` in the repository's git directory (MERGE_HEAD...)."""
    return path / git(["rev-parse", "--git-path", name], path).strip()
