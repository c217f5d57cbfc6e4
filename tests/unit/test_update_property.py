"""Property: whatever the user and the template change, no line the user added is lost.

Each example edits a small tree on both sides (insert, replace or delete lines; the template
may also delete a whole file), updates, and looks for every user-added line in the work tree:
it must be in the merged file or inside the conflict markers git left.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.update import update_project
from tests.unit.update_helpers import (
    V1,
    build_tree,
    commit,
    generate,
    read,
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


@settings(
    max_examples=25,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    user=st.lists(edit, max_size=5),
    template=st.lists(edit, max_size=5),
    dropped=st.sets(st.sampled_from(FILES), max_size=1),
)
def test_update_never_loses_a_user_added_line(
    user: list[tuple[int, int, str]],
    template: list[tuple[int, int, str]],
    dropped: set[str],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tpl = build_tree(root / "template", {**V1, **{f"demo/{n}": t for n, t in BASE.items()}})
        repo = generate(tpl, root / "proj")

        mine: dict[str, str | None] = dict(BASE)
        _apply(mine, user, "USER")
        commit(repo, mine)
        theirs: dict[str, str | None] = dict(BASE)
        _apply(theirs, template, "TEMPLATE")
        theirs.update(dict.fromkeys(dropped))
        build_tree(tpl, {f"demo/{n}": t for n, t in theirs.items()})

        report = update_project(repo)

        for name, text in mine.items():
            added = [line for line in (text or "").splitlines() if line.startswith("USER")]
            if added:
                assert (repo / name).exists(), f"{name} with user lines is gone: {report}"
            for line in added:
                assert line in read(repo, name).splitlines(), (name, line, report)
        shutil.rmtree(root, ignore_errors=True)
