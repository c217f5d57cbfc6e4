"""The check that a template's locks (requirements/*.txt) agree with its pyproject.toml.

``tests.helpers.lock_problems`` runs on every render of the template matrix
(``test_matrix.test_render``); these tests show, on small trees, that it catches each kind of
disagreement. ``python tools/lock_templates.py`` refreshes the templates' locks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_file_tree, lock_problems, read_lock

HASH = "    --hash=sha256:" + "0" * 64


def _pin(name: str, version: str, via: str) -> str:
    return f"{name}=={version} \\\n{HASH}\n    # via {via}\n"


def _project(tmp_path: Path, deps: str, runtime: str, extra: str = "", ui: str = "") -> Path:
    dev = runtime + _pin("pytest", "8.4.0", "demo (pyproject.toml)")
    return build_file_tree(
        tmp_path,
        {
            "pyproject.toml": f'[project]\nname = "demo"\ndependencies = [{deps}]\n'
            f'[project.optional-dependencies]\ndev = ["pytest>=8"]\nui = [{ui}]\n',
            "Makefile": "LOCK_EXTRAS := ui\n",
            "requirements/runtime.txt": runtime,
            "requirements/dev.txt": dev,
            "requirements/all.txt": dev + extra,
            "requirements/ui.txt": runtime,
        },
    )


FASTAPI = _pin("fastapi", "0.115.0", "demo (pyproject.toml)")
STARLETTE = _pin("starlette", "0.40.0", "fastapi")


def test_a_lock_that_agrees_has_no_problem(tmp_path: Path) -> None:
    assert lock_problems(_project(tmp_path, '"fastapi>=0.110"', FASTAPI + STARLETTE)) == []


@pytest.mark.parametrize(
    ("deps", "runtime", "extra", "expected"),
    [
        pytest.param(
            '"fastapi>=0.110", "rich>=13"',
            FASTAPI,
            "",
            "rich>=13 is not locked",
            id="dependency-added",
        ),
        pytest.param(
            '"fastapi>=0.120"', FASTAPI, "", "fastapi>=0.120 but the lock pins", id="floor-raised"
        ),
        pytest.param(
            '"starlette>=0.40"',
            FASTAPI + STARLETTE,
            "",
            "fastapi is locked for pyproject.toml, which no longer asks for it",
            id="dependency-removed",
        ),
        pytest.param(
            '"fastapi>=0.110"',
            FASTAPI,
            _pin("fastapi", "0.116.0", "x"),
            "pins fastapi ['0.115.0'], all.txt does not",
            id="locks-disagree",
        ),
        pytest.param(
            '"fastapi>=0.110"',
            FASTAPI + "anyio==4.0.0\n    # via starlette\n",
            "",
            "anyio has no hash",
            id="no-hash",
        ),
    ],
)
def test_each_disagreement_is_reported(
    tmp_path: Path, deps: str, runtime: str, extra: str, expected: str
) -> None:
    problems = lock_problems(_project(tmp_path, deps, runtime, extra))
    assert any(expected in p for p in problems), problems


def test_the_ui_lock_must_hold_the_ui_extra(tmp_path: Path) -> None:
    """ui.txt (what Streamlit Community Cloud installs) is checked like the other locks."""
    rich = _pin("rich", "13.9.0", "demo (pyproject.toml)")
    problems = lock_problems(_project(tmp_path, '"fastapi>=0.110"', FASTAPI, rich, '"rich>=13"'))
    assert problems == ["ui.txt: rich>=13 is not locked"]


def test_read_lock_sees_pins_hashes_and_direct_dependencies(tmp_path: Path) -> None:
    lock = tmp_path / "dev.txt"
    lock.write_text(
        FASTAPI + "starlette==0.40.0 ; python_full_version >= '3.11'\n"
        "    # via\n    #   fastapi\n    #   demo (pyproject.toml)\n"
    )
    parsed = read_lock(lock)
    assert parsed["pins"] == {"fastapi": {"0.115.0"}, "starlette": {"0.40.0"}}
    assert parsed["direct"] == {"fastapi", "starlette"}
    assert parsed["unhashed"] == ["starlette"]
