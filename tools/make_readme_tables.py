"""Write README.md's domain and deployment-target tables from templates/catalog.yml.

The tables sit between ``<!-- catalog:NAME -->`` and ``<!-- /catalog:NAME -->`` markers; the
rest of the README is left as it is. Run it after editing the catalog; ``--check`` exits 1
when the README is stale (the unit tests run the same comparison).

Usage: python tools/make_readme_tables.py [--check]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from scaffold.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def domains_table(catalog: Catalog) -> str:
    """The domain presets: key, title, the metric each optimises and why."""
    lines = ["| domain | title | key metric | why |", "| --- | --- | --- | --- |"]
    lines += [
        f"| `{d.key}` | {_cell(d.title)} | {d.metric} | {_cell(d.metric_why)} |"
        for d in catalog.domains.values()
    ]
    return "\n".join(lines)


def targets_table(catalog: Catalog) -> str:
    """The deployment targets: key, platform and what the generated repo gets."""
    lines = ["| target | platform | what the generated repo gets |", "| --- | --- | --- |"]
    lines += [
        f"| `{t.key}` | {_cell(t.title)} | {_cell(t.summary)} |"
        for t in catalog.deploy_targets.values()
    ]
    return "\n".join(lines)


TABLES: dict[str, Callable[[Catalog], str]] = {
    "domains": domains_table,
    "targets": targets_table,
}


def render(readme: str, catalog: Catalog) -> str:
    """``readme`` with every marked table replaced by the catalog's.

    Raises:
        ValueError: A table's markers are missing.
    """
    for name, table in TABLES.items():
        pattern = re.compile(
            rf"(<!-- catalog:{name} -->\n).*?(\n<!-- /catalog:{name} -->)", re.DOTALL
        )
        if not pattern.search(readme):
            raise ValueError(f"README has no <!-- catalog:{name} --> ... markers")
        text = table(catalog)

        def replace(match: re.Match[str], text: str = text) -> str:
            return match[1] + text + match[2]

        readme = pattern.sub(replace, readme)
    return readme


def main() -> int:
    """Write the tables, or with ``--check`` say whether they are current."""
    from _check_file import write_or_check  # tools/ is on sys.path when run as a script

    text = render(README.read_text(encoding="utf-8"), load_catalog())
    wrote = f"wrote the {', '.join(TABLES)} tables of {README.relative_to(ROOT)}"
    return write_or_check(README, text, tool="tools/make_readme_tables.py", wrote=wrote)


if __name__ == "__main__":
    raise SystemExit(main())
