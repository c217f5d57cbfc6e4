"""``scaffold new ml-pipeline --dataset``: the owner's table, inferred and committed.

The tables are generated here in the shapes owners bring (all numeric, mixed with missing
values and a name column, a multi-class text target); no third-party data is vendored.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffold.cli import app
from scaffold.dataset import dataset_answers, prepare_dataset
from tests.helpers import git

runner = CliRunner()


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _numeric(path: Path, n: int = 80) -> Path:
    rng = random.Random(1)
    rows: list[list[object]] = []
    for _ in range(n):
        x = rng.gauss(0, 1)
        rows.append([round(5 + x, 3), rng.randint(0, 9), int(x + rng.gauss(0, 0.5) > 0)])
    return _write(path, ["width", "count", "label"], rows)


def _mixed(path: Path, n: int = 90) -> Path:
    rng = random.Random(2)
    rows: list[list[object]] = []
    for i in range(n):
        x = rng.gauss(0, 1)
        colour = "" if i % 9 == 0 else rng.choice(["red", "green", "blue"])
        width = "" if i % 7 == 0 else round(x, 2)
        z = x + rng.gauss(0, 0.5)  # a class computed from width alone would be leakage
        kind = ("low", "mid", "high")[0 if z < -0.4 else 1 if z < 0.4 else 2]
        rows.append([f"Surname{i}, Mx. Given{i % 11}", width, colour, kind])
    return _write(path, ["name", "width", "colour", "species"], rows)


def new(dest: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["new", "ml-pipeline", str(dest), "--domain", "custom", "--defaults", *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_all_numeric_table_becomes_the_data_in_a_commit_after_the_render(
    tmp_path: Path,
) -> None:
    source = _numeric(tmp_path / "mine.csv")
    dest = tmp_path / "repo"
    code, out, err = new(dest, "--dataset", str(source), "--target", "label")
    assert code == 0, err
    assert "80 rows, 2 features" in out
    schema = yaml.safe_load((dest / "data" / "schema.yml").read_text())
    assert schema["target"] == {
        "name": "label",
        "positive": "1",
        "classes": ["0", "1"],
        "description": "1 when label is 1.",
    }
    assert [f["name"] for f in schema["features"]] == ["width", "count"]
    assert schema["id_column"] is None
    assert (dest / "data" / "dataset.csv").read_text().splitlines()[0] == "width,count,label"
    assert "simulated" in (dest / "data" / "README.md").read_text()
    log = git(dest, "log", "--format=%s%n%b---").split("---")
    assert log[0].startswith("Add the owner's dataset mine.csv")
    assert "Scaffold-Template: ml-pipeline" in log[1]
    assert git(dest, "status", "--porcelain") == ""


def test_mixed_table_with_a_name_column_and_a_multiclass_target(tmp_path: Path) -> None:
    source = _mixed(tmp_path / "mixed.csv")
    dest = tmp_path / "repo"
    args = ["--dataset", str(source), "--target", "species", "--positive-class", "high"]
    code, _, err = new(dest, *args)
    assert code == 0, err
    text = (dest / "data" / "schema.yml").read_text()
    schema = yaml.safe_load(text)
    features = {f["name"]: f for f in schema["features"]}
    assert set(features) == {"width", "colour"}
    assert features["width"]["nullable"] and features["colour"]["nullable"]
    assert features["colour"]["categories"] == ["blue", "green", "red"]
    assert schema["ignored_columns"] == ["name"]
    assert "# - name: free text or a name" in text
    assert schema["target"]["classes"] == ["high", "low", "mid"]


BAD = [
    pytest.param(["--target", "species"], "3 classes", "--positive-class", id="multiclass"),
    pytest.param(["--target", "nope"], "not in the table", "species", id="unknown-target"),
    pytest.param([], "--dataset needs --target", "--target COL", id="no-target"),
    pytest.param(
        ["--target", "species", "--positive-class", "huge"], "not a class", "mid", id="bad-class"
    ),
    pytest.param(
        ["--target", "species", "--positive-class", "high", "--id-column", "colour"],
        "repeated or missing",
        "unique",
        id="bad-id",
    ),
]


@pytest.mark.parametrize(("args", "error", "hint"), BAD)
def test_bad_dataset_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], error: str, hint: str
) -> None:
    source = _mixed(tmp_path / "mixed.csv")
    dest = tmp_path / "out" / "repo"
    code, out, err = new(dest, "--dataset", str(source), *args)
    assert code == 2, err
    assert error in err and "hint:" in err and hint in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "content",
    ["", "a,b\n1,0\n", "a,b\n" + "1,0\n" * 10 + "1\n"],
    ids=["empty", "too-few-rows", "ragged"],
)
def test_unusable_files_exit_2(tmp_path: Path, content: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(content)
    dest = tmp_path / "out" / "repo"
    code, _, err = new(dest, "--dataset", str(source), "--target", "b")
    assert code == 2
    assert err.startswith("error:") and "hint:" in err
    assert not (tmp_path / "out").exists()


def test_dataset_options_need_ml_pipeline_and_dataset(tmp_path: Path) -> None:
    source = _numeric(tmp_path / "mine.csv")
    result = runner.invoke(
        app,
        ["new", "rag-system", str(tmp_path / "a"), "--defaults", "--dataset", str(source)],
    )
    assert result.exit_code == 2 and "ml-pipeline option" in result.stderr
    code, _, err = new(tmp_path / "b", "--target", "label")
    assert code == 2 and "go with --dataset" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def _to_parquet(source: Path, target: Path) -> Path:
    """The CSV's table as Parquet: numbers typed, empty cells null (NaN for floats)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns: dict[str, list[object]] = {}
    for name in rows[0]:
        cells = [row[name] for row in rows]
        try:
            # Parquet keeps numbers as numbers; a missing float is NaN, as pandas writes it.
            columns[name] = [float(c) if c else float("nan") for c in cells]
        except ValueError:
            columns[name] = [c or None for c in cells]
    pq.write_table(pa.table(columns), target)
    return target


