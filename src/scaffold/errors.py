"""User-facing errors: each carries a message, a hint and the exit code the CLI uses.

Exit codes: 0 ok, 1 failure, 2 bad usage or bad input, 3 problems found (check, update
conflicts), 4 untrusted template source. Core modules raise these; only ``cli.py`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class ScaffoldError(Exception):
    """Base class of every error scaffold expects and explains to its user."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ScaffoldError):
    """Bad usage or bad input: nothing was done."""

    exit_code = 2


class UnknownTemplateError(UsageError):
    """The template name is not one of the catalog's templates."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = list(available)
        super().__init__(
            f"unknown template {name!r}",
            f"choose one of: {', '.join(self.available)} (see `scaffold list`)",
        )


class UnknownChoiceError(UsageError):
    """An answer to a multiple-choice question is not one of its choices."""

    def __init__(self, question: str, value: object, available: Iterable[str]) -> None:
        self.question = question
        self.value = value
        self.available = list(available)
        super().__init__(
            f"unknown {question.replace('_', ' ')} {value!r}",
            f"choose one of: {', '.join(self.available)} (see `scaffold list`)",
        )


class InvalidAnswerError(UsageError):
    """An answer fails the template's validator; ``rule`` says what is allowed."""

    def __init__(self, question: str, rule: str) -> None:
        self.question = question
        self.rule = rule
        super().__init__(f"invalid {question}", rule)


class AnswersFileError(UsageError):
    """An answers file is missing or not a YAML mapping."""

    def __init__(
        self, path: Path, problem: str, line: int | None = None, hint: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(
            f"malformed answers file {where}: {problem}",
            hint or "an answers file is a YAML mapping of question to answer, e.g. `domain: legal`",
        )


class MissingAnswersError(UsageError):
    """No terminal to ask on, and answers without a default were not given."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = list(missing)
        super().__init__(
            f"no terminal to ask for: {', '.join(self.missing)}",
            "answer with flags (--domain, --deploy, --data key=value, --answers-file) "
            "or pass --defaults to accept the defaults",
        )


class DestinationExistsError(UsageError):
    """The destination exists and is not an empty directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"destination {path} exists and is not empty",
            "choose a new directory, or remove this one first",
        )


class UnknownCheckError(UsageError):
    """A ``--select`` / ``--ignore`` value names no check."""

    def __init__(self, selector: str, available: Iterable[str]) -> None:
        self.selector = selector
        self.available = list(available)
        super().__init__(
            f"unknown check id {selector!r}",
            f"use an id or a prefix of one: {', '.join(self.available)}",
        )


class TemplateSourceError(UsageError):
    """The template source cannot be found or read."""


class UntrustedSourceError(ScaffoldError):
    """A template source outside scaffold uses Copier's unsafe features."""

    exit_code = 4


class RenderError(ScaffoldError):
    """Copier failed to render the template."""


class GitError(ScaffoldError):
    """A git command failed."""

    def __init__(self, args: list[str], stderr: str) -> None:
        self.args_ = args
        self.stderr = stderr
        super().__init__(
            f"git {' '.join(args)} failed: {stderr.strip() or 'no message'}",
            "check that git is installed and that the repository is not in use",
        )


class DirtyWorkTreeError(UsageError):
    """The work tree has uncommitted or untracked files; an update would mix with them."""

    def __init__(self, paths: Iterable[str], command: str = "scaffold update") -> None:
        self.paths = list(paths)
        shown = ", ".join(self.paths[:10]) + (" ..." if len(self.paths) > 10 else "")
        super().__init__(
            f"the work tree has uncommitted changes: {shown}",
            f"commit or stash them (untracked files too), then run {command} again",
        )


class NoRenderCommitError(UsageError):
    """No pristine render commit is reachable from HEAD."""

    def __init__(self) -> None:
        super().__init__(
            "no pristine render commit (with Scaffold-Template trailers) in the history of HEAD",
            "if the repo was made by `copier copy` or its history was rewritten, name the commit "
            "that holds the template's unchanged output: scaffold update --baseline REV",
        )


class ExistingProjectError(UsageError):
    """The destination cannot take a render of the feature alone (existing-project mode)."""
