"""``scaffold update``: render the new template version, commit it, let git merge it.

The repo's own history holds the old render: the newest pristine render commit reachable from
``HEAD``. The new version is rendered with the recorded answers in a temporary detached
worktree on top of that commit and committed there as the next pristine render; git's 3-way
merge then brings the template's changes into the user's branch and keeps the user's. A dry
run merges in memory (``git merge-tree``) and changes no ref, file or index.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from scaffold.answers import ANSWERS_FILE
from scaffold.errors import (
    AnswersFileError,
    DirtyWorkTreeError,
    NoRenderCommitError,
    UsageError,
)
from scaffold.existing import FEATURE_ANSWERS_FILE, check_host_app_kept, feature_prefix
from scaffold.gitrepo import (
    Identity,
    commit_tree,
    diff_names,
    dirty_paths,
    head,
    is_ancestor,
    merge,
    merge_tree,
    operation_in_progress,
    render_commits,
    render_message,
    resolve_commit,
    show_file,
    stage_tree,
    toplevel,
    tree_of,
    worktree_add,
    worktree_remove,
)
from scaffold.merge_report import FileChange, classify, parse_unmerged
from scaffold.sources import BUNDLED, TemplateSource, open_source, split_spec

_NUMERIC_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)$")


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
) -> UpdateReport:
    """Merge the newest render of the repo's template into its current branch.

    Args:
        path: The repository (or a directory inside it).
        data: Answers that override the recorded ones (e.g. another deployment target).
        to: The version to update to: a tag, branch or commit of a git source.
        source: A new template source to record: a local directory or ``GIT_URL[@REF]``.
        baseline: The pristine render commit to start from, when none carries trailers.
        dry_run: Work out the report in memory and change nothing in the repo.
        trust: Allow Copier's unsafe features in a source other than the bundled one.
        interactive: Let Copier ask questions the recorded answers lack (else defaults).

    Raises:
        ScaffoldError: The tree is dirty, no baseline can be found, the source cannot be
            opened or rendered, or git fails.
    """
    repo = _repo_root(path)
    _require_clean(repo)
    base = _find_baseline(repo, baseline)
    prefix = feature_prefix(repo, base.sha)  # ai-feature added to a folder of a monorepo
    answers, meta = _recorded_answers(repo, prefix)
    check_host_app_kept(answers, data or {})
    answers.update(data or {})
    spec = _source_spec(meta, base, source, to)
    old_version = str(meta.get("_scaffold_version") or base.version or "unknown")
    with open_source(spec, trust=trust) as src:
        template = str(answers.get("template") or base.template or src.root.name)
        render = _render_commit(
            repo, src, base, answers, template, interactive=interactive, prefix=prefix
        )
    report = UpdateReport(
        path=repo,
        template=template,
        old_version=old_version,
        new_version=src.version,
        source=src.record,
        baseline=base.sha,
        render=render,
        merge=None,
        dry_run=dry_run,
    )
    if render is None:
        return report
    ours = head(repo)
    merged, entries = merge_tree(repo, ours, render)
    if not dry_run:
        entries = merge(repo, render, f"Update {template} template to {src.version}")
    conflicts = parse_unmerged(entries)
    files = classify(
        diff_names(repo, base.sha, render),
        diff_names(repo, base.sha, ours),
        diff_names(repo, ours, merged),
        conflicts,
    )
    return replace(
        report,
        merge=None if dry_run or conflicts else head(repo),
        files=files,
        conflicts=bool(conflicts),
    )


def check_for_update(
    path: Path, *, source: str | None = None, to: str | None = None, trust: bool = False
) -> CheckReport:
    """Say whether the template source offers a newer version than the recorded one."""
    repo = _repo_root(path)
    commits = render_commits(repo) if resolve_commit(repo, "HEAD") else []
    answers, meta = _recorded_answers(repo, feature_prefix(repo, commits[0].sha) if commits else "")
    base = (
        _Baseline(commits[0].sha, commits[0].template, commits[0].version, commits[0].source)
        if commits
        else _Baseline("", None, None, None)
    )
    recorded = str(meta.get("_scaffold_version") or base.version or "unknown")
    recorded_source = str(meta.get("_scaffold_source") or base.source or BUNDLED)
    spec = _source_spec(meta, base, source, to)
    with open_source(spec, trust=trust) as src:
        template = str(answers.get("template") or base.template or src.root.name)
        newer = _is_newer(recorded, split_spec(recorded_source)[1], src)
    return CheckReport(repo, template, recorded, src.version, src.record, newer)


def _repo_root(path: Path) -> Path:
    root = toplevel(path) if path.is_dir() else None
    if root is None:
        raise UsageError(
            f"{path} is not inside a git repository",
            "run scaffold update in a repository made by `scaffold new`",
        )
    if resolve_commit(root, "HEAD") is None:
        raise UsageError(f"{root} has no commits", "commit the generated project first")
    return root


def _require_clean(repo: Path) -> None:
    operation = operation_in_progress(repo)
    if operation:
        raise UsageError(
            f"{operation} is in progress in {repo}",
            "finish it or abort it (e.g. `git merge --abort`), then run scaffold update again",
        )
    dirty = dirty_paths(repo)
    if dirty:
        raise DirtyWorkTreeError(dirty)


def _find_baseline(repo: Path, rev: str | None) -> _Baseline:
    if rev is None:
        commits = render_commits(repo)
        if not commits:
            raise NoRenderCommitError
        c = commits[0]
        return _Baseline(c.sha, c.template, c.version, c.source)
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
    if found:
        return _Baseline(sha, found[0].template, found[0].version, found[0].source)
    return _Baseline(sha, None, None, None)


def _recorded_answers(repo: Path, prefix: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the answers of HEAD's answers file and its metadata (keys starting with _)."""
    folder = f"{prefix}/" if prefix else ""
    for name in (f"{folder}{FEATURE_ANSWERS_FILE}", f"{folder}{ANSWERS_FILE}"):
        text = show_file(repo, "HEAD", name)  # the first: ai-feature added to a project
        if text is not None:
            break
    if text is None:
        raise UsageError(
            f"no {folder}{ANSWERS_FILE} in HEAD",
            "scaffold update renders with the recorded answers: restore the file from history",
        )
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnswersFileError(repo / name, str(exc)) from exc
    if not isinstance(raw, dict):
        raise AnswersFileError(repo / name, "expected a mapping", 1)
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


