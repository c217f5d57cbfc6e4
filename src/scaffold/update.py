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

import yaml

from scaffold.answers import ANSWERS_FILE, check_answers, template_questions
from scaffold.errors import (
    AnswersFileError,
    DirtyWorkTreeError,
    NoRenderCommitError,
    ScaffoldError,
    UsageError,
)
from scaffold.existing import FEATURE_ANSWERS_FILE, check_host_app_kept
from scaffold.gitrepo import (
    Identity,
    RenderCommit,
    _identity_env,
    checkout_tree,
    commit_tree,
    diff_names,
    dirty_paths,
    git,
    git_path,
    git_run,
    head,
    is_ancestor,
    is_pristine,
    merge_tree,
    move_head,
    operation_in_progress,
    render_commits,
    render_message,
    resolve_commit,
    run_hook,
    show_file,
    stage_dir,
    subtree,
    toplevel,
    tree_of,
    with_subtree,
)
from scaffold.merge_report import FileChange, classify, parse_unmerged
from scaffold.sources import BUNDLED, TemplateSource, open_source, split_spec
from scaffold.staging import pid_alive

_NUMERIC_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)$")
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


@dataclass(frozen=True)
class CheckReport:
    """Whether a newer template version than the recorded one is available."""

    path: Path
    template: str
    recorded_version: str
    available_version: str
    source: str
    newer: bool


@dataclass(frozen=True)
class _Baseline:
    sha: str
    template: str | None
    version: str | None
    source: str | None


