"""Benchmark: `scaffold update` of a generated repo against `scaffold new` of the same template.

Both run as the installed console script (a fresh process each, as a user runs them). Each
update starts from a fresh copy of the same generated `rag-system` repo (with a local edit)
and pulls a small template change from a copy of `templates/` passed as `--source`.
Prints the median of each and their ratio; the ratio should stay at or below 1.0. Also times
`scaffold update --check` on the updated repo (target: at most 0.3 s).

``--check-only`` times just ``update --check`` (one update, then ``--check-runs`` rounds),
interleaved with the interpreter's own start-up and with the same check through the Typer
app (``python -m scaffold.cli``-style, the path every other command takes), so a loaded
machine slows all three alike and the medians stay comparable.

Usage: python bench/bench_update.py [--runs 7] [--check-only] [--check-runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCAFFOLD = str(Path(sys.executable).with_name("scaffold"))
ENV = {
    **os.environ,
    "CI": "true",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@e.ch",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@e.ch",
}


def _run(args: list[str], cwd: Path, codes: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=ENV, check=False, capture_output=True)
    elapsed = time.perf_counter() - start
    assert proc.returncode in codes, proc.stderr
    return elapsed


def main() -> None:
    """Run both commands side by side and print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--check-runs", type=int, default=15)
    args = parser.parse_args()
    if args.check_only:
        check_only(args.check_runs)
        return
    runs = args.runs
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        work = Path(tmp)
        source = work / "templates-v2"
        shutil.copytree(ROOT / "templates", source)
        readme = source / "_shared" / "README.md.jinja"
        readme.write_text(readme.read_text() + "\nUpdated by the benchmark's template change.\n")
        pristine = work / "pristine"
        subprocess.run(
            [SCAFFOLD, "new", "rag-system", str(pristine), "--defaults"],
            env=ENV,
            check=True,
            capture_output=True,
        )
        with (pristine / "Makefile").open("a") as makefile:
            makefile.write("\n# a local edit\n")
        subprocess.run(["git", "commit", "-qam", "local edit"], cwd=pristine, env=ENV, check=True)

        new_times: list[float] = []
        update_times: list[float] = []
        check_times: list[float] = []
        for i in range(runs):
            new_times.append(_run([SCAFFOLD, "new", "rag-system", f"new-{i}", "--defaults"], work))
            repo = work / f"update-{i}"
            shutil.copytree(pristine, repo, symlinks=True)
            update_times.append(_run([SCAFFOLD, "update", "--source", str(source)], repo))
            log = subprocess.run(
                ["git", "log", "-1", "--format=%s"],
                cwd=repo,
                env=ENV,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            assert log.startswith("Update rag-system template"), log
            check_times.append(_run([SCAFFOLD, "update", "--check"], repo, (0, 3)))

    new_median = statistics.median(new_times)
    update_median = statistics.median(update_times)
    ratio = update_median / new_median
    print(f"runs: {runs}")
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    written = "not written" if dont_write else "written"
    print(f"PYTHONDONTWRITEBYTECODE={dont_write!r} (bytecode {written})")
    print(
        f"scaffold new rag-system      median {new_median:.3f}s  "
        f"(min {min(new_times):.3f}s, max {max(new_times):.3f}s)"
    )
    print(
        f"scaffold update --source     median {update_median:.3f}s  "
        f"(min {min(update_times):.3f}s, max {max(update_times):.3f}s)"
    )
    print(f"ratio update/new: {ratio:.2f} (limit 1.00) {'OK' if ratio <= 1.0 else 'TOO SLOW'}")
    check_median = statistics.median(check_times)
    print(
        f"scaffold update --check      median {check_median:.3f}s  "
        f"(min {min(check_times):.3f}s, max {max(check_times):.3f}s; limit 0.300s) "
        f"{'OK' if check_median <= 0.3 else 'TOO SLOW'}"
    )


def _updated_repo(work: Path) -> Path:
    """A generated rag-system repo updated once from a local copy of the templates."""
    source = work / "templates-v2"
    shutil.copytree(ROOT / "templates", source)
    readme = source / "_shared" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nUpdated by the benchmark's template change.\n")
    repo = work / "repo"
    subprocess.run(
        [SCAFFOLD, "new", "rag-system", str(repo), "--defaults"],
        env=ENV,
        check=True,
        capture_output=True,
    )
    _run([SCAFFOLD, "update", "--source", str(source)], repo)
    return repo


def check_only(runs: int) -> None:
    """Time ``scaffold update --check`` against the interpreter floor and the Typer path."""
    python = sys.executable
    typer_path = "import sys; from scaffold.cli import main; sys.argv[0] = 'scaffold'; main()"
    commands = {
        "python -c pass (interpreter floor)": [python, "-c", "pass"],
        "scaffold update --check": [SCAFFOLD, "update", "--check"],
        "same check via the Typer app": [python, "-c", typer_path, "update", "--check"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        repo = _updated_repo(Path(tmp))
        for _ in range(runs):
            for name, command in commands.items():
                times[name].append(_run(command, repo, (0, 3)))
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    print(f"runs: {runs}; PYTHONDONTWRITEBYTECODE={dont_write!r}")
    for name, values in times.items():
        median = statistics.median(values)
        verdict = ""
        if name == "scaffold update --check":
            verdict = " (limit 0.300s) " + ("OK" if median <= 0.3 else "TOO SLOW")
        print(
            f"{name:<36} median {median:.3f}s  (min {min(values):.3f}s, "
            f"max {max(values):.3f}s){verdict}"
        )


if __name__ == "__main__":
    main()
