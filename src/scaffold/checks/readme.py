"""SC1xx: the README a hiring manager reads first."""

from __future__ import annotations

import re

from scaffold.checks.base import Finding, check
from scaffold.checks.markdown import Document, Section, prose_words
from scaffold.checks.repo import Repo

#: The marker the scaffold templates put in the prompt text of "Lessons learned".
LESSONS_PROMPT_MARKER = "<!-- scaffold:lessons-prompt -->"
#: The marker as found: the comment may go on with instructions after a colon.
_PROMPT = re.compile(r"<!--\s*scaffold:lessons-prompt\b", re.I)
#: An introduction without a heading counts as the summary when it is at least this long.
_INTRO_WORDS = 25
_SECTION_WORDS = 3
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_APP_HOSTS = re.compile(
    r"^https?://([a-z0-9-]+\.)+(fly\.dev|onrender\.com|herokuapp\.com|streamlit\.app|"
    r"vercel\.app|netlify\.app|railway\.app|run\.app|azurewebsites\.net|modal\.run|"
    r"pages\.dev|github\.io|azurecontainerapps\.io|amazonaws\.com)\b"
    r"|^https?://huggingface\.co/spaces/",
    re.I,
)
_DEMO_WORDS = re.compile(r"\b(live|demo|deployed|try it)\b", re.I)


def _doc(repo: Repo) -> Document:
    doc = repo.readme_doc
    assert doc is not None, "guarded by requires=('SC101',)"
    return doc


def _section_findings(repo: Repo, kind: str, label: str, examples: str) -> list[Finding]:
    """Require a section of ``kind`` with some prose in it."""
    doc = _doc(repo)
    sections = doc.sections_of(kind)
    if not sections:
        return [Finding(f"no {label} section (a heading such as {examples})", repo.readme)]
    if any(prose_words(s.body) >= _SECTION_WORDS for s in sections):
        return []
    return [Finding(f"the {label} section is empty", repo.readme, s.line) for s in sections]


@check(
    "SC101",
    family="readme",
    title="README exists",
    why="The README is the first and often the only file a reviewer opens.",
    fix="Add a README.md at the repository root.",
)
def readme_exists(repo: Repo) -> list[Finding]:
    """Fail when the root has no README."""
    return [] if repo.readme else [Finding("no README.md at the repository root")]


@check(
    "SC102",
    family="readme",
    title="README has an executive summary",
    why="A reviewer decides in seconds whether to read on: say what the project does, for "
    "whom, and how well.",
    fix='Add an "Executive summary" section (or an introduction of a few sentences under the '
    "title): problem, approach, headline result.",
    requires=("SC101",),
)
def readme_summary(repo: Repo) -> list[Finding]:
    """Pass on a summary-like section with prose, or a substantial introduction."""
    if prose_words(_doc(repo).intro) >= _INTRO_WORDS:
        return []
    return _section_findings(repo, "summary", "executive summary", '"Executive summary"')


@check(
    "SC103",
    family="readme",
    title="README has an architecture overview",
    why="Showing how the parts fit together is what distinguishes engineering from a notebook.",
    fix='Add an "Architecture overview" section that names the components and links to '
    "docs/architecture.md.",
    requires=("SC101",),
)
def readme_architecture(repo: Repo) -> list[Finding]:
    """Require an architecture section with prose."""
    return _section_findings(repo, "architecture", "architecture overview", '"Architecture"')


@check(
    "SC104",
    family="readme",
    title="README has installation / quickstart instructions",
    why="A reviewer who cannot run the project in five minutes assumes it does not run.",
    fix='Add a "Quickstart" section with the exact commands, e.g. `make setup`, `make test`, '
    "`make run`.",
    requires=("SC101",),
)
def readme_quickstart(repo: Repo) -> list[Finding]:
    """Require a quickstart-like section with prose or commands."""
    return _section_findings(
        repo, "quickstart", "quickstart", '"Quickstart", "Getting started" or "Installation"'
    )


@check(
    "SC105",
    family="readme",
    title="README reports results",
    why="Numbers on a stated evaluation are the evidence that the system works.",
    fix='Add a "Results" section with the metrics of your latest evaluation run and how to '
    "reproduce them.",
    requires=("SC101",),
)
def readme_results(repo: Repo) -> list[Finding]:
    """Require a results-like section with prose."""
    return _section_findings(repo, "results", "results", '"Results" or "Evaluation"')


def _lessons_findings(repo: Repo, sections: list[Section]) -> list[Finding]:
    findings = []
    for s in sections:
        if m := _PROMPT.search(s.body):
            line = s.line + 1 + s.body.count("\n", 0, m.start())
            findings.append(
                Finding("still the template's prompt text, not yet written", repo.readme, line)
            )
    return findings


@check(
    "SC106",
    family="readme",
    title="README has lessons learned written by the owner",
    why="What you would do differently is what interviewers ask about; template text shows "
    "the project was never finished.",
    fix='Replace the prompt in "Lessons learned" with your own lessons, and delete the '
    f"`{LESSONS_PROMPT_MARKER}` comment.",
    requires=("SC101",),
)
def readme_lessons(repo: Repo) -> list[Finding]:
    """Require a lessons section that no longer holds the template's prompt."""
    sections = _doc(repo).sections_of("lessons")
    if not sections:
        return [Finding('no "Lessons learned" section', repo.readme)]
    return _lessons_findings(repo, sections) or _section_findings(
        repo, "lessons", "lessons learned", '"Lessons learned"'
    )


@check(
    "SC107",
    family="readme",
    title="README explains the deployment or links to a public URL",
    why="A running system, or the exact way to run one, proves the project leaves the laptop.",
    fix='Add a "Deployment" section (target, command, settings), or link the live demo URL.',
    requires=("SC101",),
)
def readme_deployment(repo: Repo) -> list[Finding]:
    """Pass on a deployment section with prose or a link to a hosted app or demo."""
    problems = _section_findings(
        repo, "deployment", "deployment", '"Deployment"; or a link to a live demo'
    )
    for line in _doc(repo).lines if problems else []:
        for url in _URL.findall(line):
            if _APP_HOSTS.match(url) or _DEMO_WORDS.search(line):
                return []
    return problems
