"""scaffold's render path (``scaffold.copier_run``) writes what plain Copier writes.

The unit test proves it on a small template with every Copier feature the speed-up touches;
this one proves it on a real template: an ai-feature repo with its sample app, a deploy
target whose platform files come from a ``yield`` tag, and templated defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import copier

from scaffold.copier_run import run_copy
from tests.conftest import TEMPLATES
from tests.helpers import file_snapshot

ANSWERS = {
    "template": "ai-feature",
    "domain": "retail",
    "deploy_target": "streamlit-cloud",
    "project_name": "Shop Helper",
    "author_name": "Zoë O'Brien",
}


def test_a_real_template_renders_byte_for_byte_the_same(tmp_path: Path) -> None:
    options: dict[str, Any] = {"data": ANSWERS, "defaults": True, "unsafe": True, "quiet": True}
    copier.run_copy(str(TEMPLATES), tmp_path / "stock", vcs_ref="HEAD", **options)
    run_copy(str(TEMPLATES), tmp_path / "fast", vcs_ref="HEAD", **options)
    stock, fast = file_snapshot(tmp_path / "stock"), file_snapshot(tmp_path / "fast")
    assert sorted(fast) == sorted(stock)
    assert [name for name in fast if fast[name] != stock[name]] == []
    assert {"streamlit_app.py", ".streamlit/config.toml"} <= set(fast)
