"""SC1xx: the README a hiring manager reads first."""

from __future__ import annotations

import re
from functools import cache

from scaffold.catalog import Catalog, load_catalog
from scaffold.checks.base import Finding, check
from scaffold.checks.markdown import Document, Section, code_blocks, code_snippets, prose_words
from scaffold.checks.repo import Repo

#: The marker the scaffold templates put in the prompt text of "Lessons learned".
LESSONS_PROMPT_MARKER = "<!-- scaffold:lessons-prompt -->"
#: The marker as found: the comment may go on with instructions after a colon.
_PROMPT = re.compile(r"<!--\s*scaffold:lessons-prompt\b", re.I)
#: An introduction without a heading counts as the summary when it is at least this long.
_INTRO_WORDS = 25
#: Lessons in the owner's words: at least this many words, some in the first person.
_LESSONS_WORDS = 30
_FIRST_PERSON = re.compile(r"\b(?:I|I'[a-z]+|my|me|we|we'[a-z]+|our|us)\b", re.I)
#: The template's prompt text, if the marker comment was deleted but the prompt kept.
_PROMPT_TEXT = re.compile(
    r"To be written by .{1,80} after building and running the project"
    r"|What surprised you when you ran it on real data",
    re.I,
)
_SECTION_WORDS = 3
_URL = re.compile(r"https?://[^\s)>\]\"']+")
#: Addresses of a deployed app on hosts that no deploy target names; each target's own are
#: its ``app_urls`` in catalog.yml. A host, ``*.`` for any subdomain, or a host and a path.
_OTHER_APP_URLS = (
    "*.herokuapp.com",
    "*.vercel.app",
    "*.netlify.app",
    "*.railway.app",
    "*.azurewebsites.net",
    "*.modal.run",
    "*.pages.dev",
    "*.github.io",
)
_DEMO_WORDS = re.compile(r"\b(live|demo|deployed|try it)\b", re.I)


def _url_regex(pattern: str) -> str:
    host, slash, path = pattern.partition("/")
    any_subdomain = host.startswith("*.")
    prefix = r"^https?://" + (r"([a-z0-9-]+\.)+" if any_subdomain else "")
    host = host.removeprefix("*.")
    return prefix + re.escape(host) + (re.escape(slash + path) if slash else r"\b")


def app_url_pattern(catalog: Catalog | None = None) -> re.Pattern[str]:
    """What a live demo's address looks like: every target's ``app_urls`` and the others."""
    targets = (catalog or load_catalog()).deploy_targets.values()
    urls = [*_OTHER_APP_URLS, *(url for target in targets for url in target.app_urls)]
    return re.compile("|".join(_url_regex(url) for url in urls), re.I)


_app_urls = cache(app_url_pattern)


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
    fix="Add a README.md (or README.rst) at the repository root.",
)
def readme_exists(repo: Repo) -> list[Finding]:
    """Fail when the root has no README (.md, .rst, .txt or no extension)."""
    return [] if repo.readme else [Finding("no README.md (or .rst) at the repository root")]


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
    """Require install or run commands in code, under a quickstart-like heading.

    Without such a heading, a code block of commands anywhere in the README passes too: the
    reader can still copy the commands. A heading with prose and no command fails.
    """
    doc = _doc(repo)
    sections = doc.sections_of("quickstart")
    if any(_has_commands(s.body) for s in sections):
        return []
    if not sections:
        if any(_SETUP.search(block) for block in code_blocks(doc.text)):
            return []
        return [
            Finding(
                'no quickstart section (a heading such as "Quickstart", "Getting started" '
                'or "Installation") and no code block of commands',
                repo.readme,
            )
        ]
    return [
        Finding(
            "the quickstart has no command to copy (a code block with e.g. `pip install`, "
            "`make setup`, `docker compose up`)",
            repo.readme,
            s.line,
        )
        for s in sections
    ]


#: A command a reader can run: the first word of a line of a code block or code span.
_COMMAND = re.compile(
    r"^\s*(?:\$\s*|>\s*|PS>\s*)?(?:sudo\s+)?(?:[A-Z_]+=\S+\s+)*(?:"
    r"pip3?|python3?(?:\.\d+)?|py|uv|uvx|poetry|pdm|pipenv|pipx|conda|mamba|micromamba|make|"
    r"docker(?:-compose)?|podman|npm|npx|yarn|pnpm|bun|deno|node|git|streamlit|uvicorn|gunicorn|"
    r"flask|fastapi|django-admin|jupyter|jupyter-lab|bash|sh|zsh|source|cd|just|mise|nox|tox|"
    r"pytest|hatch|rye|pixi|curl|wget|az|azd|gcloud|aws|sam|cdk|kubectl|helm|terraform|dvc|"
    r"mlflow|go|cargo|export|cp|mkdir|brew|apt|apt-get|modal|fly|flyctl|railway|vercel|"
    r"ollama|chainlit|gradio|airflow|dagster|prefect|zenml|kedro|mkdocs|pre-commit|scaffold|"
    r"\./[\w./-]+|[\w./-]+\.(?:py|sh)|manage\.py|\.\\[\w\\.-]+)(?:\s|$)",
    re.M,
)