@dataclass(frozen=True)
class _Project:
    repo: Path
    """The work tree's root."""
    prefix: str
    """The project's folder in the repository, "" for its root."""

    @property
    def root(self) -> Path:
        return self.repo / self.prefix if self.prefix else self.repo

    def rel(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


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
    project = _locate(path)
    repo = project.repo
    notes = remove_leftovers(repo)
    for line in notes:
        say(line)
    untracked = _require_clean(repo, allow_untracked=dry_run)
    recorded_answers, meta = _recorded_answers(project)
    check_host_app_kept(recorded_answers, data or {})
    answers = dict(recorded_answers)
    with _run_dir() as tmp:
        recorded = bool(meta.get("_scaffold_version"))
        found, base_note = _find_baseline(project, baseline, can_rerender=recorded)
        spec = _source_spec(meta, found, source, to)
        old_version = str(meta.get("_scaffold_version") or found.version or "unknown")
        with open_source(spec, trust=trust) as opened:
            src = opened if source or to else _follow_track(opened, meta, found)
            answers.update(check_answers(data or {}, template_questions(src.root)))
            template = str(answers.get("template") or found.template or src.root.name)
            if not allow_downgrade:
                _refuse_downgrade(old_version, meta, found, src)
            base = found
            if not found.sha:
                base = _rerender_baseline(
                    project,
                    tmp,
                    meta,
                    found,
                    recorded_answers,
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
    project: _Project,
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


def check_for_update(
    path: Path, *, source: str | None = None, to: str | None = None, trust: bool = False
) -> CheckReport:
    """Say whether the template source offers a newer version than the recorded one."""
    project = _locate(path)
    answers, meta = _recorded_answers(project)
    commits = _render_commits_of(project)
    base = (
        _Baseline(commits[0].sha, commits[0].template, commits[0].version, commits[0].source)
        if commits
        else _Baseline("", None, None, None)
    )
    recorded = str(meta.get("_scaffold_version") or base.version or "unknown")
    recorded_source = str(meta.get("_scaffold_source") or base.source or BUNDLED)
    spec = _source_spec(meta, base, source, to)
    with open_source(spec, trust=trust) as opened:
        src = opened if source or to else _follow_track(opened, meta, base)
        template = str(answers.get("template") or base.template or src.root.name)
        newer = _is_newer(recorded, split_spec(recorded_source)[1], src)
    return CheckReport(project.root, template, recorded, src.version, src.record, newer)


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


#: Where a project records its answers: ai-feature added to an existing project keeps its own.
_ANSWERS_FILES = (FEATURE_ANSWERS_FILE, ANSWERS_FILE)


def _locate(path: Path) -> _Project:
    """Find the work tree and the project's folder in it (the answers file's folder)."""
    root = toplevel(path) if path.is_dir() else None
    if root is None:
        raise UsageError(
            f"{path} is not inside a git repository",
            "run scaffold update in a repository made by `scaffold new`",
        )
    if resolve_commit(root, "HEAD") is None:
        raise UsageError(f"{root} has no commits", "commit the generated project first")
    here = path.resolve()
    for folder in (here, *here.parents):
        if any((folder / name).is_file() for name in _ANSWERS_FILES):
            return _Project(root, _relative(folder, root))
        if folder == root:
            break
    under = _relative(here, root)
    patterns = [f"*{name}" for name in _ANSWERS_FILES]
    listed = git(["ls-files", "--full-name", "-z", "--", *patterns], here).split("\0")
    found = sorted(
        {_parent(p) for p in listed if any(p == n or p.endswith(f"/{n}") for n in _ANSWERS_FILES)}
    )
    found = [f for f in found if not under or f == under or f.startswith(f"{under}/")]
    if len(found) == 1:
        return _Project(root, found[0])
    if found:
        raise UsageError(
            f"{len(found)} projects under {path}: {', '.join(found)}",
            "name the one to update: scaffold update PATH",
        )
    return _Project(root, under)


def _relative(folder: Path, root: Path) -> str:
    rel = folder.relative_to(root).as_posix()
    return "" if rel == "." else rel


def _parent(path: str) -> str:
    parent = Path(path).parent.as_posix()
    return "" if parent == "." else parent


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


def _render_commits_of(project: _Project) -> list[RenderCommit]:
    """The render commits of this project reachable from HEAD, newest first."""
    commits = render_commits(project.repo)
    if not project.prefix:
        return [c for c in commits if not c.path]
    return [c for c in commits if c.path == project.prefix or not c.path]


def _find_baseline(
    project: _Project, rev: str | None, *, can_rerender: bool
) -> tuple[_Baseline, str]:
    """Return the verified baseline (sha "" when it must be rendered again) and a note.

    ``can_rerender``: the answers file records scaffold's version and source, so a project
    copied without its history can still be rendered again at its recorded version.
    """
    repo = project.repo
    if rev is not None:
        return _named_baseline(project, rev), ""
    commits = _render_commits_of(project)
    if not commits:
        if can_rerender:
            return _Baseline("", None, None, None), "no render commit in the history of HEAD"
        raise NoRenderCommitError
    newest = commits[0]
    if newest.path == project.prefix and is_pristine(repo, newest, project.prefix):
        return _Baseline(newest.sha, newest.template, newest.version, newest.source), ""
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
    return _Baseline("", newest.template, newest.version, newest.source), (
        f"the render commit {newest.sha[:10]} {why}"
    )


def _named_baseline(project: _Project, rev: str) -> _Baseline:
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
        return _Baseline(sha, info.template, info.version, info.source)
    return _Baseline(sha, None, None, None)


def _baseline_in_folder(project: _Project, tree: str, info: RenderCommit | None) -> _Baseline:
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
    return _Baseline(sha, template, version, info.source if info else None)


def _rerender_baseline(
    project: _Project,
    tmp: Path,
    meta: dict[str, Any],
    found: _Baseline,
    answers: dict[str, Any],
    why: str,
    *,
    trust: bool,
    only: str | None,
) -> _Baseline:
    """Render the recorded version again as the baseline; stop with a hint if it is gone.

    ``trust`` is the run's own ``--trust``; ``only``, when given, is the one source that may
    render (any other recorded source stops with the hint instead).
    """
    version = str(meta.get("_scaffold_version") or found.version or "")
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
            message = render_message(
                template,
                version,
                None if old.spec == BUNDLED else old.record,
                tree=tree,
                path=project.prefix,
                subject=f"Render {template} template {version} again (baseline)",
            )
            env = _identity_env(repo, author)
            sha = git(["commit-tree", full, "-F", "-"], repo, env=env, stdin=message).strip()
    except ScaffoldError as exc:
        if isinstance(exc, UsageError) and exc.hint == hint:
            raise
        raise UsageError(
            f"{why}, and rendering {version} again failed: {exc.message}", hint
        ) from exc
    return _Baseline(sha, template, version, found.source)


def _recorded_spec(meta: dict[str, Any], found: _Baseline, version: str) -> str | None:
    """The source spec that renders the recorded version again, when there is one."""
    from scaffold import __version__

    recorded = str(meta.get("_scaffold_source") or found.source or BUNDLED)
    if recorded == BUNDLED:
        return BUNDLED if version == __version__ else None
    url, ref = split_spec(recorded)
    if ref:
        return f"{url}@{ref}"
    return url if version.startswith("local-") else None


def _recorded_answers(project: _Project | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the answers of HEAD's answers file and its metadata (keys starting with _).

    ``project`` may be a repository's root (the cohort commands read it so).
    """
    if isinstance(project, Path):
        project = _Project(project, "")
    for name in _ANSWERS_FILES:  # the feature's own first: ai-feature added to a project
        rel = project.rel(name)
        text = show_file(project.repo, "HEAD", rel)
        if text is not None:
            break
    else:
        rel = project.rel(ANSWERS_FILE)
    if text is None:
        raise UsageError(
            f"no {rel} in HEAD",
            "scaffold update renders with the recorded answers: restore the file from history",
        )
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc).strip()
        line = mark.line + 1 if mark is not None else None
        raise AnswersFileError(project.repo / rel, problem, line) from exc
    if not isinstance(raw, dict):
        raise AnswersFileError(project.repo / rel, "expected a mapping", 1)
    answers = {str(k): v for k, v in raw.items() if not str(k).startswith("_")}
    meta = {str(k): v for k, v in raw.items() if str(k).startswith("_")}
    return answers, meta


def _source_spec(meta: dict[str, Any], base: _Baseline, source: str | None, to: str | None) -> str:
    """Pick the template source: ``--source``, else the recorded one; ``--to`` sets the ref."""
    copier_src = meta.get("_src_path")
    if copier_src == "scaffold:bundled":
        copier_src = BUNDLED
    spec = str(source or meta.get("_scaffold_source") or base.source or copier_src or BUNDLED)
    if spec == BUNDLED:
        if to:
            raise UsageError(
                "--to needs a git template source",
                "the bundled templates are those of the installed scaffold; "
                "pass --source GIT_URL --to REF",
            )
        return spec
    url, ref = split_spec(spec)
    if to:
        return f"{url}@{to}"
    if source is None and ref is not None:
        return f"{url}@HEAD"
    return spec


def _follow_track(src: TemplateSource, meta: dict[str, Any], base: _Baseline) -> TemplateSource:
    """Move a git source to the newest version on the track the project is on.

    A project on a tag follows the newer tags that contain it (another branch's tags are
    another track); a project on a branch other than the default one follows that branch.
    Otherwise the default branch, as opened.
    """
    recorded_source = str(meta.get("_scaffold_source") or base.source or "")
    recorded = split_spec(recorded_source)[1] if recorded_source else None
    root = src.root
    if (
        not (src.commit and recorded)
        or git_run(["cat-file", "-e", f"{recorded}^{{commit}}"], root).returncode
    ):
        return src
    target: str | None = None
    if git(["tag", "--points-at", recorded], root).split():
        newer = git(["tag", "--contains", recorded, "--sort=-v:refname"], root).split()
        target = newer[0] if newer else None
    elif not is_ancestor(root, recorded, "HEAD"):
        listed = git(
            ["branch", "--remotes", "--contains", recorded, "--format=%(refname:short)"], root
        )
        branches = [b for b in listed.split() if not b.endswith("/HEAD")]
        target = branches[0] if len(branches) == 1 else None
    if target is None or resolve_commit(root, target) == src.commit:
        return src
    from scaffold.sources import _describe

    git(["checkout", "--quiet", "--detach", target], root)
    version, commit = _describe(root)
    return replace(src, ref=target, version=version, commit=commit)


def _render_tree(
    project: _Project,
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
    return tree, _author(recorded)


def _render_commit(
    project: _Project,
    tmp: Path,
    src: TemplateSource,
    base: _Baseline,
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
    message = render_message(
        template,
        src.version,
        None if src.spec == BUNDLED else src.record,
        tree=tree,
        path=project.prefix,
    )
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
    env = _identity_env(repo, None)
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


def _author(recorded: dict[str, Any]) -> Identity | None:
    """The render's author: the project's author unless it is the template's placeholder."""
    from scaffold.render import PLACEHOLDER_EMAIL

    email = str(recorded.get("author_email") or "")
    if email in ("", PLACEHOLDER_EMAIL):
        return None
    return Identity(str(recorded.get("author_name")), email)


def _refuse_downgrade(
    recorded: str, meta: dict[str, Any], base: _Baseline, src: TemplateSource
) -> None:
    """Refuse a source older than the recorded version (copier refuses downgrades too)."""
    recorded_source = str(meta.get("_scaffold_source") or base.source or "")
    recorded_commit = split_spec(recorded_source)[1] if recorded_source else None
    older = False
    if src.commit and recorded_commit and src.commit != recorded_commit:
        known = git_run(["cat-file", "-e", f"{recorded_commit}^{{commit}}"], src.root)
        older = known.returncode == 0 and is_ancestor(src.root, src.commit, recorded_commit)
    else:
        old, new = _NUMERIC_VERSION.match(recorded), _NUMERIC_VERSION.match(src.version)
        older = bool(old and new and _numbers(new[1]) < _numbers(old[1]))
    if older:
        raise UsageError(
            f"{src.version} is older than the recorded version {recorded}; nothing was changed",
            "pass --allow-downgrade to go back to it anyway",
        )


def _is_newer(recorded: str, recorded_commit: str | None, src: TemplateSource) -> bool:
    """Whether ``src`` is newer than the recorded version (or just different, if unordered)."""
    if src.commit and recorded_commit:
        if src.commit == recorded_commit:
            return False
        known = git_run(["cat-file", "-e", f"{recorded_commit}^{{commit}}"], src.root)
        return not (known.returncode == 0 and is_ancestor(src.root, src.commit, recorded_commit))
    old, new = _NUMERIC_VERSION.match(recorded), _NUMERIC_VERSION.match(src.version)
    if old and new:
        return _numbers(new[1]) > _numbers(old[1])
    return src.version != recorded


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
