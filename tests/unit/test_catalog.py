"""The catalog is the one source of truth for the choices Copier offers."""

from __future__ import annotations

import pytest
import yaml

from scaffold.catalog import bundled_templates_dir, load_catalog
from scaffold.errors import UnknownChoiceError, UnknownTemplateError
from tests.conftest import TEMPLATES


def test_bundled_templates_found_in_a_checkout() -> None:
    assert bundled_templates_dir().resolve() == TEMPLATES.resolve()


def test_every_template_has_its_directory() -> None:
    for key in load_catalog().templates:
        assert (TEMPLATES / key).is_dir(), key


def test_domains_have_a_full_framing() -> None:
    catalog = load_catalog()
    assert set(catalog.domains) == {
        "healthcare",
        "finance",
        "retail",
        "legal",
        "customer-support",
        "custom",
    }
    for domain in catalog.domains.values():
        assert domain.title and domain.problem and domain.stakeholders and domain.metric_why
        assert domain.metric in {"recall", "precision", "f1", "roc_auc"}


def test_copier_reads_the_catalog_rather_than_a_copy() -> None:
    config = yaml.safe_load((TEMPLATES / "copier.yml").read_text())
    assert "catalog.yml" in config["catalog"]["default"]
    for question in ("template", "domain", "deploy_target"):
        assert "catalog." in config[question]["choices"], question


def test_unknown_names_raise_with_the_real_choices() -> None:
    catalog = load_catalog()
    with pytest.raises(UnknownTemplateError) as template:
        catalog.template("nope")
    assert template.value.available == ["ml-pipeline", "rag-system", "ai-feature"]
    assert template.value.exit_code == 2
    with pytest.raises(UnknownChoiceError) as domain:
        catalog.check_domain("space")
    assert "legal" in domain.value.available


def test_unknown_name_errors_name_what_was_asked_for() -> None:
    """Found by mutation testing: the errors' fields were never read back."""
    catalog = load_catalog()
    with pytest.raises(UnknownTemplateError) as template:
        catalog.template("nope")
    assert template.value.name == "nope"
    assert "nope" in template.value.message
    with pytest.raises(UnknownChoiceError) as domain:
        catalog.check_domain("space")
    assert (domain.value.question, domain.value.value) == ("domain", "space")
    with pytest.raises(UnknownChoiceError) as target:
        catalog.check_deploy_target("heroku")
    assert (target.value.question, target.value.value) == ("deploy target", "heroku")
    assert target.value.available == list(catalog.deploy_targets)


def test_catalog_text_is_folded_to_one_line() -> None:
    for target in load_catalog().deploy_targets.values():
        assert target.summary == " ".join(target.summary.split())
        assert "\n" not in target.summary and target.summary
