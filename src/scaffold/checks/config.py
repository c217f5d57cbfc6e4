"""The repository's own settings for ``scaffold check``: checks it ignores, and why.

Read from ``[tool.scaffold.check]`` in ``pyproject.toml`` or from ``.scaffold-check.toml`` at
the root (the latter wins when both exist)::

    [tool.scaffold.check.ignore]
    SC106 = "lessons learned live in docs/retrospective.md"

Every ignore needs a reason: it is shown in the report in place of the check's result, so a
reviewer sees what was waived and why.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError

CONFIG_FILE = ".scaffold-check.toml"
_HINT = (
    'write e.g. `[tool.scaffold.check.ignore]` then `SC106 = "why it does not apply"` '
    f"in pyproject.toml (or `[ignore]` in {CONFIG_FILE})"
)


@dataclass(frozen=True)
class CheckConfig:
    """What the repository configures: ``ignore`` maps a check id or prefix to its reason."""

    source: str | None = None
    ignore: dict[str, str] = field(default_factory=dict)


def _table(path: Path, keys: tuple[str, ...]) -> dict[str, Any] | None:
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    except tomllib.TOMLDecodeError as exc:
        if path.name == "pyproject.toml":  # not ours to judge: other checks and tools will
            return None
        raise UsageError(f"{path.name} is not valid TOML: {exc}", _HINT) from None
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def load_config(root: Path) -> CheckConfig:
    """Return the repository's check settings (none when it configures nothing).

    Raises:
        UsageError: An ignore has no reason, or the settings are not a table of strings.
    """
    table, source = _table(root / CONFIG_FILE, ()), CONFIG_FILE
    if table is None:
        table, source = (
            _table(root / "pyproject.toml", ("tool", "scaffold", "check")),
            ("pyproject.toml"),
        )
    if table is None:
        return CheckConfig()
    raw = table.get("ignore", {})
    if not isinstance(raw, dict):
        raise UsageError(f"{source}: `ignore` must be a table of check id = reason", _HINT)
    ignore: dict[str, str] = {}
    for key, reason in raw.items():
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{source}: ignoring {key} needs a reason (a non-empty string)", _HINT)
        ignore[str(key).strip().upper()] = reason.strip()
    return CheckConfig(source, ignore)
