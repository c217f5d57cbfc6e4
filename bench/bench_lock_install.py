"""Benchmark: a generated repo's ``make setup`` from its lock, with uv and with pip alone.

For each template, renders a repo once, then runs ``make setup`` in a fresh copy of it (no
``.venv``) with uv on PATH and without it, interleaved, and prints the medians side by side.
Warm (the default): both installers keep their own download cache between runs (uv's cache,
pip's wheel cache), as on a developer's machine after the first install; the first run of each
is a warm-up and is not counted. ``--cold``: every run starts from an empty cache of its own
(``UV_CACHE_DIR``, ``PIP_CACHE_DIR``), as on a fresh CI runner, so each downloads every wheel
from the package index; there is no warm-up to discard.

Run: ``python bench/bench_lock_install.py [--runs N] [--cold] [TEMPLATE ...]``.
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

BIN = Path(sys.executable).parent
TEMPLATES = ["ml-pipeline", "rag-system", "ai-feature"]


def _env(with_uv: bool, cache: Path | None) -> dict[str, str]:
    """``make``'s environment: scaffold's venv (uv) first on PATH, or a PATH without uv.

    ``cache``: an empty directory for the installers' caches (a cold run), or None (warm).
    """
    env = {**os.environ, "CI": "true"}
    if cache is not None:
        env["UV_CACHE_DIR"] = str(cache / "uv")
        env["PIP_CACHE_DIR"] = str(cache / "pip")
    env.pop("VIRTUAL_ENV", None)
    parts = [p for p in env["PATH"].split(os.pathsep) if p and not (Path(p) / "uv").exists()]
    if with_uv:
        parts.insert(0, str(BIN))
    env["PATH"] = os.pathsep.join(parts)
    # The same interpreter both ways; uv must not find a uv binary either way but BIN's.
    env["PYTHON"] = (
        shutil.which("python3", path=os.pathsep.join(parts[1:] if with_uv else parts))
        or sys.executable
    )
    return env


def _setup(rendered: Path, scratch: Path, with_uv: bool, cold: bool) -> float:
    repo = scratch / ("uv" if with_uv else "pip")
    cache = scratch / "cache"
    for path in (repo, cache):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(rendered, repo)
    env = _env(with_uv, cache if cold else None)
    start = time.perf_counter()
    subprocess.run(["make", "setup"], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    shutil.rmtree(cache, ignore_errors=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="counted runs per installer")
    parser.add_argument("--cold", action="store_true", help="an empty cache for every run")
    parser.add_argument("templates", nargs="*", default=TEMPLATES)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-lock-"))
    try:
        cache = "cold cache" if args.cold else "warm cache"
        print(f"make setup from the lock, median of {args.runs} runs, {cache}")
        print(f"{'template':<12} {'packages':>8} {'uv (s)':>8} {'pip (s)':>8} {'pip/uv':>7}")
        for template in args.templates:
            rendered = work / template / "repo"
            subprocess.run(
                [
                    str(BIN / "scaffold"),
                    "new",
                    template,
                    str(rendered),
                    "--defaults",
                    "--domain",
                    "legal",
                    "--deploy",
                    "docker",
                ],
                check=True,
                env={**os.environ, "CI": "true"},
                stdout=subprocess.DEVNULL,
            )
            lock = (rendered / "requirements" / "dev.txt").read_text(encoding="utf-8")
            packages = sum(1 for line in lock.splitlines() if "==" in line)
            timings: dict[bool, list[float]] = {True: [], False: []}
            first = 1 if args.cold else 0
            for run in range(first, args.runs + 1):  # interleaved; a warm run 0 fills the caches
                for with_uv in (True, False):
                    seconds = _setup(rendered, work / template, with_uv, args.cold)
                    if run:
                        timings[with_uv].append(seconds)
                    label = "uv" if with_uv else "pip"
                    print(f"  {template} {label} run {run}: {seconds:.1f} s", file=sys.stderr)
            uv, pip = statistics.median(timings[True]), statistics.median(timings[False])
            print(
                f"{template:<12} {packages:>8} {uv:>8.1f} {pip:>8.1f} {pip / uv:>6.1f}x", flush=True
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
