"""SC3xx: configuration through an example env file, and no secret in the tree or history.

Secrets are found by detect-secrets (Yelp), imported only when these checks run. Findings name
the file, the line, the kind of secret and, in the history, the commit; never the value.
Secrets already listed in a detect-secrets ``.secrets.baseline`` (audited false positives)
are not reported, unless the baseline marks them as real (``is_secret: true``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from scaffold.checks.base import Finding, SkipCheck, check
from scaffold.checks.repo import Repo
from scaffold.errors import GitError

if TYPE_CHECKING:
    from detect_secrets.core.secrets_collection import SecretsCollection

_EXAMPLES = (".env.example", ".env.sample", ".env.template", "example.env", ".env.dist")
_EXAMPLE_WORDS = ("example", "sample", "template", "dist", "jinja")
_BASELINE = ".secrets.baseline"
_FALSE_POSITIVE = (
    "A false positive can be marked with a `# pragma: allowlist secret` comment or audited "
    "into .secrets.baseline (`detect-secrets scan > .secrets.baseline`)."
)
_FIX_LEAK = (
    "Rotate the credential first (it is compromised), then remove it and read it from the "
    "environment (.env, documented in .env.example). " + _FALSE_POSITIVE
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
    """Check the ignore rules, the tracked files and the history for env files."""
    _require_git(repo)
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


@contextmanager
def _detector(include_missing_files: bool) -> Iterator[type[SecretsCollection]]:
    """Yield detect-secrets' collection class under its default plugins and filters."""
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings, get_filters

    with default_settings() as settings:
        if include_missing_files:  # diffs name files that may no longer exist
            settings.disable_filters("detect_secrets.filters.common.is_invalid_file")
        get_filters.cache_clear()
        try:
            yield SecretsCollection
        finally:
            get_filters.cache_clear()


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


@check(
    "SC303",
    family="config",
    title="No secret in the files of the repository",
    why="A key in a public repository is found by scrapers within minutes.",
    fix=_FIX_LEAK,
)
def no_secrets_in_tree(repo: Repo) -> list[Finding]:
    """Scan every file (tracked, or untracked and not ignored) with detect-secrets."""
    audited = _audited(repo)
    with _detector(include_missing_files=False) as collection_class:
        collection = collection_class(root=str(repo.root))
        for path in repo.files:
            if path != _BASELINE:
                collection.scan_file(path)
        found = [
            Finding(f"possible {secret.type}", path, secret.line_number)
            for path, secret in collection
            if secret.secret_hash not in audited
        ]
    return sorted(set(found), key=lambda f: (f.path or "", f.line or 0, f.message))


@check(
    "SC304",
    family="config",
    title="No secret in the git history",
    why="Deleting a secret in a later commit does not remove it: every clone still has it.",
    fix="Rotate the credential (it is compromised), then rewrite the history "
    "(`git filter-repo --replace-text`) and force-push. " + _FALSE_POSITIVE,
)
def no_secrets_in_history(repo: Repo) -> list[Finding]:
    """Scan the lines every commit on every ref added, and report where each secret came in."""
    _require_git(repo)
    from unidiff.errors import UnidiffParseError

    audited = _audited(repo)
    try:
        log = repo.git(
            "log",
            "--all",
            "-p",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--format=%x00%H",
            "--",
            ".",
        )
    except GitError:  # no commits yet
        return []
    first_seen: dict[tuple[str, str], Finding] = {}
    with _detector(include_missing_files=True) as collection_class:
        for chunk in log.split("\0")[1:]:  # newest first: the last one seen is the oldest
            sha, _, diff = chunk.partition("\n")
            collection = collection_class()
            try:
                collection.scan_diff(diff.strip("\n") + "\n")
            except UnidiffParseError:  # a diff unidiff cannot read: nothing to scan in it
                continue
            for path, secret in collection:
                if secret.secret_hash not in audited and path != _BASELINE:
                    first_seen[(path, secret.secret_hash)] = Finding(
                        f"possible {secret.type} added", path, secret.line_number, sha
                    )
    return list(reversed(first_seen.values()))
