"""Property: whatever the user and the template change, no line the user added is lost.

Each example edits a small tree on both sides (insert, replace or delete lines; the template
may also delete a whole file), updates, and looks for every user-added line in the work tree:
it must be in the merged file or inside the conflict markers git left.

The owner may also amend the render commit instead of committing on top of it, rename a
file, keep an ignored file where the template adds one, and interrupt the update (SIGINT at
one of the points the update can pause at for tests). Whatever happens, the owner's lines and
their ignored file are still there afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.errors import ScaffoldError
from scaffold.update import PAUSE_AT_ENV, PAUSE_MARKER_ENV, update_project
from tests.unit.update_helpers import (
    V1,
    build_tree,
    commit,
    generate,
    read,
    run_git,
)

FILES = ("a.txt", "b.txt", "c.txt")
BASE = {name: "".join(f"{name} {n}\n" for n in range(1, 7)) for name in FILES}

# (file index, line index, operation)
edit = st.tuples(
    st.integers(0, len(FILES) - 1),
    st.integers(0, 5),
    st.sampled_from(["insert", "replace", "delete"]),
)


def _apply(files: dict[str, str | None], edits: list[tuple[int, int, str]], tag: str) -> None:
    for number, (index, line, op) in enumerate(edits):
        name = FILES[index]
        text = files[name]
        if text is None:
            continue
        lines = text.splitlines(keepends=True)
        at = min(line, max(len(lines) - 1, 0))
        marker = f"{tag} {number} {op}\n"
        if op == "insert":
            lines.insert(at, marker)
        elif op == "replace" and lines:
            lines[at] = marker
        elif op == "delete" and lines:
            del lines[at]
        files[name] = "".join(lines)


def _interrupt_at(
    point: str | None, marker: Path, stop: threading.Event
) -> threading.Thread | None:
    """Send this process SIGINT when the update reaches ``point`` (None: never).

    The update may end without reaching it (a conflict, a refusal): ``stop`` is then set.
    """
    if point is None:
        return None
    os.environ[PAUSE_AT_ENV] = point
    os.environ[PAUSE_MARKER_ENV] = str(marker)

    def signal_when_paused() -> None:
        while not marker.exists() and not stop.is_set():
            time.sleep(0.01)
        if marker.exists():
            os.kill(os.getpid(), signal.SIGINT)
            marker.unlink()

    thread = threading.Thread(target=signal_when_paused, daemon=True)
    thread.start()
    return thread


@settings(
    max_examples=12,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    user=st.lists(edit, max_size=5),
    template=st.lists(edit, max_size=5),
    dropped=st.sets(st.sampled_from(FILES), max_size=1),
    amend=st.booleans(),
    renamed=st.sampled_from([None, *FILES]),
    ignored=st.booleans(),
    interrupt=st.sampled_from([None, None, "render", "merge", "committed", "done"]),
)
def test_update_never_loses_a_user_added_line(
    user: list[tuple[int, int, str]],
    template: list[tuple[int, int, str]],
    dropped: set[str],
    amend: bool,
    renamed: str | None,
    ignored: bool,
    interrupt: str | None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tpl = build_tree(root / "template", {**V1, **{f"demo/{n}": t for n, t in BASE.items()}})
        run_git(tpl, "init", "--quiet", "--initial-branch=main")
        commit(tpl, {}, "v1")
        repo = generate(f"{tpl}@HEAD", root / "proj")

        mine: dict[str, str | None] = dict(BASE)
        _apply(mine, user, "USER")
        owner_files: dict[str, str | None] = {".gitignore": "/extra.txt\n", **mine}
        if renamed and mine[renamed] is not None:
            owner_files[f"moved-{renamed}"] = owner_files.pop(renamed)
            owner_files[renamed] = None
        build_tree(repo, owner_files)
        run_git(repo, "add", "--all")
        run_git(repo, "commit", "--quiet", *(["--amend", "--no-edit"] if amend else ["-m", "mine"]))
        if ignored:
            build_tree(repo, {"extra.txt": "USER ignored file\n"})
        theirs: dict[str, str | None] = dict(BASE)
        _apply(theirs, template, "TEMPLATE")
        theirs.update(dict.fromkeys(dropped))
        commit(tpl, {"demo/extra.txt": "from the template\n"}, "v2")
        commit(tpl, {f"demo/{n}": t for n, t in theirs.items()}, "v2 edits")

        stop = threading.Event()
        thread = _interrupt_at(interrupt, root / "paused", stop)
        outcome: object = None
        try:
            outcome = update_project(repo)
        except (ScaffoldError, KeyboardInterrupt) as exc:
            outcome = exc
        finally:
            os.environ.pop(PAUSE_AT_ENV, None)
            stop.set()
            if thread:
                thread.join()

        for name, text in mine.items():
            added = [line for line in (text or "").splitlines() if line.startswith("USER")]
            where = f"moved-{name}" if renamed == name else name
            if added:
                assert (repo / where).exists(), f"{where} with user lines is gone: {outcome}"
            for line in added:
                assert line in read(repo, where).splitlines(), (where, line, outcome)
        if ignored:
            kept = [repo / "extra.txt", repo / "extra.txt.scaffold-backup"]
            assert any(p.exists() and p.read_text() == "USER ignored file\n" for p in kept), outcome
        shutil.rmtree(root, ignore_errors=True)
