"""``scaffold update``: render the new template version, commit it, let git merge it.

The repo's own history holds the old render: the newest pristine render commit reachable from
``HEAD`` whose tree is still the one its ``Scaffold-Tree`` trailer records (an amended,
rebased or squashed render commit holds the owner's work too and is never a baseline). When
there is none, the recorded version is rendered again as the baseline if the source still has
it; else the owner names one with ``--baseline``.

The new version is rendered with the recorded answers into a private temporary directory and
committed as the next pristine render; the merge is computed in memory (``git merge-tree``),
so nothing of the owner's is touched until the whole result is known. Then, in one short
section where SIGINT and SIGTERM wait: a clean result becomes a merge commit and the branch
moves to it with one ``git update-ref`` from the expected old value, then the index and work
tree follow; a conflicted result enters git's merge state in one step. The owner's
``pre-merge-commit`` and ``commit-msg`` hooks run on the merge commit, as ``git merge`` runs
them. A project may live in a folder of a larger repository: only that folder is merged.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffold.answers import check_answers, template_questions
from scaffold.catalog import find_template
from scaffold.errors import (
    DirtyWorkTreeError,
    NoRenderCommitError,
    ScaffoldError,
    UsageError,
)
from scaffold.existing import check_join_kept
from scaffold.gitrepo import (
    Identity,
    RenderCommit,
    checkout_tree,
    commit_tree,
    diff_names,
    dirty_paths,
    git,
    git_path,
    git_run,
    head,
    identity_env,
    is_ancestor,
    is_pristine,
    merge_tree,
    move_head,
    operation_in_progress,
    render_commits,
    render_message,
    resolve_commit,
    run_hook,
    stage_dir,
    subtree,
    tree_of,
    with_subtree,
)
from scaffold.merge_report import FileChange, classify, parse_unmerged
from scaffold.project import (
    BUNDLED,
    NO_BASELINE,
    VERSION_KEY,
    Baseline,
    Project,
    compare_versions,
    locate,
    recorded_answers,
    recorded_ref,
    recorded_source,
    recorded_version,
    render_commit_message,
    render_commits_of,
    source_spec,
    split_spec,
)
from scaffold.project import author as recorded_author
from scaffold.sources import TemplateSource, open_source
from scaffold.staging import pid_alive
from scaffold.update_check import follow_track, is_older

TEMP_PREFIX = "scaffold-update-"
"""Prefix of the temporary directory of one run: ``scaffold-update-<pid>-<random>``."""
PAUSE_AT_ENV = "SCAFFOLD_UPDATE_PAUSE_AT"
PAUSE_MARKER_ENV = "SCAFFOLD_UPDATE_PAUSE_MARKER"
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_FINISHED = threading.Event()


class HookRejectedError(ScaffoldError):
    """One of the owner's git hooks refused the merge commit."""

    def __init__(self, hook: str, output: str) -> None:
        last = " ".join(output.strip().splitlines()[-3:])
        super().__init__(
            f"the {hook} hook refused the merge commit{': ' + last if last else ''}; "
            "nothing was changed",
            "fix what the hook reports and run scaffold update again, "
            "or skip the hooks with --no-verify",
        )


class PathsInTheWayError(UsageError):
    """The update would overwrite ignored or untracked files of the owner."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        shown = ", ".join(paths[:10]) + (" ..." if len(paths) > 10 else "")
        super().__init__(
            f"the template writes files that exist untracked or ignored in the work tree: "
            f"{shown}; nothing was changed",
            "move them away (or commit them), or pass --backup-ignored to have them renamed "
            "to <name>.scaffold-backup",
        )


@dataclass(frozen=True)
class UpdateReport:
    """What ``scaffold update`` did (or, for a dry run, would do)."""

    path: Path
    template: str
    old_version: str
    new_version: str
    source: str
    baseline: str
    """The pristine render commit the update started from."""
    render: str | None
    """The new pristine render commit; None when already up to date."""
    merge: str | None
    """The merge commit; None for a dry run, when up to date, or when there are conflicts."""
    files: list[FileChange] = field(default_factory=list)
    conflicts: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    """What the owner should know: a re-rendered baseline, leftovers removed, backups made."""
    in_the_way: list[str] = field(default_factory=list)
    """Untracked or ignored files the update would overwrite (dry run only)."""
    untracked: list[str] = field(default_factory=list)
    """Untracked files of the work tree (dry run only; a real update refuses them)."""

    @property
    def up_to_date(self) -> bool:
        """Whether the template's output has not changed since the baseline render."""
        return self.render is None