def test_parquet_table_is_inferred_like_the_same_csv(tmp_path: Path) -> None:
    csv_source = _mixed(tmp_path / "mixed.csv")
    parquet = _to_parquet(csv_source, tmp_path / "mixed.parquet")
    args = ["--target", "species", "--positive-class", "high"]
    code, out, err = new(tmp_path / "p", "--dataset", str(parquet), *args)
    assert code == 0, err
    assert "90 rows, 2 features" in out
    schema = yaml.safe_load((tmp_path / "p" / "data" / "schema.yml").read_text())
    features = {f["name"]: f for f in schema["features"]}
    assert features["width"]["nullable"] and features["colour"]["nullable"]
    assert features["colour"]["categories"] == ["blue", "green", "red"]
    assert schema["ignored_columns"] == ["name"]
    data = (tmp_path / "p" / "data" / "dataset.csv").read_text().splitlines()
    assert data[0] == "name,width,colour,species" and len(data) == 91
    assert "nan" not in (tmp_path / "p" / "data" / "dataset.csv").read_text().lower()


def test_parquet_durations_are_seconds_and_timestamps_are_dates(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = random.Random(2)
    minutes = [rng.randint(1, 600) for _ in range(120)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    table = {
        "wait": [timedelta(minutes=m, seconds=30 * (i % 2)) for i, m in enumerate(minutes)],
        "booked": [start + timedelta(hours=7 * i) for i in range(120)],
        "late": [m + rng.gauss(0, 60) > 300 for m in minutes],
    }
    pq.write_table(pa.table(table), tmp_path / "waits.parquet")
    source = tmp_path / "waits.parquet"
    own = prepare_dataset(source, target="late", positive="true", id_column=None)
    columns = {c.name: c for c in own.inferred.columns}
    assert columns["wait"].kind == "numeric", columns["wait"].note
    assert "wait: durations read as seconds" in own.inferred.notes
    t = own.inferred.header.index("wait")
    assert own.inferred.rows[1][t] == str(minutes[1] * 60 + 30)
    assert columns["booked"].role == "excluded" and "dates or times" in columns["booked"].note
    assert own.inferred.positive == "True"


def test_parquet_without_pyarrow_is_an_error_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet = _to_parquet(_numeric(tmp_path / "mine.csv"), tmp_path / "mine.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import fails, as uninstalled
    code, out, err = new(tmp_path / "out" / "repo", "--dataset", str(parquet), "--target", "label")
    assert code == 2
    assert "error: reading Parquet needs pyarrow" in err
    assert "hint:" in err and "scaffold-portfolio[parquet]" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


def _shaped(path: Path, n: int, share: float, extra: int = 0) -> Path:
    """A table in the shape of public ones: an R-style ``rownames`` row number first, a
    ``state`` column of 48 values, ``extra`` numeric columns (wide), a ``share`` positive rate."""
    rng = random.Random(5)
    header = ["rownames", "state", "x", *(f"v{i}" for i in range(extra)), "outcome"]
    rows: list[list[object]] = []
    for i in range(n):
        x = rng.gauss(0, 1)
        noise = [round(rng.gauss(0, 1), 3) for _ in range(extra)]
        rows.append([i + 1, f"s{rng.randrange(48):02d}", round(x, 3), *noise, "no"])
    for row in rng.sample(rows, round(n * share)):
        row[-1] = "yes"
    return _write(path, header, rows)


@pytest.mark.parametrize(("share", "metric"), [(0.05, "pr_auc"), (0.4, "roc_auc")])
def test_inference_picks_the_metric_and_the_other_rule(
    tmp_path: Path, share: float, metric: str
) -> None:
    source = _shaped(tmp_path / "wide.csv", 400, share, extra=32)
    own = prepare_dataset(source, target="outcome", positive=None, id_column=None)
    text = own.module.schema_text(own.inferred, dataset="dataset.csv", drifted="drifted.csv")
    schema = yaml.safe_load(text)
    assert schema["metric"] == metric
    assert f"# metric: the positive class is {'rare' if share < 0.2 else ''}" in text
    assert schema["ignored_columns"] == ["rownames"], "a row number is not a feature"
    assert "a row number" in text
    state = next(f for f in schema["features"] if f["name"] == "state")
    assert state["other"] == "other" and len(state["categories"]) == 21
    assert state["categories"][-1] == "other"
    assert len(schema["features"]) == 34, "a wide table keeps every numeric column"


def test_dataset_without_a_domain_is_custom_and_a_preset_keeps_its_own(tmp_path: Path) -> None:
    source = _numeric(tmp_path / "mine.csv")
    args = ["--dataset", str(source), "--target", "label", "--defaults"]
    result = runner.invoke(app, ["new", "ml-pipeline", str(tmp_path / "a"), *args])
    assert result.exit_code == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "a" / ".copier-answers.yml").read_text())
    assert answers["domain"] == "custom", "the schema's metric applies"
    assert "metric:" in (tmp_path / "a" / "data" / "schema.yml").read_text()
    domain = (tmp_path / "a" / "src" / "a" / "domain.py").read_text()
    assert "declared_metric(get_settings().data_dir)" in domain
    assert dataset_answers("ml-pipeline", "finance")["domain"] == "finance"
