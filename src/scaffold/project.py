"""What a generated repository records, read in one place.

A project made by ``scaffold new`` records its answers in an answers file (Copier's
``.copier-answers.yml``, or ``.copier-answers.<template>.yml`` for a template added to an
existing project), with scaffold's own keys beside Copier's: the template source and version
that rendered it. Its history holds the render commits (see :mod:`scaffold.gitrepo` for their
trailers). ``update``, ``cohort update``, ``render``, ``existing`` and ``check`` read those
records through this module; it imports nothing heavy (PyYAML only when a file is parsed), so
``scaffold update --check`` stays fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from scaffold.errors import AnswersFileError, UsageError
from scaffold.gitrepo import (
    Identity,
    RenderCommit,
    git,
    render_commits,
    render_message,
    show_first,
    toplevel_and_head,
)

ANSWERS_FILE = ".copier-answers.yml"
"""Copier's answers file, at the project's root."""
_ANSWERS_NAME = re.compile(r"\.copier-answers(?:\.[\w.-]+)?\.yml")
"""Copier's answers file or a joined template's own (see ``joined_answers_file``)."""
SOURCE_KEY = "_scaffold_source"
"""Answers-file key: the template source as ``spec`` or ``spec@commit``."""
VERSION_KEY = "_scaffold_version"
"""Answers-file key: the template version that rendered the project."""
COPIER_SOURCE_KEY = "_src_path"
"""Copier's own answers-file key for the template source."""
BUNDLED = "bundled"
"""The source name of the templates shipped with scaffold."""
COPIER_BUNDLED = "scaffold:bundled"
"""What ``_src_path`` records for the bundled templates (a site-packages path means nothing)."""
_NUMERIC_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)$")
PLACEHOLDER_EMAIL = "you@example.com"
"""The template's default email: a render answered with it is committed as the git user."""


def joined_answers_file(template: str) -> str:
    """The answers file of ``template`` when it joined an existing project.

    It keeps answers of its own beside any the host has (copier.yml's ``_answers_file``).
    """
    return f".copier-answers.{template}.yml"


def is_answers_file(name: str) -> bool:
    """Whether a file name is Copier's answers file or a joined template's own."""
    return _ANSWERS_NAME.fullmatch(name) is not None


@cache
def answers_files() -> tuple[str, ...]:
    """Where a project records its answers: the joined templates' own files first.

    The templates that can join an existing project are the bundled catalog's.
    """
    from scaffold.catalog import load_catalog

    joined = [k for k, t in load_catalog().templates.items() if t.joins_existing]
    return (*map(joined_answers_file, joined), ANSWERS_FILE)


@dataclass(frozen=True)
class Project:
    """A project in a git work tree: the tree's root and the project's folder in it."""

    repo: Path
    """The work tree's root."""
    prefix: str
    """The project's folder in the repository, "" for its root."""

    @property
    def root(self) -> Path:
        """The project's own directory."""
        return self.repo / self.prefix if self.prefix else self.repo

    def rel(self, name: str) -> str:
        """``name`` inside the project, as a path from the repository's root."""
        return f"{self.prefix}/{name}" if self.prefix else name


@dataclass(frozen=True)
class Baseline:
    """A render the project's history records: its commit and trailers (sha "" if none)."""

    sha: str
    template: str | None
    version: str | None
    source: str | None

    @classmethod
    def of(cls, commit: RenderCommit | None) -> Baseline:
        """The baseline a render commit records (an empty one for None)."""
        if commit is None:
            return cls("", None, None, None)
        return cls(commit.sha, commit.template, commit.version, commit.source)


NO_BASELINE = Baseline("", None, None, None)


def locate(path: Path) -> Project:
    """Find the work tree and the project's folder in it (the answers file's folder).

    Raises:
        UsageError: ``path`` is outside a git repository, the repository has no commits, or
            more than one project lives under ``path``.
    """
    root, head = toplevel_and_head(path) if path.is_dir() else (None, None)
    if root is None:
        raise UsageError(
            f"{path} is not inside a git repository",
            "run scaffold update in a repository made by `scaffold new`",
        )
    if head is None:
        raise UsageError(f"{root} has no commits", "commit the generated project first")
    here = path.resolve()
    names = answers_files()
    for folder in (here, *here.parents):
        if any((folder / name).is_file() for name in names):
            return Project(root, _relative(folder, root))
        if folder == root:
            break
    under = _relative(here, root)
    patterns = [f"*{name}" for name in names]
    listed = git(["ls-files", "--full-name", "-z", "--", *patterns], here).split("\0")
    found = sorted(
        {_parent(p) for p in listed if any(p == n or p.endswith(f"/{n}") for n in names)}
    )
    found = [f for f in found if not under or f == under or f.startswith(f"{under}/")]
    if len(found) == 1:
        return Project(root, found[0])
    if found:
        raise UsageError(
            f"{len(found)} projects under {path}: {', '.join(found)}",
            "name the one to update: scaffold update PATH",
        )
    return Project(root, under)


def _relative(folder: Path, root: Path) -> str:
    rel = folder.relative_to(root).as_posix()
    return "" if rel == "." else rel


def _parent(path: str) -> str:
    parent = Path(path).parent.as_posix()
    return "" if parent == "." else parent


