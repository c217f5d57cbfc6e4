"""Shared helpers of the cohort tests: a throwaway template with student questions, rosters."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import build_file_tree

COPIER_YML = """\
_subdirectory: "{{ template }}"
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
_envops:
  keep_trailing_newline: true

template:
  type: str
  help: Template
  default: course
  choices: [course]
project_name:
  type: str
  help: Project name
  default: my-course
domain:
  type: str
  help: Domain
  default: healthcare
  choices: [healthcare, finance, legal]
python_version:
  type: str
  help: Python version
  default: "3.11"
  choices: ["3.11", "3.12"]
author_name:
  type: str
  help: Your name
  default: Your Name
author_email:
  type: str
  help: Your email
  default: you@example.com
  validator: >-
    {% if '@' not in author_email %}author_email must look like name@example.com{% endif %}
"""

NOTES = "".join(f"line {n}\n" for n in range(1, 11))

#: Version 1 of the course template: path inside the template root -> content.
COURSE_V1: dict[str, str] = {
    "copier.yml": COPIER_YML,
    "course/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    "course/README.md.jinja": "# {{ project_name }}\n\nDomain: {{ domain }}\n",
    "course/notes.txt": NOTES,
    "course/python-version.jinja": "{{ python_version }}\n",
}

#: Ten students, two of them bad (a duplicate id, a domain that is not a choice).
ROSTER_CSV = """\
id,name,email,domain
ada,Ada Lovelace,ada@example.org,healthcare
alan,Alan Turing,alan@example.org,finance
grace,Grace Hopper,grace@example.org,legal
ada,Ada Again,ada2@example.org,finance
edsger,Edsger Dijkstra,edsger@example.org,healthcare
barbara,Barbara Liskov,barbara@example.org,astrology
donald,Donald Knuth,donald@example.org,finance
margaret,Margaret Hamilton,margaret@example.org,legal
john,John Backus,john@example.org,healthcare
frances,Frances Allen,frances@example.org,finance
"""

GOOD_IDS = ["ada", "alan", "grace", "edsger", "donald", "margaret", "john", "frances"]


def make_course_template(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Build the course template at ``root``: version 1 with ``changes`` applied."""
    return build_file_tree(root, {**COURSE_V1, **(changes or {})})


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
