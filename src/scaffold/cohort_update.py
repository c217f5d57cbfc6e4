"""``scaffold cohort update`` and ``scaffold cohort status``: many repos at once.

An update never touches the student's checkout: each repo gets a temporary worktree on a new
branch from its ``HEAD``, ``scaffold update`` merges the new render there, and the branch is
kept (as ``scaffold/update-<version>``) only when the merge is clean. A repo with uncommitted
changes is skipped; a conflicted one is reported with its files, and nothing of it is kept.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.cohort import MANIFEST, manifest_entries, read_manifest, write_manifest
from scaffold.errors import ScaffoldError, UsageError
from scaffold.gitrepo import (
    diff_names,
    dirty_paths,
    git,
    git_run,
    operation_in_progress,
    render_commits,
    resolve_commit,
    toplevel,
)
from scaffold.locks import RunLock
from scaffold.merge_report import FileStatus
from scaffold.parallel import collect_parallel, worker_count
from scaffold.project import (
    ANSWERS_FILE,
    BUNDLED,
    NO_BASELINE,
    compare_versions,
    recorded_answers,
    recorded_source,
    recorded_version,
    source_spec,
)
from scaffold.staging import pid_alive

if TYPE_CHECKING:
    from scaffold.update import UpdateReport

BRANCH_PREFIX = "scaffold/update-"
#: A branch and a temporary directory of a run in progress carry that run's pid.
_WORK_PREFIX = "scaffold/in-progress-"
_TMP_PREFIX = "scaffold-cohort-"


class UpdateStatus(StrEnum):
    """What ``cohort update`` did with one repo."""

    CLEAN = "clean"
    CONFLICTED = "conflicted"
    UP_TO_DATE = "up to date"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class RepoUpdate:
    """One repo's update: its outcome, the branch made, and the files by what happened."""

    repo: Path
    status: UpdateStatus
    old_version: str | None = None
    new_version: str | None = None
    branch: str | None = None
    files: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    message: str | None = None
    cleaned: list[str] = field(default_factory=list)
    """Leftovers of a killed earlier run that were removed from this repo."""


@dataclass(frozen=True)
class _UpdateTask:
    repo: Path
    branch: str | None
    data: dict[str, Any]
    source: str | None
    """The source the instructor named, or the cohort's recorded one; None: none known."""
    trust: bool


def find_repos(paths: Iterable[Path]) -> list[Path]:
    """Expand cohort directories into their repos; a repo given directly is kept as is.

    A directory with ``cohort.json`` yields the repos it records; any other directory that is
    not itself a scaffold repo yields its subdirectories that are.
    """
    repos: list[Path] = []
    for given in paths:
        path = given.expanduser().absolute()
        if not path.is_dir():
            raise UsageError(f"{path} is not a directory", "pass cohort directories or repos")
        if (path / MANIFEST).is_file():
            found = [path / e.repo for e in manifest_entries(path) if e.repo]
            repos += [r for r in found if r.is_dir()]
        elif (path / ANSWERS_FILE).is_file():
            repos.append(path)
        else:
            repos += sorted(p.parent for p in path.glob(f"*/{ANSWERS_FILE}"))
    unique = list(dict.fromkeys(repos))
    if not unique:
        raise UsageError(
            "no scaffold repos found in " + ", ".join(str(p) for p in paths),
            "pass the directory `scaffold cohort new` made, or the repos themselves",
        )
    return unique


