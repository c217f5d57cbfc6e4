"""Refresh the dependency locks every template ships (templates/<t>/requirements/*.txt.jinja).

A generated repo installs from ``requirements/{runtime,dev,all}.txt``: exact versions with
hashes, resolved by ``uv pip compile --universal`` for every platform and every Python the
templates offer. The project itself is not in the locks (it is installed ``--no-deps``), so one
lock per template serves every answer. This script renders each template, runs the rendered
repo's own ``make lock`` (the command a generated repo's owner runs) and copies the locks
back, with the project's name in the "via" notes turned back into ``{{ repo_name }}``.

Pins already in the templates' locks are kept unless ``--upgrade`` is given, so adding a
dependency changes only what it must. ``tests/templates/test_locks.py`` fails when a
template's dependencies and its locks disagree.

Usage: python tools/lock_templates.py [--upgrade] [TEMPLATE ...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("ml-pipeline", "rag-system", "ai-feature")
LOCKS = ("all", "dev", "runtime", "ui")
#: The project name the locks are rendered with; its "via" notes become ``{{ repo_name }}``.
PROJECT = "lockref"


def refresh(template: str, *, upgrade: bool) -> list[Path]:
    """Render ``template``, re-resolve its locks, and write them into the template."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "CI": "true"}
    env.pop("VIRTUAL_ENV", None)
    with tempfile.TemporaryDirectory(prefix="lock-") as tmp:
        repo = Path(tmp) / PROJECT
        subprocess.run(
            [
                str(bin_dir / "scaffold"),
                "new",
                template,
                str(repo),
                "--defaults",
                "--domain",
                "healthcare",
                "--deploy",
                "docker",
                "--data",
                f"project_name={PROJECT}",
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        (repo / "requirements").mkdir(exist_ok=True)
        args = ["make", "--no-print-directory", "lock"]
        if upgrade:
            args.append("LOCK_ARGS=--upgrade")
        subprocess.run(args, cwd=repo, check=True, env=env)
        written = []
        for name in LOCKS:
            text = (repo / "requirements" / f"{name}.txt").read_text(encoding="utf-8")
            text = text.replace(f" {PROJECT} (pyproject.toml)", " {{ repo_name }} (pyproject.toml)")
            target = ROOT / "templates" / template / "requirements" / f"{name}.txt.jinja"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
        return written


def main(argv: list[str]) -> int:
    upgrade = "--upgrade" in argv
    names = [a for a in argv if not a.startswith("-")] or list(TEMPLATES)
    unknown = [n for n in names if n not in TEMPLATES]
    if unknown or not shutil.which("uv", path=str(Path(sys.executable).parent)):
        print(
            f"error: unknown template {unknown}" if unknown else "error: uv is not installed",
            file=sys.stderr,
        )
        print(
            "hint: run it with scaffold's venv: .venv/bin/python tools/lock_templates.py",
            file=sys.stderr,
        )
        return 2
    for name in names:
        for path in refresh(name, upgrade=upgrade):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
