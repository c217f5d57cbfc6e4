"""``scaffold new``: the one caller of Copier's ``run_copy``.

A render happens in a hidden temporary directory beside the destination: Copier writes the
files, scaffold records its metadata in the answers file, ``git init`` and a pristine render
commit follow, and only then is the directory renamed into place. An error or an interrupt at
any point removes the temporary directory, so the destination is never half-written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.answers import check_answers, check_value, template_questions
from scaffold.catalog import Template, catalog_of
from scaffold.errors import (
    DestinationExistsError,
    GitError,
    InvalidAnswerError,
    MissingAnswersError,
    RenderError,
    UnknownChoiceError,
    UntrustedSourceError,
    UsageError,
)
from scaffold.gitrepo import commit_all, git, init_repo
from scaffold.project import (
    ANSWERS_FILE,
    BUNDLED,
    COPIER_BUNDLED,
    COPIER_SOURCE_KEY,
    SOURCE_KEY,
    VERSION_KEY,
    is_answers_file,
    render_commit_message,
)
from scaffold.project import author as recorded_author
from scaffold.sources import TemplateSource
from scaffold.staging import TEMP_PREFIX, Staging, sweep

__all__ = ["TEMP_PREFIX", "RenderResult", "render_project"]

#: Answers a run without a terminal must be given unless ``--defaults`` is passed.
REQUIRED_WITHOUT_TERMINAL = ("template", "domain", "deploy_target")
_PROJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,63}")
_VALIDATION = re.compile(r"^Validation error for question '(\w+)': (.*)$", re.S)
_CHOICE = re.compile(r"^Invalid choice for '(\w+)': (.*) is not in \[(.*)\]$", re.S)


@dataclass(frozen=True)
class RenderResult:
    """What ``render_project`` made."""

    path: Path
    template: str
    version: str
    source: str
    commit: str
    answers: dict[str, Any] = field(default_factory=dict)
    files: int = 0
    notices: list[str] = field(default_factory=list)
    """Things the user should know that are not errors (e.g. leftovers that were removed)."""
    home: str = ""
    """The folder of ``path`` that holds the render's own project ("": ``path`` itself)."""
    guide: str = ""
    """A document of ``path`` the owner reads next, when the render joined a project."""


def check_destination(dest: Path) -> None:
    """Refuse a destination that exists and is not an empty directory."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise DestinationExistsError(dest)


def _check_known_choices(source: TemplateSource, answers: dict[str, Any]) -> None:
    """Check template, domain and target against the source's catalog, before any work."""
    catalog = catalog_of(source.root)
    if catalog is None:
        return
    if "template" in answers:
        catalog.template(str(answers["template"]))
    if "domain" in answers:
        catalog.check_domain(str(answers["domain"]))
    if "deploy_target" in answers:
        catalog.check_deploy_target(str(answers["deploy_target"]))


def _joining(source: TemplateSource, answers: dict[str, Any]) -> Template | None:
    """The template the answers add to an existing project (the catalog's ``joins_existing``).

    A template root without a catalog makes new projects only.
    """
    catalog = catalog_of(source.root)
    return catalog.joining(answers) if catalog is not None else None


def _translate(exc: Exception) -> Exception:
    """Turn Copier's validation errors into scaffold's own."""
    text = str(exc).strip()
    if m := _VALIDATION.match(text):
        return InvalidAnswerError(m[1], " ".join(m[2].split()))
    if m := _CHOICE.match(text):
        choices = [c.strip().strip("'\"") for c in m[3].split(",")]
        return UnknownChoiceError(m[1].replace("_", " "), m[2].strip("'\""), choices)
    return RenderError(
        f"rendering failed: {text}",
        "check the template source and your answers; report a bug if it persists",
    )


def _record_metadata(project: Path, source: TemplateSource) -> dict[str, Any]:
    """Append scaffold's metadata to the answers file Copier wrote; return all answers."""
    import yaml

    # The render holds one answers file: Copier's, or a joined template's own.
    path = next(
        (p for p in sorted(project.iterdir()) if p.is_file() and is_answers_file(p.name)),
        project / ANSWERS_FILE,
    )
    extra = {SOURCE_KEY: source.record, VERSION_KEY: source.version}
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if source.spec == BUNDLED:
        # Copier records where the template was read from: for the bundled templates that is
        # a path inside one machine's site-packages, meaningless anywhere else.
        line = f"{COPIER_SOURCE_KEY}: {COPIER_BUNDLED}"
        text = re.sub(rf"(?m)^{COPIER_SOURCE_KEY}: .*$", line, text)
    elif source.commit:
        # A git source is cloned into a temporary directory: record the URL instead, or
        # every render of the same commit would differ (and `scaffold update` never settle).
        line = yaml.safe_dump({COPIER_SOURCE_KEY: source.spec}, width=1000).strip()
        text = re.sub(rf"(?m)^{COPIER_SOURCE_KEY}: .*$", lambda _m: line, text)
    path.write_text(
        text.rstrip("\n") + "\n" + yaml.safe_dump(extra, sort_keys=True), encoding="utf-8"
    )
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(loaded) if isinstance(loaded, dict) else {}