def finished() -> bool:
    """Whether the running update has moved the branch (a later signal must not undo it)."""
    return _FINISHED.is_set()


def update_project(
    path: Path,
    *,
    data: dict[str, Any] | None = None,
    to: str | None = None,
    source: str | None = None,
    baseline: str | None = None,
    dry_run: bool = False,
    trust: bool = False,
    interactive: bool = False,
    allow_downgrade: bool = False,
    backup_ignored: bool = False,
    verify: bool = True,
    notify: Callable[[str], None] | None = None,
    rerender_recorded: bool = True,
) -> UpdateReport:
    """Merge the newest render of the project's template into its current branch.

    Args:
        path: The project (or a directory inside it) in a git work tree.
        data: Answers that override the recorded ones (e.g. another deployment target).
        to: The version to update to: a tag, branch or commit of a git source.
        source: A new template source to record: a local directory or ``GIT_URL[@REF]``.
        baseline: The pristine render commit to start from, when none can be verified.
        dry_run: Work out the report in memory and change nothing in the repo.
        trust: Allow Copier's unsafe features in a source other than the bundled one.
        interactive: Let Copier ask questions the recorded answers lack (else defaults).
        allow_downgrade: Allow a version older than the recorded one.
        backup_ignored: Rename untracked or ignored files the template would overwrite.
        verify: Run the owner's ``pre-merge-commit`` and ``commit-msg`` hooks.
        notify: Called with a line for the owner as soon as something is worth saying.
        rerender_recorded: Whether the source the repo's answers file names may be rendered
            again as the baseline. ``cohort update`` passes False: a student controls that
            file, so only the cohort's own source (``source``) may render.

    Raises:
        ScaffoldError: The tree is dirty, no baseline can be found, the source cannot be
            opened or rendered, files are in the way, a hook refused, or git fails.
    """
    _FINISHED.clear()
    say = notify or (lambda _line: None)
    project = locate(path)
    repo = project.repo
    notes = remove_leftovers(repo)
    for line in notes:
        say(line)
    untracked = _require_clean(repo, allow_untracked=dry_run)
    owner_answers, meta = recorded_answers(project)
    answers = dict(owner_answers)
    with _run_dir() as tmp:
        recorded = bool(meta.get(VERSION_KEY))
        found, base_note = _find_baseline(project, baseline, can_rerender=recorded)
        spec = source_spec(meta, found, source, to)
        old_version = recorded_version(meta, found, "unknown")
        with open_source(spec, trust=trust) as opened:
            src = opened if source or to else follow_track(opened, meta, found)
            answers.update(check_answers(data or {}, template_questions(src.root)))
            template = str(answers.get("template") or found.template or src.root.name)
            check_join_kept(find_template(src.root, template), owner_answers, data or {})
            if not allow_downgrade:
                _refuse_downgrade(old_version, meta, found, src)
            base = found
            if not found.sha:
                base = _rerender_baseline(
                    project,
                    tmp,
                    meta,
                    found,
                    owner_answers,
                    base_note,
                    trust=trust,
                    only=None if rerender_recorded else src.spec,
                )
                base_note = (
                    f"baseline: {base_note}; rendered the recorded version {base.version} "
                    f"again as the baseline ({base.sha[:10]})"
                )
                say(base_note)
            elif base_note:
                say(base_note)
            render = _render_commit(project, tmp, src, base, answers, template, interactive)
        report = UpdateReport(
            path=project.root,
            template=template,
            old_version=old_version,
            new_version=src.version,
            source=src.record,
            baseline=base.sha,
            render=render,
            merge=None,
            dry_run=dry_run,
            notes=[*notes, *([base_note] if base_note else [])],
            untracked=untracked,
        )
        if render is None:
            return report
        options = (dry_run, backup_ignored, verify)
        return _merge(project, report, src, template, options, say)


