"""Shared test set-up: git isolated from the developer's config, the matrix option, markers.

Three layers: fast unit tests (no template render; ``make test-unit``), ``integration``
tests (they render templates or run the CLI end to end on real repos: every module of
``tests/templates`` and the ``tests/unit`` modules in :data:`INTEGRATION_MODULES`, or a test
marked so itself), and ``e2e`` (a generated repo installed and run; ``tests/e2e``).
``make test-fast`` is everything but e2e.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "templates"


#: tests/unit modules whose tests render templates (Copier) or run whole commands on them.
INTEGRATION_MODULES = frozenset(
    {
        "test_cli_new",
        "test_cohort",
        "test_cohort_real",
        "test_cohort_safety",
        "test_copier_run",
        "test_corpus",
        "test_dataset",
        "test_destination",
        "test_render",
        "test_render_existing",
        "test_roster",
        "test_update",
        "test_update_cli",
        "test_update_interrupts",
        "test_update_property",
        "test_update_safety",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the integration tests (see the module docstring)."""
    for item in items:
        path = item.path.relative_to(REPO_ROOT)
        if path.parts[:2] == ("tests", "templates") or path.stem in INTEGRATION_MODULES:
            item.add_marker(pytest.mark.integration)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-matrix",
        action="store_true",
        default=False,
        help=(
            "render every answer combination, and run every e2e case (domain x feature x"
            " deploy target), instead of the curated subset (tests/e2e/COVERAGE.md)"
        ),
    )


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test sees an empty global git config and a fixed identity."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    config = home / ".gitconfig"
    config.write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test User\n\temail = test@example.com\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CI", "true")
