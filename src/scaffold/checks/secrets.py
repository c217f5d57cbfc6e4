"""SC3xx: configuration through an example env file, and no secret in the tree or history.

Secrets are found by :mod:`scaffold.checks.secret_scan` (provider formats, private keys,
secret-named assignments; development defaults are warnings); the history is read blob by
blob with :mod:`scaffold.checks.history`. Findings name the file, the line, the kind of
secret and, in the history, the commit; never the value. Secrets already listed in a
detect-secrets ``.secrets.baseline`` (audited false positives) are not reported, unless the
baseline marks them as real (``is_secret: true``).
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from scaffold.checks.base import CouldNotRun, Finding, SkipCheck, check
from scaffold.checks.history import HistoryError, first_commits, list_blobs, read_blobs
from scaffold.checks.repo import Repo
from scaffold.checks.secret_scan import (
    MAX_HISTORY_NOTEBOOK_BYTES,
    Hit,
    scan_text,
    scannable,
)
from scaffold.errors import GitError

_EXAMPLES = (".env.example", ".env.sample", ".env.template", "example.env", ".env.dist")
_EXAMPLE_WORDS = ("example", "sample", "template", "dist", "jinja")
_BASELINE = ".secrets.baseline"
_FALSE_POSITIVE = (
    "Mark a false positive with a `# pragma: allowlist secret` comment on its line, or audit "
    "it into a detect-secrets .secrets.baseline."
)
_FIX_LEAK = (
    "For a real credential: rotate it first (it is compromised), then remove it and read it "
    "from the environment (.env, documented in .env.example). A development default "
    "(warning) is fine in tests and compose files; elsewhere read it from the environment "
    "too. " + _FALSE_POSITIVE
)


def _is_env_file(path: str) -> bool:
    name = PurePosixPath(path).name
    if name == ".env":
        return True
    suffixes = name.split(".")[2:] if name.startswith(".env.") else []
    return bool(suffixes) and not any(word in suffixes for word in _EXAMPLE_WORDS)


def _require_git(repo: Repo) -> None:
    if not repo.is_git:
        raise SkipCheck("not a git repository")


@check(
    "SC301",
    family="config",
    title="An environment example file (.env.example) exists",
    why="It documents every setting the code reads, so a clone can be configured without "
    "reading the source, and real values stay out of the repository.",
    fix="Add .env.example listing each environment variable with a safe default or an empty "
    "value and a comment.",
)
def env_example_exists(repo: Repo) -> list[Finding]:
    """Fail when no example env file is at the root."""
    return [] if repo.find(*_EXAMPLES) else [Finding("no .env.example at the repository root")]


@check(
    "SC302",
    family="config",
    title=".env is ignored by git and was never committed",
    why="A committed .env publishes every credential in it, and stays in the history.",
    fix="Add `.env` to .gitignore, `git rm --cached .env`, and rotate any credential that was "
    "ever committed.",
)
def env_ignored(repo: Repo) -> list[Finding]:
    """Check the ignore rules, the tracked files and the history for env files.

    Skipped for a project that has no env file of any kind and no code reading one.
    """
    _require_git(repo)
    if not _uses_env_files(repo):
        raise SkipCheck("the project has no .env file, example or dotenv loader")
    findings = []
    if not _ignored(repo, ".env"):
        findings.append(Finding(".env is not ignored (add it to .gitignore)", ".gitignore"))
    tracked = set(repo.git("ls-files", "-z").split("\0"))
    for path in repo.files:
        if not _is_env_file(path):
            continue
        if path in tracked:
            findings.append(Finding("env file is committed", path))
        elif path != ".env" and not _ignored(repo, path):
            findings.append(Finding("env file is not ignored", path))
    for commit, path in _env_files_in_history(repo):
        if path not in tracked:
            findings.append(Finding("env file was committed in the history", path, None, commit))
    return findings


_DOTENV = re.compile(r"dotenv|env_file|\.env\b|SettingsConfigDict|BaseSettings")


def _uses_env_files(repo: Repo) -> bool:
    if any(PurePosixPath(f).name.startswith(".env") or f.endswith(".env") for f in repo.files):
        return True
    try:
        if repo.git(
            "log", "--all", "--format=%H", "-1", "--", ":(glob)**/.env", ":(glob)**/.env.*"
        ):
            return True
    except GitError:
        pass
    code = (f for f in repo.files if f.endswith((".py", ".toml", ".yml", ".yaml", ".cfg", ".ini")))
    return any(_DOTENV.search(repo.read(f)) for f in code)


def _ignored(repo: Repo, path: str) -> bool:
    try:
        repo.git("check-ignore", "--quiet", "--no-index", path)
    except GitError:
        return False
    return True


def _env_files_in_history(repo: Repo) -> list[tuple[str, str]]:
    try:
        out = repo.git(
            "log",
            "--all",
            "--diff-filter=A",
            "--name-only",
            "--format=%x00%H",
            "--",
            ":(glob)**/.env",
            ":(glob)**/.env.*",
        )
    except GitError:  # no commits yet
        return []
    found: list[tuple[str, str]] = []
    for chunk in out.split("\0")[1:]:
        sha, *paths = chunk.strip().splitlines()
        found.extend((sha, p) for p in paths if p and _is_env_file(p))
    return found


def _audited(repo: Repo) -> set[str]:
    """Return the hashes of secrets audited as false positives in ``.secrets.baseline``."""
    if not repo.find(_BASELINE):
        return set()
    try:
        results = json.loads(repo.read(_BASELINE)).get("results", {})
    except (ValueError, AttributeError):
        return set()
    return {
        str(item.get("hashed_secret"))
        for items in results.values()
        for item in items
        if isinstance(item, dict) and not item.get("is_secret")
    }


def _tree_hits(repo: Repo) -> list[tuple[str, Hit]]:
    """Scan the files of the work tree once (both SC303 and SC304 use the result)."""
    cached = repo.memo.get("secrets:tree")
    if cached is None:
        audited = _audited(repo)
        cached = []
        for path in repo.files:
            full = repo.root / path
            try:
                if not scannable(path, full.stat().st_size) or full.is_symlink():
                    continue
                data = full.read_bytes()
            except OSError:
                continue
            cached.extend((path, h) for h in scan_text(path, data) if h.hashed not in audited)
        repo.memo["secrets:tree"] = cached
    return list(cached)


@check(
    "SC303",
    family="config",
    title="No secret in the files of the repository",
    why="A key in a public repository is found by scrapers within minutes.",
    fix=_FIX_LEAK,
)
def no_secrets_in_tree(repo: Repo) -> list[Finding]:
    """Scan every text file (tracked, or untracked and not ignored); notebooks by cell source."""
    found = {
        Finding(hit.message(), path, hit.line, warning=hit.warning)
        for path, hit in _tree_hits(repo)
    }
    return sorted(found, key=lambda f: (f.path or "", f.line or 0, f.message))


def _in_history_scan(path: str, size: int) -> bool:
    if path.lower().endswith(".ipynb") and size > MAX_HISTORY_NOTEBOOK_BYTES:
        return False
    return path != _BASELINE and scannable(path, size)


@check(
    "SC304",
    family="config",
    title="No secret in the git history",
    why="Deleting a secret in a later commit does not remove it: every clone still has it.",
    fix="For a real credential: rotate it (it is compromised), then rewrite the history "
    "(`git filter-repo --replace-text`) and force-push. " + _FALSE_POSITIVE,
)
def no_secrets_in_history(repo: Repo) -> list[Finding]:
    """Scan each text blob of every ref once; report secrets no longer in the files.

    Secrets still in the work tree are SC303's findings and are not repeated here.
    """
    _require_git(repo)
    audited = _audited(repo) | {hit.hashed for _, hit in _tree_hits(repo)}
    try:
        blobs = list_blobs(
            repo.root, lambda path, size: path != _BASELINE and scannable(path, size)
        )
        hits: dict[str, list[Hit]] = {}
        seen: set[str] = set()
        for sha, data in read_blobs(repo.root, list(blobs.paths)):
            found = [h for h in scan_text(blobs.paths[sha], data, seen) if h.hashed not in audited]
            if found:
                hits[sha] = found
        commits = first_commits(repo.root, set(hits))
    except HistoryError as exc:
        raise CouldNotRun(str(exc)) from exc
    findings: dict[tuple[str, str], Finding] = {}
    for sha, found in hits.items():
        for hit in found:
            message = hit.message() + " added"
            findings.setdefault(
                (blobs.paths[sha], hit.hashed),
                Finding(message, blobs.paths[sha], hit.line, commits.get(sha), hit.warning),
            )
    result = sorted(findings.values(), key=lambda f: (f.path or "", f.line or 0))
    if blobs.missing:
        reason = (
            f"{blobs.missing} object(s) of the history are missing (a partial or damaged "
            "clone): those were not scanned"
        )
        raise CouldNotRun(reason, result)
    return result
