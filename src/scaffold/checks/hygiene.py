"""SC204, SC504: the owner's identity instead of a placeholder; no models or databases in git."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from scaffold.checks.base import Finding, check
from scaffold.checks.repo import Repo

#: Files that name the author.
_IDENTITY_FILES = re.compile(
    r"^(?:LICEN[CS]E|COPYING)(?:\.\w+)?$|^(?:pyproject\.toml|setup\.py|setup\.cfg|package\.json"
    r"|CITATION\.cff|mkdocs\.yml|README(?:\.\w+)?|\.copier-answers\.yml|Cargo\.toml)$",
    re.I,
)
_PLACEHOLDER_IDENTITY = re.compile(
    r"\byour[ _.-]?name\b|\byou@example\.com\b|\byour[._-]?email@|\byour@email\b"
    r"|\[(?:fullname|full name|name of copyright owner|yyyy|year)\]"
    r"|<(?:your name|copyright holders?|year)>|\bjohn doe\b|\bjane doe\b",
    re.I,
)
#: Models, databases and archives: generated artefacts, not source.
_ARTEFACT_WORDS = (
    "pkl pickle joblib pt pth ckpt safetensors onnx h5 hdf5 keras tflite pb mlmodel gguf bin "
    "npy npz db sqlite sqlite3 duckdb mdb zip tar gz tgz 7z rar jar whl exe dll so dylib"
)
_ARTEFACTS = frozenset(_ARTEFACT_WORDS.split())
_ARTEFACT_MIN = 100_000
_BINARY_MIN = 1_000_000
_LFS = b"version https://git-lfs.github.com/spec/"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


@check(
    "SC204",
    family="docs",
    title="The owner is named, not a template placeholder",
    why="`Copyright (c) Your Name` in a licence tells a reviewer nobody read the generated files.",
    fix="Put your name and email in LICENSE, pyproject.toml and README (or regenerate with "
    "`git config user.name/user.email` set).",
)
def owner_named(repo: Repo) -> list[Finding]:
    """Report placeholder names and emails in the files that name the author."""
    findings = []
    for path in repo.files:
        if "/" in path or not _IDENTITY_FILES.match(path):
            continue
        fenced = False  # in a README, commands in code blocks are instructions, not identity
        readme = path.lower().startswith("readme")
        for number, line in enumerate(repo.read(path).splitlines(), 1):
            if readme and re.match(r" {0,3}(```|~~~)", line):
                fenced = not fenced
            if fenced or (readme and line.lstrip().startswith(("$", "git ", "`"))):
                continue
            if m := _PLACEHOLDER_IDENTITY.search(line):
                findings.append(Finding(f"placeholder identity {m[0]!r}", path, number))
    return findings


@check(
    "SC504",
    family="code",
    title="No models, databases or large binaries committed",
    why="Models and databases bloat every clone forever and go stale; reviewers expect them to "
    "be built by the code, or fetched from a registry.",
    fix="Remove them from git (`git rm --cached`), ignore them, and document how to rebuild or "
    "fetch them (Git LFS, a model registry, a release asset).",
    severity="warning",
)
def no_committed_artefacts(repo: Repo) -> list[Finding]:
    """Warn about model, database and archive files, and any binary file over 1 MB."""
    findings = []
    for path in repo.files:
        full = repo.root / path
        try:
            size = full.stat().st_size
        except OSError:
            continue
        suffix = PurePosixPath(path).suffix.lstrip(".").lower()
        if size < _ARTEFACT_MIN or (suffix not in _ARTEFACTS and size < _BINARY_MIN):
            continue
        try:
            with full.open("rb") as handle:
                head = handle.read(8192)
        except OSError:
            continue
        if head.startswith(_LFS):
            continue
        if suffix in _ARTEFACTS or b"\0" in head:
            kind = "model or database" if suffix in _ARTEFACTS else "binary file"
            findings.append(Finding(f"committed {kind} ({_size(size)})", path, warning=True))
    return findings