def update_cohort(
    paths: Sequence[Path],
    *,
    branch: str | None = None,
    data: dict[str, Any] | None = None,
    source: str | None = None,
    trust: bool = False,
    jobs: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[RepoUpdate], None] | None = None,
) -> list[RepoUpdate]:
    """Update every repo on a new branch; record the outcomes in each cohort's manifest.

    The template source is the one the instructor passes (``source``), else the one the
    cohort recorded in ``cohort.json`` when it was made; never one read from a student's
    repo, whose answers file the student controls. ``trust`` applies to that source only.
    """
    repos = find_repos(paths)
    # A repo's cohort is the directory whose cohort.json lists it (given, or the repo's parent).
    cohorts = sorted({r.parent for r in repos if (r.parent / MANIFEST).is_file()})
    with ExitStack() as stack:
        for cohort in cohorts:  # one run per cohort at a time: cohort.json is written once
            stack.enter_context(RunLock(cohort))
        recorded = {c: cohort_source(c) for c in cohorts}
        tasks = []
        for repo in repos:
            chosen = source or recorded.get(repo.parent)
            tasks.append(_UpdateTask(repo, branch, dict(data or {}), chosen, trust))
        if on_start:
            on_start(len(tasks))
        results: dict[Path, RepoUpdate] = {}
        try:
            collect_parallel(
                _update_repo,
                tasks,
                worker_count(jobs),
                into=results,
                key=_repo_of,
                on_result=on_result,
            )
        finally:
            _record_updates(cohorts, results)
    return [results[r] for r in repos if r in results]


def _repo_of(result: RepoUpdate | RepoStatus) -> Path:
    return result.repo


def cohort_source(cohort: Path) -> str | None:
    """The template source ``cohort new`` recorded for ``cohort``, to update from.

    A git source is recorded at the commit it was rendered from; updating follows its
    URL (the commit is dropped), so the cohort gets the source's newer commits.
    """
    from scaffold.sources import split_spec

    recorded = (read_manifest(cohort) or {}).get("source")
    if not isinstance(recorded, str) or not recorded:
        return None
    base, ref = split_spec(recorded)
    if ref is not None and re.fullmatch(r"[0-9a-f]{40}", ref):
        return base
    return recorded


def _update_repo(task: _UpdateTask) -> RepoUpdate:
    """Update one repo in a temporary worktree; return the outcome, never raise."""
    from scaffold.update import update_project

    repo = toplevel(task.repo)
    if repo is None or resolve_commit(repo, "HEAD") is None:
        return RepoUpdate(task.repo, UpdateStatus.FAILED, message="not a git repo with commits")
    cleaned = remove_leftovers(repo)
    operation = operation_in_progress(repo)
    dirty = dirty_paths(repo)
    if operation or dirty:
        why = f"{operation} in progress" if operation else f"{len(dirty)} uncommitted file(s)"
        return RepoUpdate(task.repo, UpdateStatus.SKIPPED, message=why, cleaned=cleaned)
    source = task.source or _bundled_only(repo)
    if source is None:
        return RepoUpdate(
            task.repo,
            UpdateStatus.FAILED,
            message="no cohort source is known for this repo and it records a template "
            "source of its own, which scaffold never runs for a cohort; pass --source",
            cleaned=cleaned,
        )
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
    work_branch = f"{_WORK_PREFIX}{os.getpid()}-{tmp.name[-8:]}"
    keep = False
    try:
        git(["worktree", "add", "--quiet", "-b", work_branch, str(tmp / "wt"), "HEAD"], repo)
        report = update_project(
            tmp / "wt",
            data=task.data,
            source=source,
            trust=task.trust,
            rerender_recorded=False,
        )
        result = replace(_outcome(task, report, repo, work_branch), cleaned=cleaned)
        if result.status is UpdateStatus.CLEAN and result.branch:
            git(["worktree", "remove", "--force", str(tmp / "wt")], repo)
            git(["branch", "-m", work_branch, result.branch], repo)
            keep = True
        return result
    except ScaffoldError as exc:
        message = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
        return RepoUpdate(task.repo, UpdateStatus.FAILED, message=message, cleaned=cleaned)
    except Exception as exc:  # a worker reports; it must not end the whole run
        return RepoUpdate(task.repo, UpdateStatus.FAILED, message=repr(exc), cleaned=cleaned)
    finally:
        git_run(["worktree", "remove", "--force", str(tmp / "wt")], repo)
        git_run(["worktree", "prune"], repo)
        if not keep:
            git_run(["branch", "-D", work_branch], repo)
        shutil.rmtree(tmp, ignore_errors=True)


def _bundled_only(repo: Path) -> str | None:
    """``bundled`` when the repo records scaffold's own templates, else None (untrusted)."""
    try:
        _answers, meta = recorded_answers(repo)
    except ScaffoldError:
        return None
    return BUNDLED if recorded_source(meta, NO_BASELINE, BUNDLED) == BUNDLED else None


