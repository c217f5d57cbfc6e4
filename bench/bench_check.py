"""Benchmark: `scaffold check` on a synthetic repository of ~500 commits and ~10 MB of history.

The repository is built with `git fast-import` (seeded, so every run builds the same one): a
package of Python modules, Markdown docs, YAML configs and notebooks whose outputs embed
base64 images, edited a little in each commit, with two keys planted and later removed. Each
run is a fresh process of the installed console script, as a user runs it. Prints the medians
of the secret checks alone (SC303, SC304) and of every check, and fails (exit 1) when the
planted keys are not found, so a fast but blind scanner cannot pass.

Usage: python bench/bench_check.py [--runs 5] [--commits 500]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCAFFOLD = str(Path(sys.executable).with_name("scaffold"))
ENV = {**os.environ, "CI": "true", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
#: Built at run time so that this file holds no key a scanner would report.
PLANTED = ("AKIA" + "Q7W3RT5YU8IO2PLX", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")


def _python(rng: random.Random, n: int) -> str:
    body = [f'"""Module {n}: feature engineering step {n}."""', "", "import math", ""]
    for f in range(rng.randint(10, 40)):
        body += [
            f"def step_{n}_{f}(x: float, token_count: int = {rng.randint(1, 512)}) -> float:",
            f'    """Scale x by a factor tuned on the validation split ({rng.random():.4f})."""',
            f"    return math.log1p(abs(x)) * {rng.random():.6f} + token_count",
            "",
        ]
    return "\n".join(body) + "\n"


def _notebook(rng: random.Random, n: int) -> str:
    png = base64.b64encode(rng.randbytes(rng.randint(90_000, 200_000))).decode()
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [f"# Experiment {n}\n", "Notes."]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": ["import pandas as pd\n", f"df = pd.read_csv('data/part{n}.csv')\n"],
            "outputs": [
                {"output_type": "display_data", "data": {"image/png": png}, "metadata": {}}
            ],
        },
    ]
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


def _blob(data: str) -> bytes:
    raw = data.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def build(root: Path, commits: int, seed: int = 7) -> int:
    """Create the repository at ``root``; return the size of its .git directory in bytes."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=ENV)
    files: dict[str, str] = {
        "README.md": "# Bench\n\nA synthetic project.\n",
        ".gitignore": ".env\n",
        "docker-compose.yml": "services:\n  db:\n    environment:\n"
        "      POSTGRES_PASSWORD: postgres\n",
    }
    stream = bytearray()
    for c in range(commits):
        kind = c % 10
        if kind < 6:
            n = rng.randint(0, 60)
            files[f"src/pkg/mod_{n}.py"] = _python(rng, n)
        elif kind < 8:
            n = rng.randint(0, 15)
            files[f"notebooks/exp_{n}.ipynb"] = _notebook(rng, n)
        else:
            n = rng.randint(0, 30)
            text = files.get(f"docs/page_{n}.md", f"# Page {n}\n")
            files[f"docs/page_{n}.md"] = text + f"\nParagraph {c}: {rng.random():.6f}.\n" * 20
        if c == commits // 3:
            files["src/pkg/settings.py"] = f'AWS_ACCESS_KEY_ID = "{PLANTED[0]}"\n'
        if c == commits // 3 + 1:
            files["src/pkg/settings.py"] = 'import os\n\nKEY = os.environ["AWS_KEY"]\n'
        if c == commits // 2:
            files["config/ci.yml"] = f"github_token: {PLANTED[1]}\n"
        if c == commits // 2 + 5:
            files["config/ci.yml"] = "github_token: ${{ secrets.GITHUB_TOKEN }}\n"
        message = f"commit {c}".encode()
        stream += b"commit refs/heads/main\n"
        stream += b"committer Bench <bench@example.com> %d +0000\n" % (1_700_000_000 + c * 60)
        stream += b"data %d\n%s\n" % (len(message), message)
        if c == 0:
            for path, text in files.items():
                stream += b"M 100644 inline " + path.encode() + b"\n" + _blob(text)
        else:
            changed = [p for p in files if p.endswith((".py", ".ipynb", ".md", ".yml"))]
            for path in {*changed[-3:], *rng.sample(changed, min(2, len(changed)))}:
                stream += b"M 100644 inline " + path.encode() + b"\n" + _blob(files[path])
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), check=True, env=ENV
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True, env=ENV)
    subprocess.run(["git", "gc", "-q"], cwd=root, check=True, env=ENV)
    return sum(f.stat().st_size for f in (root / ".git").rglob("*") if f.is_file())


def _time(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    """Build the repository, run both commands side by side, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-check-") as tmp:
        repo = Path(tmp) / "repo"
        size = build(repo, args.commits)
        commits = subprocess.run(
            ["git", "rev-list", "--count", "--all"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
            env=ENV,
        ).stdout.strip()
        secrets, every = [], []
        for _ in range(args.runs):
            elapsed, out = _time(
                [SCAFFOLD, "check", str(repo), "--select", "SC303,SC304", "--format", "json"]
            )
            secrets.append(elapsed)
            report = json.loads(out)
            history = next(r for r in report["results"] if r["id"] == "SC304")
            found = {d["path"] for d in history["details"] if d["level"] == "error"}
            if found != {"src/pkg/settings.py", "config/ci.yml"}:
                sys.exit(f"error: the planted keys were not found: {history['details']}")
            every.append(_time([SCAFFOLD, "check", str(repo)])[0])
    print(f"repository: {commits} commits, .git {size / 1e6:.1f} MB")
    print(
        f"scaffold check --select SC303,SC304  median {statistics.median(secrets):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in secrets)})"
    )
    print(
        f"scaffold check (every check)         median {statistics.median(every):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in every)})"
    )


if __name__ == "__main__":
    main()
