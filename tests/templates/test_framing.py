"""Each template frames each domain in its own terms, in the README and in ``/info``.

An ML pipeline speaks of the table it ships and the model's metric, a RAG system of answering
questions from the domain's documents and its retrieval and refusal metrics, an AI feature of
the host app's workflow, the feature's own metric and the acceptance rate; none borrows another
template's metric names.

:func:`framing_problems` checks one render. ``test_matrix.test_render`` runs it on its render of
every template x domain and ``test_matrix.test_ai_feature_variants`` on every feature, so the
check adds no render of its own; the tests here show it can fail.

``/info`` and the CLI's ``info`` return the rendered ``domain.py``'s ``DOMAIN.metric`` and
``DOMAIN.metrics``: the check reads those values from the rendered module (and that both
modules return them), and each generated suite's own ``test_api.py`` asserts them again through
a request to the app.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from scaffold.catalog import bundled_templates_dir, load_catalog
from tests.helpers import run_domain_module

CATALOG = load_catalog()
TEMPLATES_DIR = bundled_templates_dir()
RAW = yaml.safe_load((TEMPLATES_DIR / "catalog.yml").read_text(encoding="utf-8"))
AI_PACK = yaml.safe_load((TEMPLATES_DIR / "_shared/ai_feature/pack.yml").read_text("utf-8"))
ML_METRICS = {"recall", "precision", "f1", "roc_auc"}
RAG_METRICS = ["mrr", "ndcg@5", "false_refusal_rate", "near_miss_refusal", "citation_precision"]
AI_METRICS = {
    "classify": "macro_f1",
    "summarize": "rouge_l",
    "extract": "field_accuracy",
    "search": "hit_at_5",
}

#: Words of each template's framing that no other template's README may use.
OWN_WORDS = {
    "ml-pipeline": ["`f1`", "`roc_auc`", "`recall`", "`precision`", "churn", "default within"],
    "rag-system": ["`mrr`", "ndcg", "citation_precision", "near_miss_refusal", "false_refusal"],
    "ai-feature": ["macro_f1", "rouge_l", "field_accuracy", "acceptance_rate", "acceptance rate"],
}
GRAMMAR = re.compile(r"\ba (AI|ai|ML|ml)\b|\ban (RAG|rag)\b|\b(\S+) is an? \2\b")
ABOUT_THE_GENERATOR = ["when it was generated", "interview talking points", "copier", "scaffold"]


def _section(readme: str, title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)^## ", readme, flags=re.M | re.S)
    return " ".join(match.group(1).split()) if match else ""


def _flat(text: str) -> str:
    return " ".join(text.split())


def _info(project: Path) -> tuple[Any, list[str]]:
    """``DOMAIN`` as ``/info`` and the CLI return it, and what is wrong with their code."""
    (domain_py,) = project.glob("src/*/domain.py")
    problems = []
    for name in ("api.py", "cli.py"):
        code = (domain_py.parent / name).read_text(encoding="utf-8")
        if "DOMAIN.metric," not in code or "list(DOMAIN.metrics)" not in code:
            problems.append(f"{name}: info does not return DOMAIN.metric and DOMAIN.metrics")
    return run_domain_module(domain_py)["DOMAIN"], problems


def _expected(template: str, domain: str, feature: str) -> tuple[str, tuple[str, ...], Any]:
    """The metric, the metrics and the catalog framing one template gives one domain."""
    if template == "ml-pipeline":
        metric = CATALOG.domains[domain].metric
        return metric, (metric,), RAW["domains"][domain]
    framing = RAW["domains"][domain][template]
    if template == "rag-system":
        metric = framing["metric"]
        return metric, (metric, *(m for m in RAG_METRICS if m != metric)), framing
    metric = AI_METRICS[feature]
    return metric, (metric, "acceptance_rate"), framing


def framing_problems(
    project: Path, template: str, domain: str, feature: str = "classify"
) -> list[str]:
    """Everything in one render's README and ``/info`` that does not fit its template."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    problem = _section(readme, "The problem")
    metric, metrics, framing = _expected(template, domain, feature)
    out: list[str] = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            out.append(message)

    need(bool(problem), "README: no section 'The problem'")
    for who in framing["stakeholders"]:
        need(who in problem, f"README: stakeholder {who!r} missing")
    if template == "ml-pipeline":
        shipped = _flat((TEMPLATES_DIR / f"_shared/ml-data/{domain}/problem.md").read_text())
        need(domain == "custom" or shipped in problem, "README: not the data pack's problem")
        need(f"matters most:** `{metric}`" in problem, f"README: metric `{metric}` missing")
        if domain == "healthcare":  # the pack is tabular tumour measurements
            need("cell nuclei" in problem and "malignant" in problem, "README: not the tumours")
            need("message" not in problem, "README: healthcare ML speaks of messages")
    elif template == "rag-system":
        for words in ("questions from", "documents", "refuses", f"matters most:** `{metric}`"):
            need(words in problem, f"README: {words!r} missing from the problem")
        for name in ("MRR", "nDCG@5", "false-refusal rate", "near-miss refusal", "citation"):
            need(name in problem, f"README: metric {name!r} missing")
        curl = re.search(r'"question": "([^"]+)"', readme)
        corpus = " ".join(p.read_text("utf-8") for p in project.glob("data/corpus/*")).lower()
        need(
            curl is not None
            and any(w.lower() in corpus for w in re.findall(r"\w{6,}", curl.group(1))),
            "README: the example question is not about the domain's documents",
        )
    else:
        pack = AI_PACK[domain]
        need(
            domain == "custom" or _flat(framing["problem"]) in problem,
            "README: not the host's workflow",
        )
        need("The AI feature" in problem and pack["label"] in problem, "README: no feature")
        need(f"`{metric}` on held-out {pack['plural']}" in problem, f"README: no `{metric}`")
        need("`ai_feature_acceptance_rate`" in problem, "README: no acceptance rate")
        need(f"curl -s localhost:8000/{pack['path']} " in readme, "README: no example request")
    others = [w for t, words in OWN_WORDS.items() if t != template for w in words]
    found = [w for w in others if w.lower() in readme.lower()]
    need(not found, f"README: another template's framing: {found}")
    need("opening hours?" not in readme, "README: the generic example question")
    for path in (project / "README.md", project / "docs/architecture.md"):
        bad = GRAMMAR.search(path.read_text(encoding="utf-8"))
        need(bad is None, f"{path.name}: {bad[0] if bad else ''!r}")
    name = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_name"]
    prose = readme.replace(name, "").replace("scaffold:lessons-prompt", "").lower()
    prose = prose.replace(template, "") if template in name else prose
    generator = [w for w in [*ABOUT_THE_GENERATOR, *OWN_WORDS] if w in prose]
    need(not generator, f"README: speaks of the generator: {generator}")

    info, code = _info(project)
    out += code
    need(info.metric == metric, f"/info metric {info.metric!r}, expected {metric!r}")
    need(tuple(info.metrics) == metrics, f"/info metrics {info.metrics}, expected {metrics}")
    need(template == "ml-pipeline" or info.metric not in ML_METRICS, "/info: an ML metric")
    need(info.stakeholders == tuple(framing["stakeholders"]), "/info: stakeholders")
    return out


