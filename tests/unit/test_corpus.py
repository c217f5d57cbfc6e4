"""`scaffold new rag-system --corpus DIR`: per-file errors first, then the owner's corpus."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scaffold.cli import app
from tests.helpers import git

runner = CliRunner()


def _folder(root: Path) -> Path:
    folder = root / "docs"
    (folder / "guides").mkdir(parents=True)
    (folder / "rules.md").write_text(
        "# Allotment rules\n\n## Rent\n\nA full plot costs 48 pounds a year.\n\n"
        "## Bonfires\n\nBonfires are allowed after 16:00 in winter only.\n",
        encoding="utf-8",
    )
    (folder / "guides" / "tools.txt").write_text(
        "Tool store\n\nBook a rotavator two days ahead in the shed diary.\n", encoding="utf-8"
    )
    (folder / ".hidden.md").write_text("ignored", encoding="utf-8")
    (folder / "guides" / "manual.rst").write_text("Manual\n======\n", encoding="utf-8")
    return folder


def test_bad_files_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "old.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "scan.pdf").write_bytes(b"not a pdf")
    (folder / "blank.md").write_text("\n", encoding="utf-8")
    dest = tmp_path / "out"
    result = runner.invoke(
        app, ["new", "rag-system", str(dest), "--corpus", str(folder), "--defaults"]
    )
    assert result.exit_code == 2
    assert "3 of 5 files do not load" in result.stderr
    for line in ("blank.md: no text in it", "old.txt: not text", "scan.pdf: not a PDF file"):
        assert line in result.stderr
    assert "hint:" in result.stderr and not dest.exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["new", "rag-system", str(dest), "--corpus", str(empty)])
    assert result.exit_code == 2 and "no documents in it" in result.stderr
    result = runner.invoke(app, ["new", "ml-pipeline", str(dest), "--corpus", str(folder)])
    assert result.exit_code == 2 and "rag-system option" in result.stderr
    assert not dest.exists()


def test_the_corpus_replaces_the_pack_with_draft_questions(tmp_path: Path) -> None:
    dest = tmp_path / "own"
    folder = _folder(tmp_path)
    # Text saved by old Windows tools is cp1252 (curly quotes, pound sign), not UTF-8.
    cp1252 = "Hut keys\r\n\r\nThe \u2018spare\u2019 key costs \u00a35 from the caf\u00e9.\r\n"
    (folder / "guides" / "hut keys.txt").write_bytes(cp1252.encode("cp1252"))
    result = runner.invoke(
        app,
        ["new", "rag-system", str(dest), "--corpus", str(folder), "--defaults"],
    )
    assert result.exit_code == 0, result.stderr
    assert "3 documents" in result.stdout
    assert "note: 1 file(s)" in result.stderr and "guides/manual.rst" in result.stderr
    assert "were not UTF-8" in result.stderr and "guides/hut keys.txt (cp1252)" in result.stderr
    saved = dest / "data/corpus/guides/hut keys.txt"
    assert saved.read_bytes() == cp1252.encode("utf-8")
    corpus = sorted(
        p.relative_to(dest / "data/corpus").as_posix()
        for p in (dest / "data/corpus").rglob("*")
        if p.is_file()
    )
    assert corpus == ["guides/hut keys.txt", "guides/tools.txt", "rules.md"]
    rows = [
        json.loads(line) for line in (dest / "data/eval/questions.jsonl").read_text().splitlines()
    ]
    assert rows and all(r["status"] == "draft" for r in rows)
    assert {tuple(r["gold_doc_ids"]) for r in rows} == {
        ("rules",),
        ("guides/tools",),
        ("guides/hut keys",),
    }
    # The pack's gate stays: it transfers, and without it a word-coverage rule refuses
    # paraphrases of the owner's documents.
    assert (dest / "data/eval/gate.json").is_file()
    log = git(dest, "log", "--format=%s").splitlines()
    assert log[0].startswith("Use the owner's corpus: 3 documents")
    assert log[1].startswith("Render rag-system")
    assert git(dest, "status", "--porcelain") == ""
