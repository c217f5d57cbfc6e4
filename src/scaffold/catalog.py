"""The catalog of templates, domains and deployment targets, read from ``templates/``.

``templates/catalog.yml`` is the one source of truth: Copier's questions read it through a
computed answer, and this module reads it for ``scaffold list`` and for validating answers
before anything is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import UnknownChoiceError, UnknownTemplateError

CATALOG_FILE = "catalog.yml"


@dataclass(frozen=True)
class Template:
    """A project template: its key, title and one-line summary.

    ``joins_existing``: the answers with which the template adds to an existing project
    instead of making a new one (e.g. ``host_app: existing``); empty if it cannot. When it
    joins, ``joined_home`` is the folder of the host that holds its own project (its
    Makefile) and ``joined_guide`` the document the owner reads next, both relative to the host.
    """

    key: str
    title: str
    summary: str
    joins_existing: dict[str, str] = field(default_factory=dict)
    joined_home: str = ""
    joined_guide: str = ""

    @property
    def join_command(self) -> str:
        """The command that adds this template to an existing project."""
        data = " ".join(f"--data {q}={a}" for q, a in self.joins_existing.items())
        return f"scaffold new {self.key} PATH {data}"

    @property
    def join_answers(self) -> str:
        """The joining answers as ``question=answer`` text, for messages."""
        return ", ".join(f"{q}={a}" for q, a in self.joins_existing.items())


@dataclass(frozen=True)
class Domain:
    """A domain preset: the problem it frames, its stakeholders and its key metric."""

    key: str
    title: str
    problem: str
    stakeholders: tuple[str, ...]
    metric: str
    metric_why: str


@dataclass(frozen=True)
class DeployTarget:
    """A deployment target and what the generated repo gets for it.

    Its templates live in ``templates/_shared/deploy/<key>/``; the facts below are what the
    catalog says that folder adds (see the comment above ``deploy_targets`` in catalog.yml).
    """

    key: str
    title: str
    summary: str
    files: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    gate: tuple[str, ...] = ()
    url: str = ""
    app_urls: tuple[str, ...] = ()
    ephemeral: bool = False
    settings: tuple[str, ...] = ()
    mentions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    platform_env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    """Everything a user can choose between."""

    templates: dict[str, Template]
    domains: dict[str, Domain]
    deploy_targets: dict[str, DeployTarget]

    def template(self, key: str) -> Template:
        """Return the template ``key`` or raise :class:`UnknownTemplateError`."""
        try:
            return self.templates[key]
        except KeyError:
            raise UnknownTemplateError(key, self.templates) from None

    def joining(self, answers: Mapping[str, Any]) -> Template | None:
        """The template that ``answers`` add to an existing project, if any (see ``Template``)."""
        named = answers.get("template")
        return next(
            (
                t
                for t in self.templates.values()
                if t.joins_existing
                and named in (None, t.key)
                and all(answers.get(q) == value for q, value in t.joins_existing.items())
            ),
            None,
        )

    def check_domain(self, key: str) -> Domain:
        """Return the domain ``key`` or raise :class:`UnknownChoiceError`."""
        try:
            return self.domains[key]
        except KeyError:
            raise UnknownChoiceError("domain", key, self.domains) from None

    def check_deploy_target(self, key: str) -> DeployTarget:
        """Return the deployment target ``key`` or raise :class:`UnknownChoiceError`."""
        try:
            return self.deploy_targets[key]
        except KeyError:
            raise UnknownChoiceError("deploy target", key, self.deploy_targets) from None


def catalog_of(root: Path) -> Catalog | None:
    """The catalog of the template root ``root``; None for a root without one."""
    return load_catalog(root) if (root / CATALOG_FILE).is_file() else None


def find_template(root: Path, key: str) -> Template | None:
    """The catalog entry of ``key`` in the template root ``root``; None without one."""
    catalog = catalog_of(root)
    return catalog.templates.get(key) if catalog is not None else None


def bundled_templates_dir() -> Path:
    """Return the template root shipped with scaffold.

    In a wheel the templates live in ``scaffold/templates``; in a source checkout (an
    editable install) they live in ``templates/`` at the repository root.
    """
    packaged = Path(__file__).parent / "templates"
    if (packaged / "copier.yml").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


#: libyaml's safe loader where PyYAML has it (the wheels do): the catalog and the templates'
#: questions are read by every command, and the pure-Python parser takes ~0.25 s for the
#: catalog alone.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``text`` parsed as YAML with a safe loader (plain data, no Python objects)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - the loader is a safe one


@cache
def load_catalog(root: Path | None = None) -> Catalog:
    """Read the catalog of the template root ``root`` (the bundled one by default)."""
    path = (root or bundled_templates_dir()) / CATALOG_FILE
    raw = load_yaml(path.read_text(encoding="utf-8"))
    return Catalog(
        templates={
            key: Template(
                key,
                _clean(v["title"]),
                _clean(v["summary"]),
                {q: str(a) for q, a in (v.get("joins_existing") or {}).items()},
                str(v.get("joined_home") or ""),
                str(v.get("joined_guide") or ""),
            )
            for key, v in raw["templates"].items()
        },
        domains={
            key: Domain(
                key,
                _clean(v["title"]),
                _clean(v["problem"]),
                tuple(v["stakeholders"]),
                str(v["metric"]),
                _clean(v["metric_why"]),
            )
            for key, v in raw["domains"].items()
        },
        deploy_targets={key: _deploy_target(key, v) for key, v in raw["deploy_targets"].items()},
    )


def _deploy_target(key: str, v: dict[str, Any]) -> DeployTarget:
    return DeployTarget(
        key,
        _clean(v["title"]),
        _clean(v["summary"]),
        files=tuple(v.get("files") or ()),
        jobs=tuple(v.get("jobs") or ()),
        gate=tuple(v.get("gate") or ()),
        url=str(v.get("url") or ""),
        app_urls=tuple(v.get("app_urls") or ()),
        ephemeral=bool(v.get("ephemeral", False)),
        settings=tuple(v.get("settings") or ()),
        mentions={path: tuple(texts) for path, texts in (v.get("mentions") or {}).items()},
        platform_env={name: str(value) for name, value in (v.get("platform_env") or {}).items()},
    )
