"""The repository under check: its files, its README, and git, read once and cached."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cached_property
from pathlib import Path
from typing import Any

from scaffold.checks.base import ToolMissing
from scaffold.checks.markdown import Document, rst_to_markdown
from scaffold.errors import GitError
from scaffold.gitrepo import git

#: Directories never walked when the repository is not a git repository.
_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
        ".ipynb_checkpoints",
        "site-packages",
        ".eggs",
    }
)
_README_NAMES = (
    "README.md",
    "README.markdown",
    "README.mdown",
    "README.rst",
    "README.txt",
    "README",
)


class Repo:
    """A read-only view of the repository at ``root``.

    Files are listed once: with git, the tracked files plus the untracked ones that are not
    ignored (what ``git add --all`` would commit); without git, every file outside virtual
    environments, caches and build output.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        #: Results shared between checks (e.g. one scan of the files for two secret checks).
        self.memo: dict[str, Any] = {}

    @cached_property
    def is_git(self) -> bool:
        """Whether ``root`` is inside a git work tree."""
        try:
            return self.git("rev-parse", "--is-inside-work-tree").strip() == "true"
        except (GitError, OSError):
            return False

    def git(self, *args: str) -> str:
        """Run git in ``root`` and return its stdout; raise :class:`GitError` on failure."""
        return git(list(args), self.root)

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every file of the repository, relative to ``root``, posix-style, sorted."""
        if self.is_git:
            out = self.git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
            names = {n for n in out.split("\0") if n}
            return tuple(sorted(n for n in names if (self.root / n).is_file()))
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            rel = Path(dirpath).relative_to(self.root)
            found.extend((rel / f).as_posix() for f in filenames)
        return tuple(sorted(found))

    def find(self, *names: str) -> str | None:
        """Return the first of ``names`` present at the root, matched case-insensitively."""
        at_root = {f.lower(): f for f in self.files if "/" not in f}
        for name in names:
            if name.lower() in at_root:
                return at_root[name.lower()]
        return None

    def read(self, rel: str) -> str:
        """Return the text of ``rel``; undecodable bytes are replaced, a missing file is ''."""
        try:
            return (self.root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def python_files(self) -> list[str]:
        """Return the repository's ``.py`` files."""
        return [f for f in self.files if f.endswith(".py")]

    @cached_property
    def readme(self) -> str | None:
        """The README's path relative to ``root``, or None."""
        return self.find(*_README_NAMES)

    @cached_property
    def readme_doc(self) -> Document | None:
        """The parsed README, or None when there is no README."""
        if not self.readme:
            return None
        text = self.read(self.readme)
        if self.readme.lower().endswith(".rst"):
            text = rst_to_markdown(text)
        return Document(text)


def run_tool(tool: str, args: list[str], cwd: Path, install_hint: str) -> tuple[int, str]:
    """Run an external linter and return its exit code and combined output.

    The tool is looked up on ``PATH`` and next to the running Python (a virtual environment
    that is not activated still has its linters in ``bin/``).

    Raises:
        ToolMissing: The tool is not installed.
    """
    exe = shutil.which(tool) or shutil.which(tool, path=str(Path(sys.executable).parent))
    if exe is None:
        raise ToolMissing(tool, install_hint)
    proc = subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )
    return proc.returncode, proc.stdout + proc.stderr