def _merge(
    project: Project,
    report: UpdateReport,
    src: TemplateSource,
    template: str,
    options: tuple[bool, bool, bool],
    say: Callable[[str], None],
) -> UpdateReport:
    """Merge the render into HEAD in memory, then (unless a dry run) apply it atomically.

    ``options``: dry run, back up files in the way, run the owner's hooks.
    """
    dry_run, backup_ignored, verify = options
    repo, render, base = project.repo, report.render or "", report.baseline
    ours = head(repo)
    # A stand-in for HEAD whose parent is the baseline: git's merge base is then exactly
    # the baseline, whatever the history (a re-rendered baseline has none in common).
    ours_at_base = commit_tree(repo, tree_of(repo, ours), base, "scaffold: merge input")
    merged, entries = merge_tree(repo, ours_at_base, render)
    conflicts = parse_unmerged(entries)
    scope = [project.prefix] if project.prefix else []
    files = classify(
        _strip(diff_names(repo, base, render, scope), project.prefix),
        _strip(diff_names(repo, base, ours, scope), project.prefix),
        _strip(diff_names(repo, ours, merged, scope), project.prefix),
        {_strip_one(p, project.prefix): c for p, c in conflicts.items()},
    )
    in_the_way = _paths_in_the_way(repo, ours, merged)
    report = replace(report, files=files, conflicts=bool(conflicts))
    if dry_run:
        return replace(report, in_the_way=in_the_way)
    moved: list[str] = []
    if in_the_way:
        if not backup_ignored:
            raise PathsInTheWayError(in_the_way)
        moved = _back_up(repo, in_the_way)
    try:
        _pause("merge")
        label = f"template {src.version}"
        message = f"Update {template} template to {src.version}"
        merge = _apply(repo, ours, render, merged, entries, message, label, verify=verify)
    except BaseException:
        _restore_backups(repo, moved)
        raise
    notes = [f"moved {p} aside to {p}.scaffold-backup" for p in moved]
    for line in notes:
        say(line)
    _pause("done")
    return replace(report, merge=merge, notes=[*report.notes, *notes])


@contextmanager
def _run_dir() -> Iterator[Path]:
    """This run's temporary directory; every temporary file of the run goes inside it.

    The template's clone and Copier's own clone included (``tempfile.tempdir`` points here
    meanwhile), so one ``rmtree`` removes everything, and the next run removes the directory
    of a run that was killed (its name holds the process id).
    """
    saved = tempfile.tempdir
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    tempfile.tempdir = str(tmp)
    try:
        yield tmp
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(tmp, ignore_errors=True)


def remove_leftovers(repo: Path) -> list[str]:
    """Remove what a killed earlier run left: its temporary directory and worktree.

    Returns one line per thing removed, for the owner.
    """
    removed: list[str] = []
    tmp = Path(tempfile.gettempdir())
    for leftover in sorted(tmp.glob(f"{TEMP_PREFIX}*")):
        pid = leftover.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(f"removed {leftover}, left by an interrupted scaffold update")
    listing = git_run(["worktree", "list", "--porcelain"], repo).stdout
    for line in listing.splitlines():
        where = Path(line.removeprefix("worktree "))
        if line.startswith("worktree ") and where.parent.name.startswith(TEMP_PREFIX):
            pid = where.parent.name[len(TEMP_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and pid_alive(int(pid)):
                continue
            git_run(["worktree", "remove", "--force", str(where)], repo)
            shutil.rmtree(where.parent, ignore_errors=True)
            removed.append(f"removed the worktree {where}, left by an interrupted scaffold update")
    if removed:
        git_run(["worktree", "prune"], repo)
    return removed


def _require_clean(repo: Path, *, allow_untracked: bool) -> list[str]:
    """Refuse a merge in progress or a dirty tree; return the untracked files if allowed."""
    operation = operation_in_progress(repo)
    if operation:
        raise UsageError(
            f"{operation} is in progress in {repo}",
            "finish it or abort it (e.g. `git merge --abort`), then run scaffold update again",
        )
    dirty = dirty_paths(repo)
    if not dirty:
        return []
    if allow_untracked:
        untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], repo).split("\0")
        untracked = [p for p in untracked if p]
        if set(dirty) <= set(untracked):
            return untracked
    raise DirtyWorkTreeError(dirty)


