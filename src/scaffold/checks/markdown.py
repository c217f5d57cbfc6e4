"""Just enough Markdown: headings, the sections under them, and whether a section has prose.

Headings are matched by *kind* (summary, quickstart, ...) through synonyms, case-insensitively
and ignoring numbering, emoji and punctuation, so "## 2. Getting Started 🚀" is a quickstart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z]{2,}")

#: Heading kinds: the synonyms that name them, and kinds whose match rules them out.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "architecture": (("architecture", "system design", "how it works", "system overview"), ()),
    "summary": (
        ("executive summary", "summary", "overview", "tl dr", "tldr", "about", "introduction"),
        ("architecture",),
    ),
    "quickstart": (
        (
            "quickstart",
            "quick start",
            "getting started",
            "installation",
            "install",
            "setup",
            "set up",
            "usage",
            "how to run",
            "how to use",
            "running locally",
            "run locally",
        ),
        (),
    ),
    "results": (("results", "evaluation", "metrics", "benchmarks", "performance"), ()),
    "lessons": (
        ("lessons learned", "lessons", "learnings", "what i learned", "retrospective", "takeaways"),
        (),
    ),
    "deployment": (
        ("deployment", "deploy", "deploying", "live demo", "demo", "hosting", "production"),
        (),
    ),
}


def normalize(text: str) -> str:
    """Lower-case ``text`` and reduce it to words separated by single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def heading_kinds(title: str) -> set[str]:
    """Return the kinds of section a heading names (possibly none, possibly several)."""
    words = f" {normalize(title)} "
    matched = {
        kind
        for kind, (synonyms, _) in KINDS.items()
        if any(f" {normalize(s)} " in words for s in synonyms)
    }
    return {kind for kind in matched if not matched.intersection(KINDS[kind][1])}


def prose_words(text: str) -> int:
    """Count the words a reader sees in ``text``: comments, images and tags removed."""
    text = _TAG.sub(" ", _IMAGE.sub(" ", _COMMENT.sub(" ", text)))
    return len(_WORD.findall(text))


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it up to the next heading of the same or higher level.

    Attributes:
        title: The heading text.
        level: 1 for ``#``, 2 for ``##``, ...
        line: The 1-based line of the heading.
        body: The text under the heading, sub-sections included.
    """

    title: str
    level: int
    line: int
    body: str

    @property
    def kinds(self) -> set[str]:
        """The kinds this section's heading names."""
        return heading_kinds(self.title)


class Document:
    """A Markdown document split into sections."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines()

    @cached_property
    def headings(self) -> list[tuple[int, int, str]]:
        """``(index, level, title)`` of each heading, fenced code blocks excluded."""
        found: list[tuple[int, int, str]] = []
        fence: str | None = None
        for i, line in enumerate(self.lines):
            if m := _FENCE.match(line):
                marker = m[1][0] * 3
                if fence is None:
                    fence = marker
                elif marker == fence:
                    fence = None
                continue
            if fence is not None:
                continue
            if m := _ATX.match(line):
                found.append((i, len(m[1]), m[2]))
            elif (
                i > 0
                and (m := _SETEXT.match(line))
                and self.lines[i - 1].strip()
                and not _ATX.match(self.lines[i - 1])
                and not (found and found[-1][0] == i - 1)
            ):
                level = 1 if m[1].startswith("=") else 2
                found.append((i - 1, level, self.lines[i - 1].strip()))
        return found

    @cached_property
    def sections(self) -> list[Section]:
        """Every section of the document, in order."""
        result = []
        heads = self.headings
        for n, (index, level, title) in enumerate(heads):
            start = index + 2 if self._is_setext(index) else index + 1
            end = next((i for i, lvl, _ in heads[n + 1 :] if lvl <= level), len(self.lines))
            result.append(Section(title, level, index + 1, "\n".join(self.lines[start:end])))
        return result

    def _is_setext(self, index: int) -> bool:
        return (
            index + 1 < len(self.lines)
            and bool(_SETEXT.match(self.lines[index + 1]))
            and (not _ATX.match(self.lines[index]))
        )

    @property
    def intro(self) -> str:
        """The text before the first heading below the title (level 2 or deeper)."""
        first_sub = next((i for i, lvl, _ in self.headings if lvl >= 2), len(self.lines))
        titles = {i for i, lvl, _ in self.headings if lvl == 1}
        skip = titles | {i + 1 for i in titles if self._is_setext(i)}
        return "\n".join(line for i, line in enumerate(self.lines[:first_sub]) if i not in skip)

    def sections_of(self, kind: str) -> list[Section]:
        """Return the sections whose heading names ``kind``."""
        return [s for s in self.sections if kind in s.kinds]


_RST_ADORN = re.compile(r"^([=\-~^\"'`#*+:._])\1{2,}\s*$")
_RST_CODE = re.compile(r"^\.\.\s+(?:code-block|code|sourcecode)::")


def rst_to_markdown(text: str) -> str:
    """Turn reStructuredText into just enough Markdown for :class:`Document`.

    Section titles (underlined, optionally overlined) become ATX headings, levels by the order
    in which each adornment style first appears; ``::`` literal blocks and ``code-block``
    directives become fenced code blocks. Everything else is kept as it is.
    """
    lines = text.splitlines()
    styles: list[str] = []
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        over = _RST_ADORN.match(line)
        if over and i + 2 < len(lines) and _RST_ADORN.match(lines[i + 2]) and lines[i + 1].strip():
            style, title, i = "over" + line.strip()[0], lines[i + 1].strip(), i + 3
        elif (
            line.strip()
            and not _RST_ADORN.match(line)
            and (m := _RST_ADORN.match(nxt))
            and len(nxt.strip()) >= len(line.strip()) - 1
        ):
            style, title, i = m[1], line.strip(), i + 2
        else:
            starts_block = line.rstrip().endswith("::") or _RST_CODE.match(line.strip())
            out.append(line[:-1] if line.rstrip().endswith("::") else line)
            i += 1
            if starts_block:
                i = _rst_block(lines, i, out)
            continue
        if style not in styles:
            styles.append(style)
        out.append(f"{'#' * min(styles.index(style) + 1, 6)} {title}")
    return "\n".join(out) + "\n"


def _rst_block(lines: list[str], i: int, out: list[str]) -> int:
    """Copy the indented block from ``lines[i]`` into ``out`` as a fenced block."""
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith(":")):
        i += 1
    body: list[str] = []
    while i < len(lines) and (not lines[i].strip() or lines[i][:1] in (" ", "\t")):
        body.append(lines[i])
        i += 1
    if body:
        out += ["```", *(b.strip() for b in body if b.strip()), "```", ""]
    return i


#: A fenced code block, also indented (inside a list item).
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1\s*$", re.M | re.S)
_INLINE = re.compile(r"`([^`\n]+)`")


def code_blocks(text: str) -> list[str]:
    """Return the content of the fenced code blocks of ``text``."""
    return [m[2] for m in _FENCED.finditer(text)]


def code_snippets(text: str) -> list[str]:
    """Return the fenced code blocks, ``$``-prompted lines and inline code spans of ``text``."""
    blocks = [m[2] for m in _FENCED.finditer(text)]
    rest = _FENCED.sub(" ", text)
    prompts = [line.strip()[1:] for line in rest.splitlines() if line.strip().startswith("$ ")]
    return blocks + prompts + _INLINE.findall(rest)
