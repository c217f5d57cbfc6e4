"""The default e2e set keeps one case for everything only e2e exercises (not itself e2e).

``tests/e2e/COVERAGE.md`` gives the argument; these tests hold the default cases to it, so a
new template, feature, deploy target or domain cannot drop out of the default run unnoticed.
"""

from __future__ import annotations

import yaml

from scaffold.catalog import load_catalog
from tests.conftest import TEMPLATES
from tests.e2e import test_ai_feature, test_ml_pipeline, test_rag_system
from tests.e2e.samples import Case
from tests.helpers import deploy_pairs

CATALOG = load_catalog()
#: Each template's default sample-app cases (installed, linted, tested and run).
DEFAULTS: dict[str, list[Case]] = {
    "ml-pipeline": test_ml_pipeline.DEFAULT,
    "rag-system": [test_rag_system.DEFAULT],
    "ai-feature": test_ai_feature.DEFAULT,
}


def _features() -> list[str]:
    questions = yaml.safe_load((TEMPLATES / "copier.yml").read_text())
    return list(questions["feature"]["choices"].values())


def test_every_template_has_a_default_sample_case() -> None:
    assert set(DEFAULTS) == set(CATALOG.templates)
    assert all(c.template == t for t, cases in DEFAULTS.items() for c in cases)


def test_every_feature_runs_by_default() -> None:
    features = {c.feature for c in test_ai_feature.DEFAULT}
    assert features == set(_features())


def test_each_template_lints_and_tests_one_deploy_target_with_hostile_text() -> None:
    """The deploy e2e's lint pairs (``--full-matrix``) stand in the default set this way."""
    for template, cases in DEFAULTS.items():
        targets = [c.target for c in cases if c.target is not None and c.hostile]
        assert len(targets) == 1, template
        assert targets[0] in CATALOG.deploy_targets and targets[0] != "docker", template
    # streamlit-cloud's UI suite runs in the rag-system default case.
    assert test_rag_system.DEFAULT.target == "streamlit-cloud"


def test_every_deploy_target_serves_by_default() -> None:
    served = {p.values[1] for p in deploy_pairs(False)}
    assert served == set(CATALOG.deploy_targets)
    assert {p.values[0] for p in deploy_pairs(False)} == set(CATALOG.templates)


def test_the_default_cases_spread_over_the_domains() -> None:
    domains = {c.domain for cases in DEFAULTS.values() for c in cases}
    assert "custom" in domains
    # The deploy e2e renders retail; with it every domain pack is rendered, installed and
    # run by some default test, though each template runs only its own default domains.
    assert domains | {"retail"} == set(CATALOG.domains)


def test_the_full_matrix_runs_every_domain_of_every_template() -> None:
    ml = {c.domain for group in test_ml_pipeline.GROUPS for c in group}
    rag = {test_rag_system.DEFAULT.domain} | {c.domain for c in test_rag_system.OTHERS}
    ai = {(c.domain, c.feature) for group in test_ai_feature.FULL for c in group}
    assert ml == rag == set(CATALOG.domains)
    assert ai == {(d, f) for d in CATALOG.domains for f in _features()}