def _find_baseline(
    project: Project, rev: str | None, *, can_rerender: bool
) -> tuple[Baseline, str]:
    """Return the verified baseline (sha "" when it must be rendered again) and a note.

    ``can_rerender``: the answers file records scaffold's version and source, so a project
    copied without its history can still be rendered again at its recorded version.
    """
    repo = project.repo
    if rev is not None:
        return _named_baseline(project, rev), ""
    commits = render_commits_of(project)
    if not commits:
        if can_rerender:
            return NO_BASELINE, "no render commit in the history of HEAD"
        raise NoRenderCommitError
    newest = commits[0]
    if newest.path == project.prefix and is_pristine(repo, newest, project.prefix):
        return Baseline.of(newest), ""
    if project.prefix and not newest.path and is_pristine(repo, newest, ""):
        # The project's history was imported into a folder (git subtree): its render commit
        # holds the project at the root. The baseline puts that tree in the folder.
        base = _baseline_in_folder(project, subtree(repo, newest.sha, "") or "", newest)
        note = f"baseline: the render commit {newest.sha[:10]} placed in {project.prefix}/"
        return base, note
    why = (
        "has no Scaffold-Tree trailer"
        if newest.tree is None
        else "has a tree that differs from its Scaffold-Tree trailer (amended or rewritten)"
    )
    return Baseline("", newest.template, newest.version, newest.source), (
        f"the render commit {newest.sha[:10]} {why}"
    )


def _named_baseline(project: Project, rev: str) -> Baseline:
    repo = project.repo
    sha = resolve_commit(repo, rev)
    if sha is None:
        raise UsageError(
            f"--baseline {rev} does not name a commit",
            "name the pristine render commit by its sha, a tag or a branch",
        )
    if not is_ancestor(repo, sha, "HEAD"):
        raise UsageError(
            f"--baseline {rev} is not in the history of HEAD",
            "git merges from a common ancestor: name a commit of the current branch's history",
        )
    found = render_commits(repo, f"{sha}^!")
    info = found[0] if found else None
    if project.prefix:
        tree = subtree(repo, sha, project.prefix)
        if tree is None:
            raise UsageError(
                f"--baseline {rev} has no folder {project.prefix}",
                "name the commit that added the project's unchanged output",
            )
        return _baseline_in_folder(project, tree, info)
    if info:
        return Baseline(sha, info.template, info.version, info.source)
    return replace(NO_BASELINE, sha=sha)


def _baseline_in_folder(project: Project, tree: str, info: RenderCommit | None) -> Baseline:
    """Commit HEAD's tree with the project's folder replaced by ``tree``, as a root commit."""
    repo = project.repo
    index = Path(tempfile.mkdtemp(prefix="index-")) / "index"
    try:
        full = with_subtree(repo, tree_of(repo, "HEAD"), project.prefix, tree, index)
    finally:
        shutil.rmtree(index.parent, ignore_errors=True)
    template = info.template if info else "project"
    version = info.version if info else "unknown"
    message = render_message(
        template,
        version,
        info.source if info else None,
        tree=tree,
        path=project.prefix,
        subject=f"Baseline: {template} template {version} in {project.prefix}",
    )
    sha = git(["commit-tree", full, "-F", "-"], repo, stdin=message).strip()
    return Baseline(sha, template, version, info.source if info else None)


