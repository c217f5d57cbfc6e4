"""``scaffold new``: the one caller of Copier's ``run_copy``.

A render happens in a hidden temporary directory beside the destination: Copier writes the
files, scaffold records its metadata in the answers file, ``git init`` and a pristine render
commit follow, and only then is the directory renamed into place. An error or an interrupt at
any point removes the temporary directory, so the destination is never half-written.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.answers import ANSWERS_FILE
from scaffold.catalog import load_catalog
from scaffold.errors import (
    DestinationExistsError,
    InvalidAnswerError,
    MissingAnswersError,
    RenderError,
    UnknownChoiceError,
    UntrustedSourceError,
    UsageError,
)
from scaffold.gitrepo import Identity, commit_all, init_repo, render_message
from scaffold.sources import BUNDLED, TemplateSource

#: Answers a run without a terminal must be given unless ``--defaults`` is passed.
REQUIRED_WITHOUT_TERMINAL = ("template", "domain", "deploy_target")
_PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$")
_VALIDATION = re.compile(r"^Validation error for question '(\w+)': (.*)$", re.S)
_CHOICE = re.compile(r"^Invalid choice for '(\w+)': (.*) is not in \[(.*)\]$", re.S)
TEMP_PREFIX = ".scaffold-render-"
#: The template's default email: a render answered with it is committed as the git user.
PLACEHOLDER_EMAIL = "you@example.com"


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


def check_destination(dest: Path) -> None:
    """Refuse a destination that exists and is not an empty directory."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise DestinationExistsError(dest)


def _check_known_choices(source: TemplateSource, answers: dict[str, Any]) -> None:
    """Check template, domain and target against the source's catalog, before any work."""
    if not (source.root / "catalog.yml").is_file():
        return
    catalog = load_catalog(source.root)
    if "template" in answers:
        catalog.template(str(answers["template"]))
    if "domain" in answers:
        catalog.check_domain(str(answers["domain"]))
    if "deploy_target" in answers:
        catalog.check_deploy_target(str(answers["deploy_target"]))


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

    path = project / ANSWERS_FILE
    extra = {"_scaffold_source": source.record, "_scaffold_version": source.version}
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if source.spec == BUNDLED:
        # Copier records where the template was read from: for the bundled templates that is
        # a path inside one machine's site-packages, meaningless anywhere else.
        text = re.sub(r"(?m)^_src_path: .*$", "_src_path: scaffold:bundled", text)
    elif source.commit:
        # A git source is cloned into a temporary directory: record the URL instead, or
        # every render of the same commit would differ (and `scaffold update` never settle).
        line = yaml.safe_dump({"_src_path": source.spec}, width=1000).strip()
        text = re.sub(r"(?m)^_src_path: .*$", lambda _m: line, text)
    path.write_text(
        text.rstrip("\n") + "\n" + yaml.safe_dump(extra, sort_keys=True), encoding="utf-8"
    )
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(loaded) if isinstance(loaded, dict) else {}


@contextmanager
def _staging(dest: Path) -> Iterator[Path]:
    """Yield a hidden directory beside ``dest``; it is always removed on exit."""
    created: list[Path] = []
    parent = dest.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=dest.parent))
    try:
        yield tmp
    except BaseException:
        for path in created:
            shutil.rmtree(path, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def copier_render(
    source: TemplateSource,
    project: Path,
    data: dict[str, Any],
    *,
    defaults: bool,
    user_defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Render ``source`` into ``project`` with Copier; return the recorded answers."""
    import copier
    from copier.errors import UnsafeTemplateError

    try:
        copier.run_copy(
            str(source.root),
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
    _check_known_choices(source, answers)
    if not interactive and not defaults:
        missing = [q for q in REQUIRED_WITHOUT_TERMINAL if q not in answers]
        if missing:
            raise MissingAnswersError(missing)
    user_defaults: dict[str, Any] = {}
    if answers.get("host_app") == "existing":
        return _render_into_existing(source, dest, answers, defaults=defaults or not interactive)
    if dest is not None:
        dest = dest.expanduser().absolute()
        check_destination(dest)
        if _PROJECT_NAME.match(dest.name):
            user_defaults["project_name"] = dest.name
    staging_at = dest if dest is not None else cwd.absolute() / ".scaffold-new"
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
            dest = staging_at.parent / str(recorded["project_name"]).replace(" ", "-").lower()
            check_destination(dest)
        template = str(recorded["template"])
        stage("commit")
        init_repo(project)
        author = _author(recorded)
        commit = commit_all(
            project,
            render_message(
                template, source.version, None if source.spec == BUNDLED else source.record
            ),
            author=author,
        )
        if after_commit is not None:
            after_commit(project)
        files = sum(1 for p in project.rglob("*") if p.is_file() and ".git" not in p.parts)
        stage("move")
        if dest.exists():
            dest.rmdir()
        project.rename(dest)
    return RenderResult(dest, template, source.version, source.record, commit, recorded, files)


def _author(recorded: dict[str, Any]) -> Identity | None:
    """The render's author: the project's author unless it is the template's placeholder."""
    email = str(recorded.get("author_email") or "")
    if email in ("", PLACEHOLDER_EMAIL):
        return None
    return Identity(str(recorded.get("author_name")), email)


def _render_into_existing(
    source: TemplateSource, dest: Path | None, answers: dict[str, Any], *, defaults: bool
) -> RenderResult:
    """Render only the feature into the existing project at ``dest`` (``host_app=existing``).

    The project must be the root of a clean git work tree; nothing in it is overwritten. See
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
            "host_app=existing needs the path of the existing project",
            "scaffold new ai-feature PATH --data host_app=existing",
        )
    dest = dest.expanduser().absolute()
    check_host(dest)
    with _staging(dest) as tmp:
        project = tmp / "project"
        recorded = copier_render(
            source, project, answers, defaults=defaults, user_defaults=host_defaults(dest)
        )
        files = rendered_files(project)
        check_no_collisions(dest, files)
        commit = add_render(dest, project, source, recorded, _author(recorded))
    template = str(recorded["template"])
    return RenderResult(dest, template, source.version, source.record, commit, recorded, len(files))
