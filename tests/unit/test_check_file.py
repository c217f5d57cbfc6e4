"""tools/_check_file.py: the write-or-check step of the generator tools."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_check_file", ROOT / "tools/_check_file.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_writes_then_checks_then_finds_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_or_check = _module().write_or_check
    path = tmp_path / "out.txt"
    kwargs = {"tool": "tools/make_x.py", "wrote": "wrote out.txt"}

    assert write_or_check(path, "a\n", argv=["--check"], **kwargs) == 1, "missing is stale"
    assert not path.exists()
    assert write_or_check(path, "a\n", argv=[], **kwargs) == 0
    assert path.read_text() == "a\n"
    assert write_or_check(path, "a\n", argv=["--check"], **kwargs) == 0
    capsys.readouterr()
    assert write_or_check(path, "b\n", argv=["--check"], **kwargs) == 1
    assert path.read_text() == "a\n", "--check writes nothing"
    err = capsys.readouterr().err
    assert f"{path} is stale: run python tools/make_x.py" in err