def _render_commit(
    repo: Path,
    src: TemplateSource,
    base: _Baseline,
    answers: dict[str, Any],
    template: str,
    *,
    interactive: bool,
    prefix: str = "",
) -> str | None:
    """Commit a fresh render on top of ``base``; None when its tree equals the baseline's."""
    from scaffold.render import copier_render

    tmp = Path(tempfile.mkdtemp(prefix="scaffold-update-"))
    worktree = tmp / "render"
    try:
        worktree_add(repo, worktree, base.sha)
        recorded = copier_render(
            src, worktree / prefix if prefix else worktree, answers, defaults=not interactive
        )
        tree = stage_tree(worktree)
        if tree == tree_of(repo, base.sha):
            return None
        message = render_message(template, src.version, None if src.spec == BUNDLED else src.record)
        return commit_tree(worktree, tree, base.sha, message, author=_author(recorded))
    finally:
        worktree_remove(repo, worktree)
        shutil.rmtree(tmp, ignore_errors=True)


def _author(recorded: dict[str, Any]) -> Identity | None:
    """The render's author: the project's author unless it is the template's placeholder."""
    from scaffold.render import PLACEHOLDER_EMAIL

    email = str(recorded.get("author_email") or "")
    if email in ("", PLACEHOLDER_EMAIL):
        return None
    return Identity(str(recorded.get("author_name")), email)


def _is_newer(recorded: str, recorded_commit: str | None, src: TemplateSource) -> bool:
    """Whether ``src`` is newer than the recorded version (or just different, if unordered)."""
    if src.commit and recorded_commit:
        return src.commit != recorded_commit
    old, new = _NUMERIC_VERSION.match(recorded), _NUMERIC_VERSION.match(src.version)
    if old and new:
        return _numbers(new[1]) > _numbers(old[1])
    return src.version != recorded


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
