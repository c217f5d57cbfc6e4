"""What a generated repo records: the one version comparator of update, cohort and check."""

from __future__ import annotations

import pytest

from scaffold.project import compare_versions


@pytest.mark.parametrize(
    ("old", "new", "order"),
    [
        ("0.2.0", "0.10.0", 1),  # numbers, not text
        ("0.10.0", "0.2.0", -1),
        ("v0.2.0", "0.2.0", 0),  # a tag's leading v
        ("1.0", "1.0.0", 0),  # PEP 440: trailing zeros do not make a newer version
        ("0.3.0rc1", "0.3.0", 1),  # a pre-release is older than its release
        ("0.3.0", "0.3.1.dev0", 1),
    ],
)
def test_versions_are_ordered_by_pep_440(old: str, new: str, order: int) -> None:
    assert compare_versions(old, new) == order


@pytest.mark.parametrize(
    ("old", "new"),
    [("local-3f2a9c", "0.2.0"), ("0.2.0", "local-3f2a9c"), ("0.2.0-3-gabc1234", "0.2.0")],
)
def test_content_hashes_and_describe_names_are_unordered(old: str, new: str) -> None:
    assert compare_versions(old, new) is None