def _rerender_baseline(
    project: Project,
    tmp: Path,
    meta: dict[str, Any],
    found: Baseline,
    answers: dict[str, Any],
    why: str,
    *,
    trust: bool,
    only: str | None,
) -> Baseline:
    """Render the recorded version again as the baseline; stop with a hint if it is gone.

    ``trust`` is the run's own ``--trust``; ``only``, when given, is the one source that may
    render (any other recorded source stops with the hint instead).
    """
    version = recorded_version(meta, found)
    spec = _recorded_spec(meta, found, version)
    hint = NoRenderCommitError().hint
    if spec is None:
        raise UsageError(f"{why}, and the recorded version {version} cannot be had again", hint)
    if only is not None and spec != BUNDLED and split_spec(spec)[0] != only:
        raise UsageError(f"{why}, and the source it records ({spec}) is not this run's", hint)
    try:
        with open_source(spec, trust=trust) as old:
            if old.version != version:
                raise UsageError(
                    f"{why}, and the source no longer has the recorded version {version}", hint
                )
            recorded = _render_tree(project, tmp / "baseline", old, answers, interactive=False)
            tree, author = recorded
            template = str(answers.get("template") or found.template or old.root.name)
            repo = project.repo
            full = with_subtree(repo, tree_of(repo, "HEAD"), project.prefix, tree, tmp / "bidx")
            message = render_commit_message(
                template,
                old,
                tree=tree,
                path=project.prefix,
                subject=f"Render {template} template {version} again (baseline)",
            )
            env = identity_env(repo, author)
            sha = git(["commit-tree", full, "-F", "-"], repo, env=env, stdin=message).strip()
    except ScaffoldError as exc:
        if isinstance(exc, UsageError) and exc.hint == hint:
            raise
        raise UsageError(
            f"{why}, and rendering {version} again failed: {exc.message}", hint
        ) from exc
    return Baseline(sha, template, version, found.source)


def _recorded_spec(meta: dict[str, Any], found: Baseline, version: str) -> str | None:
    """The source spec that renders the recorded version again, when there is one."""
    from scaffold import __version__

    recorded = recorded_source(meta, found, BUNDLED)
    if recorded == BUNDLED:
        return BUNDLED if version == __version__ else None
    url, ref = split_spec(recorded)
    if ref:
        return f"{url}@{ref}"
    return url if version.startswith("local-") else None


def _render_tree(
    project: Project,
    where: Path,
    src: TemplateSource,
    answers: dict[str, Any],
    *,
    interactive: bool,
) -> tuple[str, Identity | None]:
    """Render ``src`` into ``where`` (a fresh directory) and return its tree and author."""
    from scaffold.render import copier_render

    where.mkdir(parents=True)
    recorded = copier_render(src, where, answers, defaults=not interactive)
    _pause("render")
    tree = stage_dir(project.repo, where, where.parent / f"{where.name}.index")
    return tree, recorded_author(recorded)


def _render_commit(
    project: Project,
    tmp: Path,
    src: TemplateSource,
    base: Baseline,
    answers: dict[str, Any],
    template: str,
    interactive: bool,
) -> str | None:
    """Commit a fresh render on top of ``base``; None when its tree equals the baseline's."""
    repo = project.repo
    tree, author = _render_tree(project, tmp / "render", src, answers, interactive=interactive)
    if tree == subtree(repo, base.sha, project.prefix):
        return None
    full = with_subtree(repo, tree_of(repo, base.sha), project.prefix, tree, tmp / "ridx")
    message = render_commit_message(template, src, tree=tree, path=project.prefix)
    return commit_tree(repo, full, base.sha, message, author=author)


def _strip_one(path: str, prefix: str) -> str:
    return path[len(prefix) + 1 :] if prefix and path.startswith(f"{prefix}/") else path