@contextmanager
def _staging(dest: Path) -> Iterator[Path]:
    """Yield a hidden directory beside ``dest``; it is always removed on exit.

    Parents that did not exist are created, and removed again if the render fails.
    """
    created: list[Path] = []
    parent = dest.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Staging(dest.parent)
    except OSError as exc:
        _remove_all(created)
        raise _unwritable(dest, exc) from exc
    try:
        yield staging.path
    except BaseException:
        _remove_all(created)
        raise
    finally:
        staging.close()


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def _unwritable(dest: Path, exc: OSError) -> UsageError:
    """The error for a destination whose parent cannot be created or written."""
    problem = exc.strerror or str(exc)
    where = Path(exc.filename) if exc.filename else dest.parent
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return UsageError(
            f"cannot create {dest}: {where} is a file, not a directory",
            "choose a destination whose parent folders are directories",
        )
    return UsageError(
        f"cannot create {dest}: {problem} ({where})",
        "choose a destination in a folder you can write to, or fix its permissions",
    )


def resolve_destination(dest: Path) -> Path:
    """The absolute destination, refused (exit 2) unless it can become the new repo.

    A symbolic link to an empty directory is followed (the repo is made where it points); a
    dangling link, a file, a non-empty directory and a parent that is a file are refused.
    """
    dest = dest.expanduser().absolute()
    if dest.is_symlink():
        target = dest.resolve()
        if not target.exists():
            raise UsageError(
                f"destination {dest} is a symbolic link to {target}, which does not exist",
                "create the directory it points to, or pass another destination",
            )
        dest = target
    for parent in dest.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(
                    f"cannot create {dest}: {parent} is a file, not a directory",
                    "choose a destination whose parent folders are directories",
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UsageError(
                    f"cannot create {dest}: {parent} is not writable",
                    "choose a destination in a folder you can write to, or fix its permissions",
                )
            break
    if dest.exists() and not dest.is_dir():
        raise UsageError(
            f"destination {dest} is a file", "choose a new directory name for the repo"
        )
    check_destination(dest)
    return dest


def copier_render(
    source: TemplateSource,
    project: Path,
    data: dict[str, Any],
    *,
    defaults: bool,
    user_defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Render ``source`` into ``project`` (a new directory) with Copier; return the answers."""
    from copier.errors import UnsafeTemplateError

    from scaffold.copier_run import run_copy

    try:
        with _plain_tree(source, project.parent) as root:
            run_copy(
                str(root),
                project,
                data=data,
                defaults=defaults,
                user_defaults=user_defaults or {},
                quiet=True,
                unsafe=source.trusted,
                overwrite=True,
                cleanup_on_error=False,
                # Without a ref Copier renders a git template's *latest tag*, whatever was asked.
                vcs_ref=source.commit or "HEAD",
            )
    except UnsafeTemplateError as exc:
        raise UntrustedSourceError(
            f"template source {source.spec} uses Copier's unsafe features ({exc})",
            "read its copier.yml, then pass --trust if you trust it",
        ) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        raise _translate(exc) from exc
    return _record_metadata(project, source)


@contextmanager
def _plain_tree(source: TemplateSource, beside: Path) -> Iterator[Path]:
    """The template's files outside git, when its root is the root of scaffold's clone.

    Copier clones a template again when it is a git repository's root; the files of the
    commit scaffold already checked out are all it needs (one clone per run). The copy is
    made in ``beside`` (the run's staging directory), so it goes wherever that goes.
    """
    if not (source.commit and (source.root / ".git").exists()):
        yield source.root
        return
    from scaffold.gitrepo import git

    with tempfile.TemporaryDirectory(prefix="scaffold-template-", dir=beside) as tmp:
        git(["checkout-index", "--all", "--force", f"--prefix={tmp}/"], source.root)
        yield Path(tmp)


def render_project(
    source: TemplateSource,
    dest: Path | None,
    answers: dict[str, Any],
    *,
    defaults: bool,
    interactive: bool,
    cwd: Path,
    on_stage: Callable[[str], None] | None = None,
    after_commit: Callable[[Path], str] | None = None,
) -> RenderResult:
    """Render a new project at ``dest`` (or ``./<project-name>``) and commit it.

    Args:
        source: The opened template source.
        dest: The destination; when None it is derived from the project name.
        answers: Answers given up front (flags, ``--data``, answers file).
        defaults: Accept the template's defaults for every question not answered.
        interactive: Whether Copier may prompt on the terminal.
        cwd: Directory a derived destination is created in.
        on_stage: Called with a short label as each stage starts (for progress).
        after_commit: Adds a commit on top of the pristine render (the owner's dataset)
            before the project is moved into place; returns the new HEAD.
    """
    stage = on_stage or (lambda _label: None)
    answers = check_answers(answers, template_questions(source.root))
    _check_known_choices(source, answers)
    joined = _joining(source, answers)
    if not interactive and not defaults:
        required: tuple[str, ...] = REQUIRED_WITHOUT_TERMINAL
        if joined is not None:  # the addition is deployed with its host
            required = tuple(q for q in required if q != "deploy_target")
        missing = [q for q in required if q not in answers]
        if missing:
            raise MissingAnswersError(missing)
    user_defaults: dict[str, Any] = git_identity_defaults(cwd)
    if joined is not None:
        return _render_into_existing(
            source, dest, answers, joined, defaults=defaults or not interactive
        )
    if dest is not None:
        dest = resolve_destination(dest)
        if _PROJECT_NAME.fullmatch(dest.name):
            user_defaults["project_name"] = dest.name
    staging_at = dest if dest is not None else cwd.absolute() / ".scaffold-new"
    swept = sweep(staging_at.parent)
    with _staging(staging_at) as tmp:
        project = tmp / "project"
        stage("render")
        recorded = copier_render(
            source,
            project,
            answers,
            defaults=defaults or not interactive,
            user_defaults=user_defaults,
        )
        if dest is None:
            name = str(recorded["project_name"]).replace(" ", "-").lower()
            dest = resolve_destination(staging_at.parent / name)
        template = str(recorded["template"])
        stage("commit")
        init_repo(project)
        author = recorded_author(recorded)
        commit = commit_all(
            project,
            render_commit_message(template, source),
            author=author,
        )
        if after_commit is not None:
            after_commit(project)
        files = sum(1 for p in project.rglob("*") if p.is_file() and ".git" not in p.parts)
        stage("move")
        if dest.exists():
            dest.rmdir()
        project.rename(dest)
    return RenderResult(
        dest, template, source.version, source.record, commit, recorded, files, _notices(swept)
    )


def _notices(swept: list[Path]) -> list[str]:
    return [f"removed {path}, left behind by an interrupted run" for path in swept]


def git_identity_defaults(cwd: Path) -> dict[str, str]:
    """``author_name`` / ``author_email`` defaults from ``git config``, where it has them.

    So ``--defaults`` writes the owner into LICENSE and pyproject instead of the template's
    placeholder; answers given explicitly still win.
    """
    found: dict[str, str] = {}
    for key, question in (("user.name", "author_name"), ("user.email", "author_email")):
        try:
            value = git(["config", "--get", key], cwd).strip()
        except (GitError, OSError):
            continue
        if value and _acceptable(question, value):
            found[question] = value
    return found


#: What the template's validators accept (copier.yml): a git identity that they would
#: refuse is left out, so ``--defaults`` falls back to the placeholder instead of failing.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,63}")
_NAME_LIMIT = 100


def _acceptable(question: str, value: str) -> bool:
    try:
        check_value(question, value)
    except ValueError:
        return False
    if question == "author_email":
        return len(value) <= 254 and _EMAIL.fullmatch(value) is not None
    return len(value) <= _NAME_LIMIT


def _render_into_existing(
    source: TemplateSource,
    dest: Path | None,
    answers: dict[str, Any],
    joined: Template,
    *,
    defaults: bool,
) -> RenderResult:
    """Render only the addition into the existing project at ``dest`` (``joined`` says how).

    The project must be in a clean git work tree; nothing in it is overwritten. See
    :mod:`scaffold.existing` for how the render commit joins the project's history.
    """
    from scaffold.existing import (
        add_render,
        check_host,
        check_no_collisions,
        host_defaults,
        rendered_files,
    )

    if dest is None:
        raise UsageError(
            f"{joined.join_answers} adds {joined.key} to an existing project: pass its path",
            joined.join_command,
        )
    dest = dest.expanduser().absolute()
    prefix = check_host(dest)
    # Stage beside the repository, not inside it (dest may be a folder of a monorepo).
    repo_root = dest.parents[len(Path(prefix).parts) - 1] if prefix else dest
    with _staging(repo_root) as tmp:
        project = tmp / "project"
        recorded = copier_render(
            source,
            project,
            answers,
            defaults=defaults,
            user_defaults=host_defaults(dest, skip=joined.joined_home),
        )
        files = rendered_files(project)
        check_no_collisions(dest, files)
        commit = add_render(dest, project, source, recorded, recorded_author(recorded), prefix)
    template = str(recorded["template"])
    return RenderResult(
        dest,
        template,
        source.version,
        source.record,
        commit,
        recorded,
        len(files),
        home=joined.joined_home,
        guide=joined.joined_guide,
    )
