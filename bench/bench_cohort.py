"""Benchmark: `scaffold cohort new` and `scaffold cohort update` for growing cohorts.

For each cohort size N (default 10, 30, 100) it runs, as a user would, the installed console
script in a fresh process:

* `scaffold cohort new ROSTER --template T --out DIR` with N students (domains cycled);
* a one-line template change, then `scaffold cohort update DIR` (one branch per repo).

Each size runs `--runs` times (default 3) and prints the median wall time and the time per
repo; at the end, the peak memory (max RSS) of the largest scaffold process. Targets on a
2-core machine: 30 repos made in <= 30 s and updated in <= 60 s.

Usage: python bench/bench_cohort.py [--sizes 10,30,100] [--runs 3] [--template rag-system]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCAFFOLD = str(Path(sys.executable).with_name("scaffold"))
DOMAINS = ["healthcare", "finance", "retail", "legal", "customer-support"]
ENV = {**os.environ, "CI": "true"}
TARGETS = {30: (30.0, 60.0)}


def _roster(path: Path, size: int) -> Path:
    rows = [
        f"s{n:03d},Student {n},s{n:03d}@example.org,{DOMAINS[n % len(DOMAINS)]}"
        for n in range(size)
    ]
    path.write_text("id,name,email,domain\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _run(args: list[str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(args[:3])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> int:
    """Measure both commands for each size; print medians, per-repo times and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,30,100", help="comma-separated cohort sizes")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per size")
    parser.add_argument("--template", default="rag-system")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    missed = 0
    print(f"template {args.template}, {args.jobs} worker(s), {args.runs} run(s) per size")
    print(f"{'repos':>5}  {'new (median)':>12}  {'per repo':>8}  {'update':>8}  {'per repo':>8}")
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-cohort-") as tmp:
        work = Path(tmp)
        for size in sizes:
            roster = _roster(work / f"roster-{size}.csv", size)
            new_times, update_times = [], []
            for run in range(args.runs):
                source = work / f"templates-{size}-{run}"
                shutil.copytree(ROOT / "templates", source)
                out = work / f"cohort-{size}-{run}"
                new_times.append(
                    _run(
                        [
                            SCAFFOLD,
                            "cohort",
                            "new",
                            str(roster),
                            "--template",
                            args.template,
                            "--out",
                            str(out),
                            "--source",
                            str(source),
                            "--jobs",
                            str(args.jobs),
                        ]
                    )
                )
                readme = source / "_shared" / "README.md.jinja"
                readme.write_text(readme.read_text() + "\nA course-wide note.\n")
                update_times.append(
                    _run([SCAFFOLD, "cohort", "update", str(out), "--jobs", str(args.jobs)])
                )
                shutil.rmtree(out)
                shutil.rmtree(source)
            new_m, upd_m = statistics.median(new_times), statistics.median(update_times)
            verdict = ""
            if size in TARGETS:
                ok = new_m <= TARGETS[size][0] and upd_m <= TARGETS[size][1]
                missed += not ok
                verdict = f"  (targets <= {TARGETS[size][0]:.0f} s / <= {TARGETS[size][1]:.0f} s) "
                verdict += "ok" if ok else "MISSED"
            print(
                f"{size:>5}  {new_m:>10.1f} s  {new_m / size * 1000:>6.0f} ms  {upd_m:>6.1f} s  "
                f"{upd_m / size * 1000:>6.0f} ms{verdict}"
            )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS of the largest child process (a scaffold parent or worker): {children:.0f} MiB"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
