"""The console script's fast path for ``scaffold update --check`` answers as the Typer app does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.entry import CheckArgs, main, parse_check
from tests.unit.update_helpers import generate, make_template


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["update", "--check"], CheckArgs(Path(), None, None, False), id="bare"),
        pytest.param(
            ["update", "proj", "--check", "--trust"],
            CheckArgs(Path("proj"), None, None, True),
            id="path-trust",
        ),
        pytest.param(
            ["update", "--check", "--source", "gh:o/t", "--to=v2"],
            CheckArgs(Path(), "gh:o/t", "v2", False),
            id="source-to",
        ),
        pytest.param(
            ["update", "--source=./t", "--check", "p"],
            CheckArgs(Path("p"), "./t", None, False),
            id="equals",
        ),
    ],
)
def test_the_fast_path_owns_plain_check_command_lines(argv: list[str], expected: CheckArgs) -> None:
    assert parse_check(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["update"], id="no-check"),
        pytest.param(["update", "--dry-run"], id="dry-run"),
        pytest.param(["check", "--check"], id="other-command"),
        pytest.param(["update", "--check", "--help"], id="help"),
        pytest.param(["update", "--check", "-h"], id="short-help"),
        pytest.param(["update", "--check", "--data", "a=b"], id="unknown-option"),
        pytest.param(["update", "--check", "a", "b"], id="two-paths"),
        pytest.param(["update", "--check", "--source"], id="missing-value"),
        pytest.param(["update", "--check", "--to", "--trust"], id="option-as-value"),
        pytest.param(["update", "--check", "--", "p"], id="double-dash"),
        pytest.param(["--version", "update", "--check"], id="global-option-first"),
    ],
)
def test_anything_else_goes_to_the_typer_app(argv: list[str]) -> None:
    assert parse_check(argv) is None


def _both(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """Run ``argv`` through the fast path and through the Typer app; (code, out, err) each."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    fast = capsys.readouterr()
    slow = CliRunner().invoke(app, argv)
    code = exited.value.code
    assert isinstance(code, int)
    return (code, fast.out, fast.err), (slow.exit_code, slow.stdout, slow.stderr)


@pytest.mark.integration
def test_fast_and_typer_paths_agree_up_to_date_newer_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_template(tmp_path / "template")
    repo = generate(template, tmp_path / "proj")

    fast, slow = _both(["update", str(repo), "--check"], capsys, monkeypatch)
    assert fast == slow
    assert fast[0] == 0
    assert "up to date" in fast[1]

    make_template(template, {"demo/new.txt": "new\n"})
    fast, slow = _both(["update", "--check", str(repo)], capsys, monkeypatch)
    assert fast == slow
    assert fast[0] == 3
    assert "A newer demo template is available" in fast[1]

    (tmp_path / "plain").mkdir()
    fast, slow = _both(["update", "--check", str(tmp_path / "plain")], capsys, monkeypatch)
    assert fast == slow
    assert fast[0] == 2
    assert fast[2].startswith("error: ") and "hint: " in fast[2]
    assert "Traceback" not in fast[2]


def test_the_check_path_imports_neither_typer_nor_rich(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from scaffold.entry import main\n"
        "try:\n"
        "    main(['update', '--check', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('typer', 'rich', 'copier', 'click', 'pydantic', 'jinja2'))\n"
        "print(heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "[]", proc.stdout
    assert proc.stderr.startswith("error: "), proc.stderr


@pytest.mark.parametrize(
    "argv", [["-h"], ["update", "-h"], ["cohort", "-h"], ["cohort", "new", "-h"]]
)
def test_dash_h_is_help_everywhere(argv: list[str]) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert "-h, --help" in result.stdout


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


def test_the_commit_subject_hook_refuses_long_subjects(tmp_path: Path) -> None:
    hook = Path(__file__).resolve().parents[2] / "tools" / "check_commit_subject.py"
    message = tmp_path / "COMMIT_EDITMSG"
    for subject, code in [("x" * 72, 0), ("x" * 73, 1), ("", 1)]:
        message.write_text(f"# a comment line\n{subject}\n\nbody\n")
        proc = subprocess.run(
            [sys.executable, str(hook), str(message)], capture_output=True, text=True, check=False
        )
        assert proc.returncode == code, (subject, proc.stderr)
