"""Secrets in the tree and the history are found and located, never printed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from scaffold.check import run_checks
from scaffold.checks.base import Status
from scaffold.cli import app
from tests.unit.check_helpers import (
    WORKFLOW as PASSING_WORKFLOW,
)
from tests.unit.check_helpers import (
    build_repo,
    commit,
    git,
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
    hashed = hashlib.sha1(AWS_KEY.encode()).hexdigest()  # detect-secrets' hashed_secret
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


# Real-world shapes that are not leaks (each one a false alarm seen on a public repository).
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
RANDOM_SECRET = "q8Zr" + "T2vLm9Xw4Kp7Hs3N"


def _notebook(source: list[str], outputs: list[dict[str, object]]) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": outputs}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _tree(repo: Path) -> tuple[Status, list[str]]:
    (result,) = run_checks(repo, select=["SC303"]).results
    return result.status, [f"{d.location} {d.message}" for d in result.details]


def test_notebook_outputs_hashes_and_placeholders_are_not_secrets(tmp_path: Path) -> None:
    png = "iVBORw0KGgo" + "AKIA" + "Z7QW3RT5YU8IO2PL" * 20
    repo = build_repo(
        tmp_path / "repo",
        {
            "notebooks/eda.ipynb": _notebook(
                ["import pandas as pd\n", "df = pd.read_csv('x.csv')\n"],
                [
                    {
                        "output_type": "display_data",
                        "data": {"image/png": png, "text/plain": [f"token: {GITHUB_TOKEN}"]},
                    }
                ],
            ),
            ".cruft.json": json.dumps({"commit": "9f1c2b" * 6 + "abcd", "checkout": None}),
            "src/app/llm.py": 'client = OpenAI(base_url=URL, api_key="nokeyneeded")\n'
            'token = os.environ["HF_TOKEN"]\nsecret_key = settings.secret_key\n',
            "poetry.lock": f'[[package]]\nname = "x"\ntoken = "{RANDOM_SECRET}"\n',
            ".github/workflows/ci.yml": PASSING_WORKFLOW
            + "        env:\n          TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
        },
    )
    assert _tree(repo) == (Status.PASS, [])


def test_key_in_a_notebook_source_fails_with_the_cell(tmp_path: Path) -> None:
    notebook = _notebook([f'os.environ["GITHUB_TOKEN"] = "{GITHUB_TOKEN}"\n'], [])
    repo = build_repo(tmp_path / "repo", {"notebooks/demo.ipynb": notebook})
    status, details = _tree(repo)
    assert status is Status.FAIL
    assert details == ["notebooks/demo.ipynb possible GitHub Token (cell 1, line 1)"]


def test_development_defaults_in_compose_and_tests_are_warnings(tmp_path: Path) -> None:
    repo = build_repo(
        tmp_path / "repo",
        {
            "docker-compose.yml": "services:\n  db:\n    environment:\n"
            "      POSTGRES_PASSWORD: postgres\n"
            "      DATABASE_URL: postgresql://app:changeme@db:5432/app\n",
            "tests/test_login.py": 'PASSWORD = "secret"\n',
        },
    )
    status, details = _tree(repo)
    assert status is Status.WARN
    assert [d.split(" ")[0] for d in details] == [
        "docker-compose.yml:4",
        "docker-compose.yml:5",
        "tests/test_login.py:1",
    ]
    result = CliRunner().invoke(app, ["check", str(repo), "--select", "SC303"])
    assert result.exit_code == 0, result.output
    assert "warning: development default as a" in result.output


def test_high_entropy_value_for_a_secret_name_fails_outside_tests(tmp_path: Path) -> None:
    repo = build_repo(
        tmp_path / "repo",
        {
            "src/app/settings.py": f'SECRET_KEY = "{RANDOM_SECRET}"\n',
            "tests/test_auth.py": f'API_KEY = "{RANDOM_SECRET}x"\n',
        },
    )
    status, details = _tree(repo)
    assert status is Status.FAIL
    assert details == [
        "src/app/settings.py:1 possible secret-named value",
        "tests/test_auth.py:1 possible secret-named value in a test or example",
    ]
    (result,) = run_checks(repo, select=["SC303"]).results
    assert [d.warning for d in result.details] == [False, True]


def test_missing_history_objects_make_the_check_an_error_not_a_pass(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "repo")
    write_tree(repo, {"src/app/notes.md": "some notes\n"})
    commit(repo, "notes")
    blob = git(repo, "rev-parse", "HEAD:src/app/notes.md").strip()
    write_tree(repo, {"src/app/notes.md": "other notes\n"})
    commit(repo, "more notes")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (history,) = run_checks(repo, select=["SC304"]).results
    assert history.status is Status.ERROR
    assert "1 object(s) of the history are missing" in history.details[0].message
    result = CliRunner().invoke(app, ["check", str(repo), "--select", "SC304"])
    assert result.exit_code == 3


def test_findings_are_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    lines = "".join(f'KEY_{i} = "AKIA{i:016d}"\n'.replace("0", "Q") for i in range(40))
    repo = build_repo(tmp_path / "repo", {"src/app/keys.py": lines})
    (tree,) = run_checks(repo, select=["SC303"]).results
    assert tree.status is Status.FAIL
    assert len(tree.details) == 16
    assert tree.details[-1].message == "... and 25 more not shown"
