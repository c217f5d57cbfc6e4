"""Template sources: the bundled templates, a local directory, or a git URL with a ref.

A git source is cloned into a temporary directory by scaffold itself (not by Copier), so a
fork of scaffold whose templates live in ``templates/`` works as well as a repository whose
root holds ``copier.yml``; its version is ``git describe`` of the ref.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scaffold import __version__
from scaffold.errors import GitError, TemplateSourceError
from scaffold.gitrepo import git, git_run
from scaffold.project import BUNDLED, split_spec

__all__ = ["BUNDLED", "TemplateSource", "describe", "open_source", "split_spec"]

_REMOTE = re.compile(r"^(https?://|ssh://|git://|file://|git@[^:]+:|gh:|gl:)")


@dataclass(frozen=True)
class TemplateSource:
    """A template root ready to render, and how to name it in the repo's records."""

    root: Path
    """Directory holding ``copier.yml``."""
    spec: str
    """What the user passed (``bundled``, a path, or ``URL``), without the ref."""
    ref: str | None
    """The git ref asked for, if any."""
    version: str
    """The template version recorded in the render commit."""
    commit: str | None
    """Full commit hash of a git source."""
    trusted: bool
    """Whether Copier's unsafe features (tasks, extensions) may run."""

    @property
    def record(self) -> str:
        """The source as recorded in trailers and answers: ``spec`` or ``spec@commit``."""
        return f"{self.spec}@{self.commit}" if self.commit else self.spec


def _expand(url: str) -> str:
    if url.startswith("gh:"):
        return f"https://github.com/{url[3:]}.git"
    if url.startswith("gl:"):
        return f"https://gitlab.com/{url[3:]}.git"
    return url


def _template_root(tree: Path, spec: str) -> Path:
    for candidate in (tree, tree / "templates"):
        if (candidate / "copier.yml").is_file() or (candidate / "copier.yaml").is_file():
            return candidate
    raise TemplateSourceError(
        f"no copier.yml in {spec}",
        "a template source holds copier.yml at its root or in templates/",
    )


def _tree_hash(root: Path) -> str:
    """A short hash of the files under ``root`` (``__pycache__`` left out), in path order.

    ``os.walk`` and string paths, not ``Path.rglob``: half the time, and ``update --check``
    of a project from a local source pays it on every run.
    """
    base = str(root)
    skip = len(base) + 1
    found: list[tuple[tuple[str, ...], str, str]] = []
    for top, dirs, files in os.walk(base, followlinks=True):
        if "__pycache__" in top[skip:].split(os.sep):  # noqa: PTH206
            dirs[:] = []
            continue
        for name in files:
            full = os.path.join(top, name)  # noqa: PTH118
            if name != "__pycache__" and os.path.isfile(full):  # noqa: PTH113
                rel = full[skip:].replace(os.sep, "/")
                # Sorted as pathlib sorts paths: part by part, not character by character.
                found.append((tuple(rel.split("/")), rel, full))
    digest = hashlib.sha256()
    for _parts, rel, full in sorted(found):
        digest.update(rel.encode())
        digest.update(Path(full).read_bytes())
    return digest.hexdigest()[:12]


def _resolve_ref(clone: Path, ref: str, spec: str) -> str:
    """The commit ``ref`` names in ``clone``; a ref that looks like an option is refused."""
    if ref.startswith("-"):
        raise TemplateSourceError(
            f"invalid ref {ref!r} in template source {spec}",
            "a ref is a tag, branch or commit name",
        )
    for candidate in (ref, f"origin/{ref}"):  # a tag or commit, else a branch of the source
        args = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}"]
        proc = git_run(args, clone)
        if proc.returncode == 0:
            return proc.stdout.strip()
    raise GitError(["rev-parse", ref], f"fatal: no tag, branch or commit named {ref}")


def describe(repo: Path) -> tuple[str, str]:
    """The version (``git describe``) and commit of a clone's HEAD."""
    version = git(["describe", "--tags", "--always"], repo).strip()
    commit = git(["rev-parse", "HEAD"], repo).strip()
    return version, commit


@contextmanager
def open_source(spec: str | None, *, trust: bool = False) -> Iterator[TemplateSource]:
    """Yield the template source ``spec`` (bundled when None), cleaned up on exit."""
    if spec is None or spec == BUNDLED:
        from scaffold.catalog import bundled_templates_dir  # PyYAML's parser: only when needed

        yield TemplateSource(bundled_templates_dir(), BUNDLED, None, __version__, None, True)
        return
    base, ref = split_spec(spec)
    local = Path(base).expanduser()
    if not _REMOTE.match(base) and ref is None:
        if not local.is_dir():
            raise TemplateSourceError(
                f"template source {base} does not exist",
                "pass a local directory, or a git URL with an optional @ref",
            )
        root = _template_root(local.resolve(), base)
        yield TemplateSource(
            root, str(local.resolve()), None, f"local-{_tree_hash(root)}", None, trust
        )
        return
    url = str(local.resolve()) if local.is_dir() else _expand(base)
    with tempfile.TemporaryDirectory(prefix="scaffold-source-") as tmp:
        clone = Path(tmp) / "src"
        try:
            # `--` ends the options: a recorded source such as `--upload-pack=...` is a URL.
            git(["clone", "--quiet", "--no-checkout", "--", url, str(clone)], Path(tmp))
            commit = _resolve_ref(clone, ref or "HEAD", spec)
            git(["checkout", "--quiet", "--detach", commit], clone)
        except GitError as exc:
            raise TemplateSourceError(
                f"cannot fetch template source {spec}: {exc.stderr.strip().splitlines()[-1:]}",
                "check the URL and that the ref (tag, branch or commit) exists",
            ) from exc
        version, commit = describe(clone)
        yield TemplateSource(_template_root(clone, spec), url, ref, version, commit, trust)
        shutil.rmtree(clone, ignore_errors=True)