def _strip(names: dict[str, str], prefix: str) -> dict[str, str]:
    return {_strip_one(path, prefix): status for path, status in names.items()}


def _paths_in_the_way(repo: Path, ours: str, merged: str) -> list[str]:
    """Paths the merge adds that exist in the work tree untracked or ignored."""
    added = [p for p, status in diff_names(repo, ours, merged).items() if status == "A"]
    taken = [p for p in added if (repo / p).exists() or (repo / p).is_symlink()]
    for p in added:
        parts = Path(p).parents
        for folder in parts:
            if str(folder) != "." and (repo / folder).is_file() and str(folder) not in taken:
                taken.append(str(folder))
    return sorted(taken)


def _back_up(repo: Path, paths: list[str]) -> list[str]:
    moved = []
    for rel in paths:
        target = repo / f"{rel}.scaffold-backup"
        if target.exists():
            raise UsageError(
                f"cannot move {rel} aside: {rel}.scaffold-backup exists",
                "move it away, then run scaffold update again",
            )
        (repo / rel).rename(target)
        moved.append(rel)
    return moved


def _restore_backups(repo: Path, moved: list[str]) -> None:
    for rel in moved:
        backup = repo / f"{rel}.scaffold-backup"
        if backup.exists() and not (repo / rel).exists():
            backup.rename(repo / rel)