#: Without a quickstart heading, only installing or running the project counts.
_SETUP = re.compile(
    r"^\s*(?:\$\s*)?(?:pip3?\s+install|uv\s+(?:sync|pip|run|tool)|poetry\s+(?:install|run)|pdm\s+"
    r"(?:install|run)|pipenv\s+(?:install|run)|conda\s+(?:env|create|install)|mamba\s|make\s"
    r"|docker(?:-compose|\s+compose)?\s+(?:run|up|build)|npm\s+(?:install|ci|run|start)|yarn\b"
    r"|pnpm\s|git\s+clone|python3?\s+(?:-m\s+)?\S+|streamlit\s+run|uvicorn\s|flask\s+run"
    r"|just\s|mise\s|azd\s+up|cookiecutter\s|copier\s|jupyter\s)",
    re.M,
)


def _has_commands(text: str) -> bool:
    return any(_COMMAND.search(snippet) for snippet in code_snippets(text))


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
    """Require numbers in a results-like section: a table, or a metric named next to a value.

    Where the section has generated-results markers (``<!-- eval:start -->`` ...), only the
    text between them counts: the template's explanation around them is not a result.
    """
    doc = _doc(repo)
    sections = doc.sections_of("results")
    if not sections:
        return [
            Finding('no results section (a heading such as "Results" or "Evaluation")', repo.readme)
        ]
    for s in sections:
        marked = bool(RESULTS_BLOCK.search(s.body))  # generated blocks are tables
        if has_figures(results_text(s.body), tables_only=marked):
            return []
    return [
        Finding(
            "the results section has no numbers (a table of metrics, or e.g. `accuracy 0.91`)",
            repo.readme,
            s.line,
        )
        for s in sections
    ]


#: Generated-results markers, e.g. ``<!-- eval:start -->`` ... ``<!-- eval:end -->``.
RESULTS_BLOCK = re.compile(
    r"<!--\s*([\w-]*(?:result|eval|metric)[\w-]*):start\s*-->(.*?)<!--\s*\1:end\s*-->",
    re.S | re.I,
)
#: A value: a standalone number (not part of ``hit@5``, ``F1``, ``v1.2`` or a date).
NUMBER = re.compile(r"(?<![\w@.#/:-])[-+]?\d+(?:[.,]\d+)*(?:\s?%)?(?![\w@/]|\.\d)")
_METRIC = re.compile(
    r"accura|precision|recall|\bf1|f-1|f-score|\bauc|roc|rmse|\bmae\b|\bmse\b|mape|\br2\b|r²"
    r"|bleu|rouge|meteor|\bmrr\b|ndcg|\bmap\b|\bhit|faithful|relevan|exact match|\bem\b"
    r"|latency|p50|p9[59]|throughput|loss|perplexity|score|error|\biou\b|dice|\bwer\b|\bcer\b"
    r"|brier|kappa|\bmcc\b|specificity|sensitivity|coverage|top-?\d|\brps\b|\bqps\b|\bms\b"
    r"|second|speed|cost|win rate|pass@|bertscore|correct|improv|baseline|sharpe|return",
    re.I,
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def results_text(body: str) -> str:
    """The part of a results section that holds results (the generated block, if marked)."""
    blocks = RESULTS_BLOCK.findall(body)
    return "\n".join(b for _, b in blocks) if blocks else body


def _values(line: str) -> list[str]:
    return [n for n in NUMBER.findall(line) if not _YEAR.match(n.strip())]


def has_figures(text: str, *, tables_only: bool = False) -> bool:
    """Whether ``text`` reports numbers: a table cell, or a metric named on a line with one."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and not set(stripped) <= set("|-: "):
            cells = [c.strip().strip("*_`") for c in stripped.strip("|").split("|")]
            if any(
                NUMBER.fullmatch(c) or re.fullmatch(r"[\d.,]+\s*(%|ms|s|x)?", c) for c in cells[1:]
            ):
                return True
        elif not tables_only and _METRIC.search(stripped) and _values(stripped):
            return True
    return False


def _lessons_findings(repo: Repo, sections: list[Section]) -> list[Finding]:
    findings = []
    for s in sections:
        if m := _PROMPT.search(s.body) or _PROMPT_TEXT.search(s.body):
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
    """Require lessons in the owner's words: first-person prose, not the template's prompt."""
    sections = _doc(repo).sections_of("lessons")
    if not sections:
        return [Finding('no "Lessons learned" section', repo.readme)]
    prompts = _lessons_findings(repo, sections)
    if prompts:
        return prompts
    for s in sections:
        prose = re.sub(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", " ", s.body, flags=re.M | re.S)
        if prose_words(prose) >= _LESSONS_WORDS and _FIRST_PERSON.search(prose):
            return []
    return [
        Finding(
            f"the lessons section is empty or not yet written: at least {_LESSONS_WORDS} words in "
            "your own voice (what you learned, what you would do differently)",
            repo.readme,
            s.line,
        )
        for s in sections
    ]


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
            if _app_urls().match(url) or _DEMO_WORDS.search(line):
                return []
    return problems