def _render(copie: Any, **answers: str) -> Path:
    result = copie.copy(extra_answers={"project_name": "acme", **answers})
    assert result.exit_code == 0, result.exception
    return Path(result.project_dir)


def test_check_finds_another_templates_framing(copie: Any) -> None:
    """A RAG render passes, and fails once its README and domain speak of churn and f1."""
    project = _render(copie, template="rag-system", domain="retail", github_user="ada-l")
    assert framing_problems(project, "rag-system", "retail") == []
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    badge = "https://github.com/ada-l/acme/actions/workflows/ci.yml/badge.svg"
    assert badge in text, "the CI badge is the workflow's own when github_user is known"
    readme.write_text(
        text.replace(
            "Shoppers ask about", "Shops cannot tell who is about to churn; shoppers ask"
        ).replace("`mrr`", "`f1`"),
        encoding="utf-8",
    )
    domain_py = project / "src/acme/domain.py"
    domain_py.write_text(
        domain_py.read_text(encoding="utf-8").replace('metric="mrr"', 'metric="f1"'), "utf-8"
    )
    problems = "\n".join(framing_problems(project, "rag-system", "retail"))
    for expected in ("`f1`", "churn", "/info metric 'f1'", "/info: an ML metric", "`mrr`' missing"):
        assert expected in problems, expected


def test_check_finds_a_missing_framing(copie: Any) -> None:
    """An ai-feature README without its workflow, metrics or example request fails."""
    project = _render(copie, template="ai-feature", domain="legal", feature="extract")
    assert framing_problems(project, "ai-feature", "legal", "extract") == []
    assert framing_problems(project, "ai-feature", "legal", "summarize") != []
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = _section(text, "The problem")
    assert section
    start = text.index("## The problem")
    end = text.index("## Architecture overview")
    readme.write_text(text[:start] + "## The problem\n\nContracts.\n\n" + text[end:], "utf-8")
    problems = "\n".join(framing_problems(project, "ai-feature", "legal", "extract"))
    for expected in ("workflow", "`field_accuracy`", "acceptance rate", "stakeholder"):
        assert expected in problems, expected
