"""``scaffold update --check``: is a newer template version available for this project?

Kept apart from :mod:`scaffold.update` (the merge machinery) so the check imports little:
it reads the project's records, opens the template source and compares versions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scaffold.gitrepo import git, git_run, is_ancestor, resolve_commit
from scaffold.project import (
    BUNDLED,
    NO_BASELINE,
    Baseline,
    compare_versions,
    locate,
    recorded_answers,
    recorded_ref,
    recorded_source,
    recorded_version,
    render_commits_of,
    source_spec,
    split_spec,
)
from scaffold.sources import TemplateSource, describe, open_source


@dataclass(frozen=True)
class VersionCheck:
    """Whether a newer template version than the recorded one is available."""

    path: Path
    template: str
    recorded_version: str
    available_version: str
    source: str
    newer: bool

    @property
    def message(self) -> str:
        """The line ``scaffold update --check`` prints."""
        if self.newer:
            return (
                f"A newer {self.template} template is available: {self.available_version} "
                f"(recorded: {self.recorded_version}). Run `scaffold update`."
            )
        return f"{self.template} template is up to date ({self.recorded_version})."


def check_for_update(
    path: Path, *, source: str | None = None, to: str | None = None, trust: bool = False
) -> VersionCheck:
    """Say whether the template source offers a newer version than the recorded one.

    The history is read for render commits only when the answers file lacks the version or
    the source (a project rendered by an old scaffold).
    """
    project = locate(path)
    answers, meta = recorded_answers(project)
    base = NO_BASELINE
    if not (recorded_version(meta, base) and recorded_source(meta, base) and "template" in answers):
        commits = render_commits_of(project)
        base = Baseline.of(commits[0] if commits else None)
    recorded = recorded_version(meta, base, "unknown")
    spec = source_spec(meta, base, source, to)
    with open_source(spec, trust=trust) as opened:
        src = opened if source or to else follow_track(opened, meta, base)
        template = str(answers.get("template") or base.template or src.root.name)
        ref = split_spec(recorded_source(meta, base, BUNDLED))[1]
        newer = is_newer(recorded, ref, src)
    return VersionCheck(project.root, template, recorded, src.version, src.record, newer)


def follow_track(src: TemplateSource, meta: dict[str, Any], base: Baseline) -> TemplateSource:
    """Move a git source to the newest version on the track the project is on.

    A project on a tag follows the newer tags that contain it (another branch's tags are
    another track); a project on a branch other than the default one follows that branch.
    Otherwise the default branch, as opened.
    """
    recorded = recorded_ref(meta, base)
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
    git(["checkout", "--quiet", "--detach", target], root)
    version, commit = describe(root)
    return replace(src, ref=target, version=version, commit=commit)


def is_newer(recorded: str, recorded_commit: str | None, src: TemplateSource) -> bool:
    """Whether ``src`` is newer than the recorded version (or just different, if unordered)."""
    if src.commit and recorded_commit:
        if src.commit == recorded_commit:
            return False
        return not is_older(src, recorded_commit)
    order = compare_versions(recorded, src.version)
    if order is not None:
        return order > 0
    return src.version != recorded


def is_older(src: TemplateSource, recorded_commit: str) -> bool:
    """Whether the source's commit is an ancestor of the recorded one (known to the source)."""
    known = git_run(["cat-file", "-e", f"{recorded_commit}^{{commit}}"], src.root)
    return known.returncode == 0 and is_ancestor(src.root, src.commit or "HEAD", recorded_commit)
