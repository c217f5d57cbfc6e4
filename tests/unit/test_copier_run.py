"""scaffold's faster Copier render writes exactly what ``copier.run_copy`` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import copier
import pytest

from scaffold.copier_run import fast_worker, run_copy
from tests.helpers import build_file_tree, file_snapshot

# Templated path parts (rendered again for every file), a templated default, a yield tag
# (Copier's extension keeps state between compilations), a file whose name renders empty,
# an executable file, and a templated answers-file name.
TEMPLATE = {
    "copier.yml": (
        "_answers_file: \"{{ '.answers-' ~ slug ~ '.yml' }}\"\n"
        "name:\n  type: str\n  default: Demo Repo\n"
        "slug:\n  type: str\n  default: \"{{ name | lower | replace(' ', '-') }}\"\n"
        "modules:\n  type: yaml\n  default: [alpha, beta, gamma]\n"
        "with_docs:\n  type: bool\n  default: false\n"
    ),
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    "{{ slug }}/__init__.py.jinja": '"""{{ name }}."""\n',
    "{{ slug }}/{% yield module from modules %}{{ module }}{% endyield %}.py.jinja": (
        "NAME = {{ module | tojson }}\nSLUG = {{ slug | tojson }}\n"
    ),
    "{{ slug }}/{% if with_docs %}docs.md{% endif %}.jinja": "never rendered\n",
    "{{ slug }}/nested/{{ slug }}-{{ name | length }}.txt.jinja": "{{ name }} {{ slug }}\n",
    "run.sh": "#!/bin/sh\necho hi\n",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    root = build_file_tree(tmp_path / "template", TEMPLATE)
    (root / "run.sh").chmod(0o755)
    return root


def test_the_installed_copier_has_the_hooks_the_fast_render_needs() -> None:
    """A Copier upgrade that moves them makes renders slower: this is the alarm."""
    assert fast_worker() is not None


@pytest.mark.parametrize("data", [{}, {"name": "Other Thing", "modules": ["one"]}])
def test_the_fast_render_writes_what_copier_writes(
    template: Path, tmp_path: Path, data: dict[str, Any]
) -> None:
    options: dict[str, Any] = {"data": data, "defaults": True, "quiet": True, "unsafe": False}
    copier.run_copy(str(template), tmp_path / "stock", **options)
    run_copy(str(template), tmp_path / "fast", **options)
    stock, fast = file_snapshot(tmp_path / "stock"), file_snapshot(tmp_path / "fast")
    assert fast == stock
    slug = "other-thing" if data else "demo-repo"
    modules = data.get("modules", ["alpha", "beta", "gamma"])
    assert {name for name in fast if name.startswith(f"{slug}/") and "nested" not in name} == {
        f"{slug}/__init__.py",
        *(f"{slug}/{module}.py" for module in modules),
    }
    assert f".answers-{slug}.yml" in fast
    assert fast["run.sh"][1] & 0o100


def test_two_fast_renders_in_one_process_do_not_share_state(template: Path, tmp_path: Path) -> None:
    """Compiled code is shared between renders; the yield tag's state is not."""
    run_copy(str(template), tmp_path / "a", data={"modules": ["x", "y"]}, defaults=True)
    run_copy(str(template), tmp_path / "b", data={"modules": ["z"]}, defaults=True)
    made = {run: sorted(p.name for p in (tmp_path / run / "demo-repo").iterdir()) for run in "ab"}
    assert made == {
        "a": ["__init__.py", "nested", "x.py", "y.py"],
        "b": ["__init__.py", "nested", "z.py"],
    }


def test_a_changed_template_is_compiled_again_in_the_same_process(
    template: Path, tmp_path: Path
) -> None:
    """Reused code is keyed on the source and the syntax settings, not on the path alone."""
    init = template / "{{ slug }}" / "__init__.py.jinja"
    (template / "note.txt.jinja").write_text("[[ name ]] {{ name }}\n")
    run_copy(str(template), tmp_path / "first", defaults=True, quiet=True)
    init.write_text('"""{{ name | upper }}!"""\n')
    run_copy(str(template), tmp_path / "edited", defaults=True, quiet=True)
    (template / "copier.yml").write_text(
        TEMPLATE["copier.yml"]
        + "_envops:\n  variable_start_string: '[['\n  variable_end_string: ']]'\n"
    )
    run_copy(str(template), tmp_path / "syntax", defaults=True, quiet=True)
    assert (tmp_path / "first/demo-repo/__init__.py").read_text() == '"""Demo Repo."""\n'
    assert (tmp_path / "edited/demo-repo/__init__.py").read_text() == '"""DEMO REPO!"""\n'
    assert (tmp_path / "first/note.txt").read_text() == "[[ name ]] Demo Repo\n"
    assert (tmp_path / "syntax/note.txt").read_text() == "Demo Repo {{ name }}\n"