def _pid_of(name: str, prefix: str) -> int | None:
    match = re.match(re.escape(prefix) + r"(\d+)-", name)
    return int(match[1]) if match else None


def _dead(pid: int | None) -> bool:
    return pid is not None and not pid_alive(pid)


def remove_leftovers(repo: Path) -> list[str]:
    """Remove what a killed ``cohort update`` left in ``repo``; say what was removed.

    Its temporary worktrees (registered in the repo, living in the temporary directory) and
    its ``scaffold/in-progress-<pid>-*`` branches are removed when that pid is gone.
    """
    removed: list[str] = []
    listing = git_run(["worktree", "list", "--porcelain"], repo)
    worktree: str | None = None
    for line in listing.stdout.splitlines() if listing.returncode == 0 else []:
        if line.startswith("worktree "):
            worktree = line[len("worktree ") :]
        elif line.startswith("branch refs/heads/") and worktree:
            name = line[len("branch refs/heads/") :]
            if _dead(_pid_of(name, _WORK_PREFIX)):
                git_run(["worktree", "remove", "--force", worktree], repo)
                shutil.rmtree(Path(worktree).parent, ignore_errors=True)
                removed.append(f"worktree {worktree}")
    git_run(["worktree", "prune"], repo)
    branches = git_run(["branch", "--list", f"{_WORK_PREFIX}*", "--format=%(refname:short)"], repo)
    for name in branches.stdout.split() if branches.returncode == 0 else []:
        if _dead(_pid_of(name, _WORK_PREFIX)):
            git_run(["branch", "-D", name], repo)
            removed.append(f"branch {name}")
    for stale in Path(tempfile.gettempdir()).glob(f"{_TMP_PREFIX}*"):
        if _dead(_pid_of(stale.name, _TMP_PREFIX)):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(f"directory {stale}")
    return removed


def _outcome(task: _UpdateTask, report: UpdateReport, repo: Path, work_branch: str) -> RepoUpdate:
    """Classify a finished ``update_project`` run; name the branch a clean merge goes to."""
    counts = dict(Counter(f.status.value for f in report.files))
    base = RepoUpdate(
        task.repo, UpdateStatus.CLEAN, report.old_version, report.new_version, files=counts
    )
    if report.up_to_date:
        return replace(base, status=UpdateStatus.UP_TO_DATE)
    if report.conflicts:
        conflicted = [f.path for f in report.files if f.status is FileStatus.CONFLICTED]
        return replace(base, status=UpdateStatus.CONFLICTED, conflicts=conflicted)
    final = task.branch or f"{BRANCH_PREFIX}{report.new_version}"
    existing = resolve_commit(repo, f"refs/heads/{final}")
    if existing is None:
        return replace(base, branch=final)
    same = git(["rev-parse", f"{existing}^{{tree}}"], repo) == git(
        ["rev-parse", f"{work_branch}^{{tree}}"], repo
    )
    if same:
        return replace(base, status=UpdateStatus.UP_TO_DATE, message=f"already on branch {final}")
    return replace(
        base,
        status=UpdateStatus.FAILED,
        message=f"branch {final} already exists with other changes; pass --branch NAME",
    )


def _record_updates(cohorts: Sequence[Path], results: dict[Path, RepoUpdate]) -> None:
    """Store each result in the ``cohort.json`` of the cohort directory that lists its repo."""
    for out in cohorts:
        if read_manifest(out) is None:
            continue
        entries = manifest_entries(out)
        changed = []
        for entry in entries:
            result = results.get(out / entry.repo) if entry.repo else None
            changed.append(
                entry if result is None else replace(entry, update=_update_record(result))
            )
        write_manifest(out, changed)


def _update_record(result: RepoUpdate) -> dict[str, Any]:
    record: dict[str, Any] = {"status": result.status.value}
    for key in ("old_version", "new_version", "branch", "message"):
        if getattr(result, key):
            record[key] = getattr(result, key)
    if result.files:
        record["files"] = result.files
    if result.conflicts:
        record["conflicts"] = result.conflicts
    return record


