"""Render a :class:`~scaffold.check.CheckReport` as text, JSON or Markdown (a PR comment)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from scaffold.checks.base import Finding, Status

if TYPE_CHECKING:
    from scaffold.check import CheckReport, CheckResult

_LABEL = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.WARN: "WARN",
    Status.SKIP: "SKIP",
    Status.ERROR: "ERROR",
}
_ICON = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.WARN: "🟡",
    Status.SKIP: "⏭️",
    Status.ERROR: "⚠️",
}
_NOUN = {
    Status.PASS: "passed",
    Status.FAIL: "failed",
    Status.WARN: "with warnings",
    Status.SKIP: "skipped",
    Status.ERROR: "could not run",
}
_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIP)
_SHOWN = (Status.FAIL, Status.ERROR, Status.WARN)


def summary_line(report: CheckReport) -> str:
    """Return e.g. ``2 failed, 18 passed, 1 skipped`` (statuses with a count only)."""
    parts = [f"{report.count(s)} {_NOUN[s]}" for s in _ORDER if report.count(s)]
    return ", ".join(parts) or "no checks selected"


def _finding_text(finding: Finding) -> str:
    message = f"warning: {finding.message}" if finding.warning else finding.message
    return f"{finding.location}: {message}" if finding.location else message


def to_text(report: CheckReport) -> str:
    """Return the report for a terminal: one line per check, findings under failures."""
    lines = [f"scaffold check {report.path}", ""]
    for r in report.results:
        lines.append(f"  {_LABEL[r.status]:<5}  {r.id}  {r.title}")
        if r.status is Status.PASS:
            continue
        lines.extend(f"           {_finding_text(d)}" for d in r.details)
        if r.status in _SHOWN:
            if r.status is not Status.ERROR:
                lines.append(f"           why: {r.why}")
            lines.append(f"           fix: {r.fix}")
            lines.append(f"           docs: {r.docs}")
    lines += ["", summary_line(report)]
    return "\n".join(lines)


def to_json(report: CheckReport) -> str:
    """Return the report as JSON (``schemas/check-report.schema.json``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_details(r: CheckResult) -> list[str]:
    lines = ["", f"### {_ICON[r.status]} `{r.id}` {r.title}", ""]
    for d in r.details:
        message = f"*warning:* {d.message}" if d.warning else d.message
        lines.append(f"- `{d.location}` {message}" if d.location else f"- {message}")
    lines.append("")
    if r.status is not Status.ERROR:
        lines.append(f"**Why:** {r.why}  ")
    lines.append(f"**Fix:** {r.fix} ([docs]({r.docs}))")
    return lines


def to_markdown(report: CheckReport) -> str:
    """Return the report as a pull-request comment: summary, table, then each failure."""
    icon = _ICON[Status.PASS] if report.ok else _ICON[Status.FAIL]
    lines = [
        f"## {icon} scaffold check: {summary_line(report)}",
        "",
        "| | Check | Title | Notes |",
        "|---|---|---|---|",
    ]
    for r in report.results:
        note = ""
        if r.status in (Status.FAIL, Status.WARN):
            note = f"{len(r.details)} finding(s)"
        elif r.details:
            note = r.details[0].message
        lines.append(f"| {_ICON[r.status]} | `{r.id}` | {_cell(r.title)} | {_cell(note)} |")
    for r in report.results:
        if r.status in _SHOWN:
            lines.extend(_markdown_details(r))
    lines += ["", f"<sub>scaffold {report.scaffold_version}</sub>"]
    return "\n".join(lines) + "\n"
