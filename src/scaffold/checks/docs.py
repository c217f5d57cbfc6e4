"""SC2xx: the architecture document and the licence."""

from __future__ import annotations

import re

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
    r"|<img\s",  # an HTML image
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


def architecture_doc(repo: Repo) -> str | None:
    """Return the path of the architecture document, matched case-insensitively."""
    by_lower = {f.lower(): f for f in repo.files}
    return next((by_lower[p] for p in _ARCH_DOCS if p in by_lower), None)


@check(
    "SC201",
    family="docs",
    title="An architecture document exists",
    why="The README gives the overview; a design document shows the reasoning behind it.",
    fix="Add docs/architecture.md: components, data flow, and the decisions with their trade-offs.",
)
def architecture_exists(repo: Repo) -> list[Finding]:
    """Fail when no architecture document is found."""
    if architecture_doc(repo):
        return []
    return [Finding(f"none of {', '.join(_ARCH_DOCS)} exists")]


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
    if _DIAGRAM.search(repo.read(path)):
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
    """Fail when the root has no licence file."""
    return [] if repo.find(*_LICENSES) else [Finding("no LICENSE file at the repository root")]
