"""``scaffold new ml-pipeline --dataset``: the owner's table becomes the repo's data.

The inference itself lives in the template (``src/<slug>/schema_infer.py``, plain Python) so
the generated repo can redo it with ``<cli> schema infer``; this module loads that one file
from the bundled templates, runs it before anything is rendered (bad input stops here, with
nothing written), and writes the data into the rendered project as a commit of its own, after
the pristine render commit. The render still carries the domain's data pack; the owner's
commit replaces it, so ``scaffold update`` keeps the owner's data as any other own change.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from scaffold.catalog import bundled_templates_dir
from scaffold.errors import UsageError
from scaffold.gitrepo import commit_all

INFER_MODULE = Path("ml-pipeline", "src", "{{project_slug}}", "schema_infer.py")


class DatasetError(UsageError):
    """The owner's dataset cannot be used as given (exit 2, nothing written)."""


@dataclass(frozen=True)
class OwnDataset:
    """An inferred dataset, ready to be written into a rendered project."""

    source: Path
    inferred: Any  # schema_infer.Inferred
    module: ModuleType

    @property
    def summary(self) -> str:
        """One line: rows, features kept and excluded, the positive class."""
        kept = len(self.inferred.features)
        excluded = sum(c.role == "excluded" for c in self.inferred.columns)
        return (
            f"{len(self.inferred.rows)} rows, {kept} features ({excluded} excluded), "
            f"predicting {self.inferred.target} = {self.inferred.positive}"
        )


def _load_inference() -> ModuleType:
    path = bundled_templates_dir() / INFER_MODULE
    spec = importlib.util.spec_from_file_location("scaffold_schema_infer", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with scaffold
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def prepare_dataset(
    path: Path, *, target: str | None, positive: str | None, id_column: str | None
) -> OwnDataset:
    """Read and infer the owner's table; raise :class:`DatasetError` on bad input."""
    if target is None:
        raise DatasetError("--dataset needs --target", "name the column to predict: --target COL")
    module = _load_inference()
    try:
        inferred = module.prepare(
            path.expanduser(), target=target, positive=positive, id_column=id_column
        )
    except module.InferenceError as error:
        raise DatasetError(error.message, error.hint or None) from error
    return OwnDataset(path, inferred, module)


def dataset_answers(template: str | None, domain: str | None = None) -> dict[str, Any]:
    """The answers a render with an own dataset adds; refuses other templates.

    Without a ``--domain`` the domain is ``custom``: a preset's problem statement and data
    story describe its own pack, not the owner's table, and only a custom domain takes its
    metric from ``metric:`` in the inferred schema (chosen from the class balance). A preset
    named with ``--domain`` keeps its framing and its metric.
    """
    if template not in (None, "ml-pipeline"):
        raise DatasetError(
            f"--dataset is an ml-pipeline option, not a {template} one",
            "scaffold new ml-pipeline DEST --dataset FILE --target COL",
        )
    return {"template": "ml-pipeline", "domain": domain or "custom"}


def add_dataset(project: Path, dataset: OwnDataset) -> str:
    """Write the data files into ``project/data`` and commit them; return the commit."""
    written = dataset.module.write(dataset.inferred, project / "data")
    names = ", ".join(p.name for p in written.files)
    return commit_all(
        project,
        f"Add the owner's dataset {dataset.source.name}\n\n"
        f"Inferred by scaffold new --dataset: {dataset.summary}.\n"
        f"Files: {names}. Review the comments in data/schema.yml.\n",
    )
