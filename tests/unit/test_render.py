"""The render core: atomic renders, git trailers, template sources, interrupts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scaffold.errors import TemplateSourceError, UntrustedSourceError
from scaffold.gitrepo import Identity, commit_all, init_repo, render_commits, render_message
from scaffold.render import TEMP_PREFIX, render_project
from scaffold.sources import open_source, split_spec
from tests.helpers import build_file_tree, git

TINY_TEMPLATE = {
    "copier.yml": (
        '_subdirectory: "{{ template }}"\n'
        "template:\n  type: str\n  default: tiny\n"
        "domain:\n  type: str\n  default: x\n"
        "deploy_target:\n  type: str\n  default: docker\n"
        "project_name:\n  type: str\n  default: tiny\n"
    ),
    "tiny/README.md.jinja": "# {{ project_name }}\n",
    "tiny/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
}


def test_render_commit_trailers_round_trip(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    init_repo(repo)
    (repo / "f.txt").write_text("x")
    sha = commit_all(repo, render_message("rag-system", "1.2.3", "https://x/y.git@abc"))
    (repo / "f.txt").write_text("user change")
    commit_all(repo, "user work")
    found = render_commits(repo)
    assert [(c.sha, c.template, c.version, c.source) for c in found] == [
        (sha, "rag-system", "1.2.3", "https://x/y.git@abc")
    ]


def test_commit_author_is_the_given_identity(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    init_repo(repo)
    commit_all(repo, "m", author=Identity("Ada Lovelace", "ada@example.org"))
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Ada Lovelace <ada@example.org>"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("https://github.com/org/repo.git@v1.2", ("https://github.com/org/repo.git", "v1.2")),
        ("https://github.com/org/repo.git", ("https://github.com/org/repo.git", None)),
        ("git@github.com:org/repo.git", ("git@github.com:org/repo.git", None)),
        ("git@github.com:org/repo.git@main", ("git@github.com:org/repo.git", "main")),
        ("gh:org/repo@feature/x", ("gh:org/repo", "feature/x")),
        ("./templates", ("./templates", None)),
    ],
)
def test_split_spec(spec: str, expected: tuple[str, str | None]) -> None:
    assert split_spec(spec) == expected


def test_local_git_source_at_a_tag(tmp_path: Path) -> None:
    src = build_file_tree(tmp_path / "tpl", TINY_TEMPLATE)
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "v1")
    git(src, "tag", "v1.0.0")
    (src / "tiny" / "README.md.jinja").write_text("# changed\n")
    git(src, "commit", "-qam", "v2")
    with open_source(f"{src}@v1.0.0") as source:
        assert source.version == "v1.0.0"
        assert source.commit is not None and len(source.commit) == 40
        result = render_project(
            source, tmp_path / "out", {}, defaults=True, interactive=False, cwd=tmp_path
        )
    assert (result.path / "README.md").read_text() == "# out\n"
    assert f"Scaffold-Source: {src}@{source.commit}" in git(result.path, "log", "-1", "--format=%B")


def test_local_directory_version_is_a_content_hash(tmp_path: Path) -> None:
    src = build_file_tree(tmp_path / "tpl", TINY_TEMPLATE)
    with open_source(str(src)) as first:
        pass
    (src / "tiny" / "README.md.jinja").write_text("# v2\n")
    with open_source(str(src)) as second:
        pass
    assert first.version.startswith("local-") and second.version.startswith("local-")
    assert first.version != second.version


def test_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    with (
        pytest.raises(TemplateSourceError, match="does not exist"),
        open_source(str(tmp_path / "x")),
    ):
        pass


def test_unsafe_source_needs_trust(tmp_path: Path) -> None:
    spec = dict(TINY_TEMPLATE)
    spec["copier.yml"] += "_tasks:\n  - echo hi\n"
    src = build_file_tree(tmp_path / "tpl", spec)
    with open_source(str(src)) as source, pytest.raises(UntrustedSourceError) as info:
        render_project(source, tmp_path / "out", {}, defaults=True, interactive=False, cwd=tmp_path)
    assert info.value.exit_code == 4
    assert "--trust" in (info.value.hint or "")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_failed_render_removes_created_parents(tmp_path: Path) -> None:
    spec = dict(TINY_TEMPLATE)
    spec["tiny/broken.txt.jinja"] = "{{ undefined_thing.attr }}"
    src = build_file_tree(tmp_path / "tpl", spec)
    with open_source(str(src)) as source, pytest.raises(Exception, match="rendering failed"):
        render_project(
            source,
            tmp_path / "a" / "b" / "out",
            {},
            defaults=True,
            interactive=False,
            cwd=tmp_path,
        )
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_render_leaves_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    # A render that cannot finish before the signal: its task marks that it started, then
    # waits. The test signals only once the marker exists, whatever the machine's speed.
    started = tmp_path / "started"
    spec = dict(TINY_TEMPLATE)
    spec["copier.yml"] += f"_tasks:\n  - touch '{started}' && exec sleep 60\n"
    src = build_file_tree(tmp_path / "tpl", spec)
    dest = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scaffold",
            "new",
            "tiny",
            str(dest),
            "--source",
            str(src),
            "--trust",
            "--defaults",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "render never started"
        time.sleep(0.05)
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")), "the render is staged beside DEST"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not dest.exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_a_source_that_looks_like_a_git_option_is_only_ever_a_url(tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    spec = f"--upload-pack=touch {pwned}; false @v1"
    with pytest.raises(TemplateSourceError, match="cannot fetch"), open_source(spec):
        pass
    assert not pwned.exists()
