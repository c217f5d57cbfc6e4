"""What the catalog says about targets and templates, as code reads it (no render)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.catalog import load_catalog
from scaffold.checks.readme import app_url_pattern

CATALOG = load_catalog()


@pytest.mark.parametrize(
    "url",
    [
        # Every address the hand-written pattern took before the catalog held the hosts.
        "https://acme.fly.dev",
        "https://acme.onrender.com/health",
        "https://acme.herokuapp.com",
        "https://acme.streamlit.app",
        "https://acme.vercel.app",
        "https://acme.netlify.app",
        "https://acme.railway.app",
        "https://acme-abc-ew.a.run.app",
        "https://acme.azurewebsites.net",
        "https://me--acme.modal.run",
        "https://acme.pages.dev",
        "https://me.github.io/acme",
        "https://acme.kindwave-1.westeurope.azurecontainerapps.io",
        "http://acme-alb-123.eu-west-1.elb.amazonaws.com",
        "https://huggingface.co/spaces/me/acme",
        # New with the catalog: a Space's own host.
        "https://me-acme.hf.space",
    ],
)
def test_live_demo_addresses_are_recognised(url: str) -> None:
    assert app_url_pattern().match(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://fly.dev",
        "https://notfly.dev",
        "https://example.com/acme.fly.dev",
        "https://huggingface.co/models/me/acme",
        "https://acme.run.application.example",
    ],
)
def test_other_addresses_are_not(url: str) -> None:
    assert not app_url_pattern().match(url)


def test_each_target_s_own_addresses_come_from_its_catalog_entry(tmp_path: Path) -> None:
    for target in CATALOG.deploy_targets.values():
        for pattern in target.app_urls:
            url = "https://" + pattern.replace("*.", "demo.") + ("me/acme" * pattern.endswith("/"))
            assert app_url_pattern().match(url), (target.key, url)
    # Without the entry's app_urls, the target's host is not a demo address.
    root = tmp_path / "templates"
    root.mkdir()
    source = Path(__file__).parents[2] / "templates/catalog.yml"
    text = source.read_text(encoding="utf-8")
    assert text.count('app_urls: ["*.fly.dev"]') == 1
    text = text.replace('app_urls: ["*.fly.dev"]', "app_urls: []")
    (root / "catalog.yml").write_text(text, encoding="utf-8")
    assert not app_url_pattern(load_catalog(root)).match("https://acme.fly.dev")


def test_a_template_joins_an_existing_project_by_its_catalog_flag() -> None:
    joined = CATALOG.joining({"template": "ai-feature", "host_app": "existing"})
    assert joined is not None and joined.key == "ai-feature"
    assert CATALOG.joining({"host_app": "existing"}) == joined  # the template is asked later
    assert CATALOG.joining({"template": "ai-feature", "host_app": "sample"}) is None
    assert CATALOG.joining({"template": "rag-system", "host_app": "existing"}) is None
    assert CATALOG.joining({"template": "ai-feature"}) is None
    assert [t.key for t in CATALOG.templates.values() if t.joins_existing] == ["ai-feature"]
    assert joined.join_command == "scaffold new ai-feature PATH --data host_app=existing"
    assert (joined.joined_home, joined.joined_guide) == ("ai_feature", "docs/integration.md")


def test_target_keys_cannot_be_mistaken_for_the_shared_folder() -> None:
    """``_shared/deploy/_common`` holds what every target includes; no target starts with _."""
    assert not [key for key in CATALOG.deploy_targets if key.startswith("_")]
