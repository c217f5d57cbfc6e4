"""Benchmark: scaffold's start-up and render speed, side by side with plain Copier.

Prints medians and ratios measured in one run (absolute times on a shared machine are noisy):

* ``scaffold --help`` cold start vs ``copier --help`` (target: median <= 0.3 s and <= 0.5x);
* ``scaffold new TEMPLATE --defaults`` (render + git init + commit) vs
  ``copier copy --defaults`` of the same template (target: ratio <= 1.3).

Run: ``make bench`` or ``python bench/bench_cli.py [--runs N]``.
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
BIN = Path(sys.executable).parent
TEMPLATES = ROOT / "templates"


def _time(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="repetitions per measurement")
    args = parser.parse_args()
    env = {**os.environ, "CI": "true"}
    work = Path(tempfile.mkdtemp(prefix="scaffold-bench-"))
    failures = 0
    try:
        help_s, help_c = [], []
        for _ in range(args.runs):  # interleaved, so drift affects both alike
            help_s.append(_time([str(BIN / "scaffold"), "--help"], work, env))
            help_c.append(_time([str(BIN / "copier"), "--help"], work, env))
        ms, mc = _median(help_s), _median(help_c)
        ok = ms <= 0.3 and ms / mc <= 0.5
        failures += not ok
        print(
            f"--help cold start   scaffold {ms * 1000:7.1f} ms   copier {mc * 1000:7.1f} ms   "
            f"ratio {ms / mc:.2f}   (target <= 300 ms and <= 0.50)  {'ok' if ok else 'MISSED'}"
        )
        for template in ("ml-pipeline", "rag-system", "ai-feature"):
            new_s, new_c = [], []
            for i in range(args.runs):
                dest_s, dest_c = work / f"s-{template}-{i}", work / f"c-{template}-{i}"
                new_s.append(
                    _time(
                        [str(BIN / "scaffold"), "new", template, str(dest_s), "--defaults"],
                        work,
                        env,
                    )
                )
                new_c.append(
                    _time(
                        [
                            str(BIN / "copier"),
                            "copy",
                            "--quiet",
                            "--defaults",
                            "--trust",
                            "-d",
                            f"template={template}",
                            "-d",
                            f"project_name={dest_c.name}",
                            str(TEMPLATES),
                            str(dest_c),
                        ],
                        work,
                        env,
                    )
                )
                shutil.rmtree(dest_s)
                shutil.rmtree(dest_c)
            ms, mc = _median(new_s), _median(new_c)
            ok = ms / mc <= 1.3
            failures += not ok
            print(
                f"new {template:<12}    scaffold {ms * 1000:7.1f} ms   copier {mc * 1000:7.1f} ms"
                f"   ratio {ms / mc:.2f}   (target <= 1.30)  {'ok' if ok else 'MISSED'}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"runs per figure: {args.runs}; medians; interleaved measurements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