def recorded_answers(project: Project | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the answers of HEAD's answers file and its metadata (keys starting with _).

    ``project`` may be a repository's root (the cohort commands read it so).

    Raises:
        UsageError: HEAD has no answers file.
        AnswersFileError: The file is not YAML, or not a mapping.
    """
    if isinstance(project, Path):
        project = Project(project, "")
    found = show_first(project.repo, "HEAD", [project.rel(name) for name in answers_files()])
    if found is None:
        raise UsageError(
            f"no {project.rel(ANSWERS_FILE)} in HEAD",
            "scaffold update renders with the recorded answers: restore the file from history",
        )
    rel, text = found
    return parse_answers(text, project.repo / rel)


def parse_answers(text: str, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split an answers file's text into answers and metadata; ``path`` names it in errors."""
    import yaml

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc).strip()
        line = mark.line + 1 if mark is not None else None
        raise AnswersFileError(path, problem, line) from exc
    if not isinstance(raw, dict):
        raise AnswersFileError(path, "expected a mapping", 1)
    answers = {str(k): v for k, v in raw.items() if not str(k).startswith("_")}
    meta = {str(k): v for k, v in raw.items() if str(k).startswith("_")}
    return answers, meta


def render_commits_of(project: Project) -> list[RenderCommit]:
    """The render commits of this project reachable from HEAD, newest first."""
    commits = render_commits(project.repo)
    if not project.prefix:
        return [c for c in commits if not c.path]
    return [c for c in commits if c.path == project.prefix or not c.path]


def recorded_version(meta: dict[str, Any], base: Baseline, default: str = "") -> str:
    """The version the answers file records, else the render commit's, else ``default``."""
    return str(meta.get(VERSION_KEY) or base.version or default)


def recorded_source(meta: dict[str, Any], base: Baseline, default: str = "") -> str:
    """The source the answers file records, else the render commit's, else ``default``."""
    return str(meta.get(SOURCE_KEY) or base.source or default)


def recorded_ref(meta: dict[str, Any], base: Baseline) -> str | None:
    """The commit (or ref) of the recorded git source, None for a local or bundled one."""
    source = recorded_source(meta, base)
    return split_spec(source)[1] if source else None


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``URL@REF`` into URL and ref; ``git@host:org/repo`` alone has no ref."""
    if "@" not in spec:
        return spec, None
    base, ref = spec.rsplit("@", 1)
    if not base or not ref or ":" in ref or ("/" not in base and ":" not in base):
        return spec, None
    return base, ref


def source_spec(
    meta: dict[str, Any], base: Baseline, source: str | None = None, to: str | None = None
) -> str:
    """Pick the template source: ``source``, else the recorded one; ``to`` sets the ref.

    Raises:
        UsageError: ``to`` is given for the bundled templates.
    """
    copier_src = meta.get(COPIER_SOURCE_KEY)
    if copier_src == COPIER_BUNDLED:
        copier_src = BUNDLED
    spec = str(source or recorded_source(meta, base) or copier_src or BUNDLED)
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


class RenderedFrom(Protocol):
    """A template source as a render records it (:class:`scaffold.sources.TemplateSource`)."""

    @property
    def spec(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def record(self) -> str: ...


def source_record(source: RenderedFrom) -> str | None:
    """The source a render commit records: ``spec[@commit]``, nothing for the bundled one."""
    return None if source.spec == BUNDLED else source.record


def render_commit_message(
    template: str,
    source: RenderedFrom,
    *,
    tree: str | None = None,
    path: str = "",
    subject: str | None = None,
) -> str:
    """The message of a render commit of ``template`` from ``source``, trailers included.

    ``tree`` is the rendered tree's id (``commit_all`` adds it when left out), ``path`` the
    project's folder in a larger repository, ``subject`` replaces the default first line.
    """
    return render_message(
        template, source.version, source_record(source), tree=tree, path=path, subject=subject
    )


def author(recorded: dict[str, Any]) -> Identity | None:
    """The render's author: the project's author unless it is the template's placeholder."""
    email = str(recorded.get("author_email") or "")
    if email in ("", PLACEHOLDER_EMAIL):
        return None
    return Identity(str(recorded.get("author_name")), email)


def compare_versions(old: str, new: str) -> int | None:
    """-1, 0 or 1 as ``new`` is older, the same or newer than ``old``; None if unordered.

    Versions are ordered by PEP 440 when both are versions (``1.2``, ``v0.10.1``,
    ``0.3.0rc1``; ``1.0`` equals ``1.0.0``); ``local-…`` hashes and ``git describe`` names
    are not. The one comparator of scaffold: ``update``, ``cohort`` and ``check`` use it.
    """
    a, b = _NUMERIC_VERSION.match(old), _NUMERIC_VERSION.match(new)
    if a and b:  # the usual case, without importing packaging (``update --check`` is timed)
        r, q = _release(a[1]), _release(b[1])
        return (q > r) - (q < r)
    from packaging.version import InvalidVersion, Version

    try:
        x, y = Version(old), Version(new)
    except InvalidVersion:
        return None
    return (y > x) - (y < x)


def _release(version: str) -> tuple[int, ...]:
    """``1.2.0`` as (1, 2): PEP 440 ignores trailing zeros of a release."""
    numbers = [int(part) for part in version.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)
