"""README.md's domain and target tables are the catalog's (tools/make_readme_tables.py)."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from scaffold.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_readme_tables", ROOT / "tools" / "make_readme_tables.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_tables_match_the_catalog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _tool().render(readme, load_catalog()) == readme, (
        "README.md is stale: run python tools/make_readme_tables.py"
    )


def test_a_catalog_change_shows_as_drift() -> None:
    tool = _tool()
    catalog = load_catalog()
    readme = tool.render((ROOT / "README.md").read_text(encoding="utf-8"), catalog)
    fly = replace(catalog.deploy_targets["fly"], summary="Deploys | somewhere new.")
    legal = replace(catalog.domains["legal"], metric="recall")
    changed = replace(
        catalog,
        deploy_targets={**catalog.deploy_targets, "fly": fly},
        domains={**catalog.domains, "legal": legal},
    )

    redone = tool.render(readme, changed)

    assert redone != readme
    assert "| `fly` | Fly.io | Deploys \\| somewhere new. |" in redone
    assert "| `legal` | Legal | recall |" in redone
    assert redone.count("<!-- catalog:targets -->") == 1


def test_every_catalog_entry_has_a_row() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    catalog = load_catalog()
    for key in [*catalog.domains, *catalog.deploy_targets]:
        assert f"| `{key}` |" in readme, key


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="catalog:domains"):
        _tool().render("# README without markers\n", load_catalog())
