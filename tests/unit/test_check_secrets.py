"""Secrets in the tree and the history are found and located, never printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scaffold.check import run_checks
from scaffold.checks.base import Status
from scaffold.cli import app
from tests.unit.check_helpers import (  # noqa: F401 - git_isolation is an autouse fixture
    build_repo,
    commit,
    git,
    git_isolation,
    write_tree,
)

# Built at run time so that this file itself holds no key a scanner would report.
AWS_KEY = "AKIA" + "Z7QW3RT5YU8IO2PL"
PRIVATE_KEY = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
)


def _plant_and_remove(repo: Path) -> str:
    """Commit a key, then delete it in the next commit; return the planting commit."""
    write_tree(repo, {"src/app/settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'})
    planted = commit(repo, "add settings")
    write_tree(repo, {"src/app/settings.py": 'import os\n\nKEY = os.environ["KEY"]\n'})
    commit(repo, "read the key from the environment")
    return planted


def test_removed_key_is_found_in_history_with_commit_file_and_line(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo")
    planted = _plant_and_remove(repo)
    report = run_checks(repo, select=["SC303", "SC304"])
    tree, history = report.results
    assert tree.status is Status.PASS
    assert history.status is Status.FAIL
    (finding,) = history.details
    assert (finding.commit, finding.path, finding.line) == (planted, "src/app/settings.py", 1)
    assert "AWS Access Key" in finding.message
    assert AWS_KEY not in json.dumps(report.to_dict())


def test_secret_value_is_never_printed_in_any_format(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {"deploy/id_rsa": PRIVATE_KEY})
    _plant_and_remove(repo)
    for fmt in ("text", "json", "markdown"):
        result = CliRunner().invoke(app, ["check", str(repo), "--select", "SC3", "--format", fmt])
        assert result.exit_code == 3, result.output
        assert "settings.py:1" in result.output
        assert "deploy/id_rsa:1" in result.output
        assert AWS_KEY not in result.output
        assert "MIIEowIBAAKCAQEA" not in result.output


def test_key_on_another_branch_is_found(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo")
    git(repo, "switch", "--quiet", "-c", "experiment")
    planted = _plant_and_remove(repo)
    git(repo, "switch", "--quiet", "main")
    (history,) = run_checks(repo, select=["SC304"]).results
    assert [d.commit for d in history.details] == [planted]


def test_allowlisted_line_is_not_reported(tmp_path: Path) -> None:
    line = f'EXAMPLE_KEY = "{AWS_KEY}"  # pragma: allowlist secret\n'
    repo = build_repo(tmp_path / "repo", {"src/app/example.py": line})
    report = run_checks(repo, select=["SC303", "SC304"])
    assert [r.status for r in report.results] == [Status.PASS, Status.PASS]


def test_audited_baseline_entry_is_not_reported(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo", {"src/app/aws.py": f'KEY = "{AWS_KEY}"\n'})
    (before,) = run_checks(repo, select=["SC303"]).results
    assert before.status is Status.FAIL
    from detect_secrets.core.potential_secret import PotentialSecret

    hashed = PotentialSecret.hash_secret(AWS_KEY)
    baseline = {"results": {"src/app/aws.py": [{"hashed_secret": hashed, "is_secret": False}]}}
    write_tree(repo, {".secrets.baseline": json.dumps(baseline)})
    commit(repo, "audit")
    report = run_checks(repo, select=["SC303", "SC304"])
    assert [r.status for r in report.results] == [Status.PASS, Status.PASS]


def test_example_env_files_are_not_env_files(tmp_path: Path) -> None:
    repo = build_repo(
        tmp_path / "repo", {".env.sample": "A=1\n", "templates/.env.example.jinja": "A=\n"}
    )
    (result,) = run_checks(repo, select=["SC302"]).results
    assert result.passed, result.details


def test_untracked_unignored_env_variant_is_reported(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo")
    write_tree(repo, {".env.local": "APP_DEBUG=1\n"})
    (result,) = run_checks(repo, select=["SC302"]).results
    assert result.status is Status.FAIL
    assert [d.location for d in result.details] == [".env.local"]