@contextmanager
def _signals_wait() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM until the block ends (git's children inherit the mask).

    A signal that arrives after the block succeeded is consumed: the update finished and says
    so. If the block failed, the signal is delivered as usual.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    caught: list[int] = []
    ok = False
    try:
        yield caught
        ok = True
    finally:
        if ok:
            for sig in signal.sigpending() & _SIGNALS:
                signal.sigwait({sig})
                caught.append(sig)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _pause(point: str) -> None:
    """Wait here for a signal when a test asks to (``SCAFFOLD_UPDATE_PAUSE_AT=point``).

    This writes the marker file the test waits for; the test signals, then removes the
    marker. Inside a section where signals wait, this also returns as soon as one is pending.
    """
    if os.environ.get(PAUSE_AT_ENV) != point:
        return
    marker = Path(os.environ[PAUSE_MARKER_ENV])
    marker.write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    masked = signal.pthread_sigmask(signal.SIG_BLOCK, set()) & _SIGNALS
    while time.monotonic() < deadline and marker.exists():
        if masked and signal.sigpending() & _SIGNALS:
            return
        time.sleep(0.01)


def _merge_env(repo: Path) -> dict[str, str]:
    """The identity git would use for the owner's merge commit."""
    env = identity_env(repo, None)
    return {key: value for key, value in env.items() if key not in os.environ}


def _apply(
    repo: Path,
    ours: str,
    render: str,
    merged: str,
    entries: list[str],
    message: str,
    label: str,
    *,
    verify: bool,
) -> str | None:
    """Put the computed merge on the owner's branch; return the merge commit (None: conflicts)."""
    hooks = verify and any(_has_hook(repo, n) for n in ("pre-merge-commit", "commit-msg"))
    if entries:
        with _signals_wait():
            _enter_merge_state(repo, ours, render, merged, entries, message, label)
            _FINISHED.set()
        return None
    if not hooks:
        merge = git(
            ["commit-tree", merged, "-p", ours, "-p", render, "-F", "-"],
            repo,
            env=_merge_env(repo),
            stdin=message + "\n",
        ).strip()
        with _signals_wait():
            move_head(repo, merge, ours, f"scaffold update: {message}")
            _FINISHED.set()
            _pause("committed")
            checkout_tree(repo, ours, merge)
        run_hook(repo, "post-merge", "0")
        return merge
    return _commit_with_hooks(repo, ours, render, merged, message)


def _has_hook(repo: Path, name: str) -> bool:
    from scaffold.gitrepo import hooks_dir

    hook = hooks_dir(repo) / name
    return hook.is_file() and os.access(hook, os.X_OK)


def _commit_with_hooks(repo: Path, ours: str, render: str, merged: str, message: str) -> str:
    """Run the owner's merge hooks on the merged index, as ``git merge`` does, then commit."""
    with _signals_wait():
        _enter_merge_state(repo, ours, render, merged, [], message, "")
    msg_file = git_path(repo, "MERGE_MSG")
    try:
        for hook, args in (("pre-merge-commit", ()), ("commit-msg", (str(msg_file),))):
            proc = run_hook(repo, hook, *args)
            if proc is not None and proc.returncode != 0:
                raise HookRejectedError(hook, proc.stderr + proc.stdout)
        text = msg_file.read_text(encoding="utf-8")
        tree = git(["write-tree"], repo).strip()
        merge = git(
            ["commit-tree", tree, "-p", ours, "-p", render, "-F", "-"],
            repo,
            env=_merge_env(repo),
            stdin=text,
        ).strip()
    except BaseException:
        with _signals_wait():
            _leave_merge_state(repo, ours)
        raise
    with _signals_wait():
        move_head(repo, merge, ours, f"scaffold update: {message}")
        _FINISHED.set()
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"):
            git_path(repo, name).unlink(missing_ok=True)
    run_hook(repo, "post-merge", "0")
    return merge


def _leave_merge_state(repo: Path, ours: str) -> None:
    """Undo :func:`_enter_merge_state` of a clean merge: index and work tree back to ``ours``."""
    git_run(["read-tree", "--reset", "-u", ours], repo)
    for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"):
        git_path(repo, name).unlink(missing_ok=True)


def _enter_merge_state(
    repo: Path,
    ours: str,
    render: str,
    merged: str,
    entries: list[str],
    message: str,
    label: str,
) -> None:
    """Leave the merge as ``git merge`` does: work tree merged, conflicts staged, MERGE_HEAD."""
    checkout_tree(repo, ours, merged)
    conflicted = sorted({entry.partition("\t")[2] for entry in entries})
    if entries:
        null = "0" * 40
        lines = [f"0 {null}\t{path}" for path in conflicted] + entries
        git(["update-index", "--index-info"], repo, stdin="".join(f"{e}\n" for e in lines))
        for path in conflicted:
            _label_markers(repo / path, label)
    text = message + "\n"
    if conflicted:
        text += "\n# Conflicts:\n" + "".join(f"#\t{path}\n" for path in conflicted)
    git_path(repo, "MERGE_MSG").write_text(text, encoding="utf-8")
    git_path(repo, "MERGE_MODE").write_text("no-ff", encoding="utf-8")
    git_path(repo, "ORIG_HEAD").write_text(ours + "\n", encoding="utf-8")
    git_path(repo, "MERGE_HEAD").write_text(render + "\n", encoding="utf-8")


_MARKER = re.compile(rb"^(<{7}|>{7}|\|{7}) [0-9a-f]{40}(:[^\n]*)?$", re.M)


def _label_markers(path: Path, label: str) -> None:
    """Name the sides of conflict markers as the owner knows them: HEAD and the template."""
    if not path.is_file() or path.is_symlink():
        return
    data = path.read_bytes()
    names = {b"<": b"HEAD", b">": label.encode(), b"|": b"baseline render"}

    def name(m: re.Match[bytes]) -> bytes:
        return m[1] + b" " + names[m[1][:1]] + (m[2] or b"")

    new = _MARKER.sub(name, data)
    if new != data:
        path.write_bytes(new)


def _refuse_downgrade(
    recorded: str, meta: dict[str, Any], base: Baseline, src: TemplateSource
) -> None:
    """Refuse a source older than the recorded version (copier refuses downgrades too)."""
    recorded_commit = recorded_ref(meta, base)
    if src.commit and recorded_commit and src.commit != recorded_commit:
        older = is_older(src, recorded_commit)
    else:
        older = compare_versions(recorded, src.version) == -1
    if older:
        raise UsageError(
            f"{src.version} is older than the recorded version {recorded}; nothing was changed",
            "pass --allow-downgrade to go back to it anyway",
        )