@dataclass(frozen=True)
class RepoStatus:
    """One row of ``cohort status``."""

    repo: Path
    template: str | None
    version: str | None
    latest: str | None
    behind: int | None
    changed_files: int | None
    uncommitted: int
    pending_branches: list[str]
    check: str | None
    error: str | None = None


@dataclass(frozen=True)
class _StatusTask:
    repo: Path
    latest: dict[str, tuple[str, list[str]]]
    run_check: bool


def cohort_status(
    paths: Sequence[Path],
    *,
    run_check: bool = True,
    jobs: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[RepoStatus], None] | None = None,
) -> list[RepoStatus]:
    """Describe each repo: versions, the student's changes, pending updates, check result."""
    repos = find_repos(paths)
    specs = {_source_of(r) for r in repos}
    latest = {spec: _available_versions(spec) for spec in specs if spec is not None}
    tasks = [_StatusTask(r, latest, run_check) for r in repos]
    if on_start:
        on_start(len(tasks))
    results: dict[Path, RepoStatus] = {}
    collect_parallel(
        _repo_status,
        tasks,
        worker_count(jobs),
        into=results,
        key=_repo_of,
        on_result=on_result,
    )
    return [results[r] for r in repos]


def _source_of(repo: Path) -> str | None:
    """The template source the repo would update from (None when it cannot be read).

    In a cohort directory that is the cohort's recorded source, as for ``cohort update``:
    a student's own answers file does not choose what the instructor's machine fetches.
    """
    if (repo.parent / MANIFEST).is_file() and (recorded := cohort_source(repo.parent)):
        return recorded
    try:
        _answers, meta = recorded_answers(repo)
    except ScaffoldError:
        return None
    return source_spec(meta, NO_BASELINE)


def _available_versions(spec: str) -> tuple[str, list[str]]:
    """The source's current version and its versions in order (tags of a git source)."""
    from scaffold.sources import open_source

    try:
        with open_source(spec) as src:
            versions = [src.version]
            if src.commit:
                tags = git(["tag", "--merged", "HEAD", "--sort=v:refname"], src.root).split()
                versions = [*tags, *([] if src.version in tags else [src.version])]
            return src.version, versions
    except ScaffoldError:
        return "", []


def _behind(recorded: str | None, latest: str, versions: list[str]) -> int | None:
    """How many versions the source has after ``recorded``; None when it cannot tell."""
    if not recorded or not latest:
        return None
    if recorded == latest:
        return 0
    if recorded in versions:
        return len(versions) - 1 - versions.index(recorded)
    order = compare_versions(recorded, latest)
    return 1 if order is None else int(order > 0)


def _repo_status(task: _StatusTask) -> RepoStatus:
    """Read one repo's status; return it, never raise (except on interrupt)."""
    repo = task.repo
    try:
        answers, meta = recorded_answers(repo)
        version = recorded_version(meta, NO_BASELINE) or None
        spec = _source_of(repo)
        latest, versions = task.latest.get(spec or "", ("", []))
        commits = render_commits(repo)
        changed = len(diff_names(repo, commits[0].sha, "HEAD")) if commits else None
        pending = git(
            [
                "branch",
                "--list",
                f"{BRANCH_PREFIX}*",
                "--no-merged",
                "HEAD",
                "--format=%(refname:short)",
            ],
            repo,
        ).split()
        return RepoStatus(
            repo,
            str(answers.get("template") or "") or None,
            version,
            latest or None,
            _behind(version, latest, versions),
            changed,
            len(dirty_paths(repo)),
            pending,
            _check_summary(repo) if task.run_check else None,
        )
    except ScaffoldError as exc:
        return RepoStatus(repo, None, None, None, None, None, 0, [], None, exc.message)


def _check_summary(repo: Path) -> str:
    from scaffold.check import run_checks
    from scaffold.checks.base import Status

    report = run_checks(repo)
    failed = [r.id for r in report.results if r.status in (Status.FAIL, Status.ERROR)]
    return "pass" if not failed else "fail: " + ", ".join(failed)
