"""SC2xx: the architecture document and the licence."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from scaffold.checks.base import Finding, check
from scaffold.checks.repo import Repo

_ARCH_DOCS = (
    "docs/architecture.md",
    "architecture.md",
    "docs/architecture/index.md",
    "docs/design.md",
)
_DIAGRAM = re.compile(
    r"^ {0,3}(```|~~~)\s*(mermaid|plantuml|dot|graphviz)\b"  # a diagram as code
    r"|!\[[^\]]*\]\([^)]+\)"  # a Markdown image
    r"|<img\s"  # an HTML image
    r"|^\.\.\s+(?:image|figure|mermaid|graphviz|uml)::"  # reStructuredText
    r"|^ {0,3}(```|~~~)\s*(?:text)?\s*\n[^`]*?(?:-->|──|──>|▶|\|\s*\n\s*v\b)",  # ASCII art
    re.I | re.M,
)
_LICENSES = (
    "LICENSE",
    "LICENSE.md",
    "LICENSE.txt",
    "LICENCE",
    "LICENCE.md",
    "LICENCE.txt",
    "COPYING",
    "COPYING.md",
    "UNLICENSE",
)


_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc")
_ARCH_NAME = re.compile(r"architect|design|system|overview|components|adr", re.I)
#: A heading that names the architecture, or its parts.
_ARCH_HEADING = re.compile(
    r"^ {0,3}#{1,4}\s.*\b(?:architecture|system design|components|data flow|how it works"
    r"|design overview)\b|^(?:architecture|system design|components|data flow)\s*\n[=\-~^]{3,}",
    re.I | re.M,
)
_MIN_WORDS = 60


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", text))


def architecture_doc(repo: Repo) -> str | None:
    """Return the document that describes the architecture, found by name then by content.

    A known name (``docs/architecture.md`` ...), then any document under ``docs/`` whose name
    says architecture or design, then any document under ``docs/`` with an architecture or
    components heading and a diagram; last the README, when its architecture section has a
    diagram or a components list. Empty files do not count.
    """
    by_lower = {f.lower(): f for f in repo.files}
    for known in _ARCH_DOCS:
        if known in by_lower and _words(repo.read(by_lower[known])) >= 3:
            return by_lower[known]
    docs = [
        f
        for f in repo.files
        if f.lower().startswith(("docs/", "doc/")) and f.lower().endswith(_DOC_SUFFIXES)
    ]
    named = [f for f in docs if _ARCH_NAME.search(PurePosixPath(f).name)]
    for path in sorted(named, key=lambda f: (f.count("/"), f)):
        text = repo.read(path)
        if _words(text) >= _MIN_WORDS or _DIAGRAM.search(text):
            return path
    for path in docs:
        text = repo.read(path)
        if _ARCH_HEADING.search(text) and (_DIAGRAM.search(text) or _words(text) >= 150):
            return path
    doc = repo.readme_doc
    if repo.readme and doc is not None:
        for section in doc.sections_of("architecture"):
            if _DIAGRAM.search(section.body) or _components(section.body):
                return repo.readme
    return None


def _components(text: str) -> bool:
    """A list of at least three components with a description each."""
    items = re.findall(r"^\s*(?:[-*+]|\d+\.)\s+\S.{15,}$|^\s*\|[^|]+\|[^|]{15,}\|", text, re.M)
    return len(items) >= 3


def architecture_text(repo: Repo, path: str) -> str:
    """The architecture part of ``path``: the README's architecture sections, else the file."""
    doc = repo.readme_doc
    if path == repo.readme and doc is not None:
        return "\n".join(s.body for s in doc.sections_of("architecture"))
    return repo.read(path)


@check(
    "SC201",
    family="docs",
    title="An architecture document exists",
    why="The README gives the overview; a design document shows the reasoning behind it.",
    fix="Add docs/architecture.md: components, data flow, and the decisions with their trade-offs "
    "(or an architecture section with a diagram in the README).",
)
def architecture_exists(repo: Repo) -> list[Finding]:
    """Fail when no document describes the architecture."""
    if architecture_doc(repo):
        return []
    return [
        Finding(
            "no architecture document: none of docs/architecture.md, a design document under "
            "docs/, or an architecture section with a diagram or components in the README"
        )
    ]


@check(
    "SC202",
    family="docs",
    title="The architecture document has a diagram",
    why="One diagram explains the data flow faster than a page of text.",
    fix="Add a ```mermaid flowchart (GitHub renders it) or an image to docs/architecture.md.",
    requires=("SC201",),
)
def architecture_diagram(repo: Repo) -> list[Finding]:
    """Require a mermaid (or other diagram-as-code) block or an image."""
    path = architecture_doc(repo)
    assert path is not None, "guarded by requires=('SC201',)"
    if _DIAGRAM.search(architecture_text(repo, path)):
        return []
    return [Finding("no ```mermaid block and no image", path)]


@check(
    "SC203",
    family="docs",
    title="A LICENSE file exists",
    why="Without a licence nobody may legally reuse the code, and reviewers notice.",
    fix="Add a LICENSE file (e.g. MIT or Apache-2.0; see https://choosealicense.com).",
)
def license_exists(repo: Repo) -> list[Finding]:
    """Fail when the root has no licence file (``LICENSE``, ``LICENSE-CODE``, ``COPYING.md``...)."""
    if repo.find(*_LICENSES) or any(
        re.match(r"(?:LICEN[CS]E|COPYING)[-_.]\w", f, re.I) for f in repo.files if "/" not in f
    ):
        return []
    return [Finding("no LICENSE file at the repository root")]
