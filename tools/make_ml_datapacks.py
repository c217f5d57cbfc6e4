"""Generate the data packs shipped by the ml-pipeline template (maintainer tool, run by hand).

Writes, for every domain preset, ``templates/_shared/ml-data/<domain>/`` (rendered into the
generated repo's ``data/``) with
``dataset.csv`` (features, an id column and a binary target with a learnable signal, mixed
numeric and categorical columns, a few missing values), ``drifted.csv`` (a later production
batch without labels whose distributions have moved, with a few data-quality problems) and
``schema.yml`` (the declarative schema the generated repo validates against). Seeded:
running it again writes the same files. Healthcare is derived from scikit-learn's bundled
breast-cancer table; the other domains are simulated from a documented generative story.

Usage: ``python tools/make_ml_datapacks.py`` from the repository root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

OUT = Path(__file__).resolve().parents[1] / "templates" / "_shared" / "ml-data"
SEED = 20240611


@dataclass
class Pack:
    """One domain's data: a frame maker, the schema's columns and its prose."""

    domain: str
    title: str
    id_column: str
    target: str
    target_description: str
    make: Callable[[np.random.Generator, int, bool], pd.DataFrame]
    rows: int
    drift_rows: int
    descriptions: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _holes(rng: np.random.Generator, frame: pd.DataFrame, columns: dict[str, float]) -> None:
    for column, share in columns.items():
        frame.loc[rng.random(len(frame)) < share, column] = np.nan


def _finance(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    employment = rng.choice(
        ["salaried", "self_employed", "contractor", "unemployed"],
        n,
        p=[0.45, 0.2, 0.2, 0.15] if drift else [0.62, 0.18, 0.15, 0.05],
    )
    age = rng.integers(21, 76, n)
    income = rng.lognormal(10.9 - (0.25 if drift else 0.0), 0.45, n).round(-2)
    loan = (income * rng.uniform(0.1, 0.9, n)).round(-2)
    dti = np.clip(rng.gamma(2.2, 0.15 if not drift else 0.2, n), 0, 1.5).round(3)
    history = np.clip(age - 21 - rng.integers(0, 8, n), 0, 50)
    late = rng.poisson(0.6 if not drift else 1.2, n).clip(0, 20)
    ownership = rng.choice(["rent", "mortgage", "own"], n, p=[0.45, 0.4, 0.15])
    purpose = rng.choice(
        ["debt_consolidation", "home_improvement", "car", "education", "business"],
        n,
        p=[0.35, 0.2, 0.2, 0.1, 0.15],
    )
    z = (
        -2.3
        + 2.4 * dti
        + 0.55 * late
        - 0.6 * (np.log(income) - 10.9)
        + 0.5 * (loan / income)
        - 0.03 * history
        + np.select([employment == "unemployed", employment == "contractor"], [1.4, 0.4], 0.0)
        + 0.35 * (ownership == "rent")
        + 0.4 * (purpose == "business")
        + rng.normal(0, 0.5, n)
    )
    frame = pd.DataFrame(
        {
            "age": age,
            "annual_income": income,
            "loan_amount": loan,
            "debt_to_income": dti,
            "credit_history_years": history,
            "late_payments_2y": late,
            "employment_type": employment,
            "home_ownership": ownership,
            "loan_purpose": purpose,
            "defaulted": (rng.random(n) < _sigmoid(z)).astype(int),
        }
    )
    _holes(rng, frame, {"annual_income": 0.03, "loan_purpose": 0.02})
    return frame


def _retail(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    tier = rng.choice(["basic", "silver", "gold"], n, p=[0.6, 0.28, 0.12])
    channel = rng.choice(
        ["web", "app", "store"], n, p=[0.3, 0.55, 0.15] if drift else [0.45, 0.35, 0.2]
    )
    region = rng.choice(["north", "south", "east", "west"], n)
    tenure = rng.integers(1, 73, n)
    spend = rng.gamma(3.0, 25.0 if not drift else 18.0, n).round(2)
    orders = rng.poisson(4.0 if not drift else 2.5, n)
    recency = np.clip(rng.exponential(25 if not drift else 40, n), 0, 365).round()
    contacts = rng.poisson(0.8, n)
    discount = np.clip(rng.beta(2, 5, n), 0, 1).round(3)
    z = (
        -0.9
        - 0.035 * tenure
        - 0.25 * orders
        + 0.03 * recency
        + 0.45 * contacts
        + 1.6 * discount
        - 0.006 * spend
        + np.select([tier == "gold", tier == "silver"], [-0.9, -0.4], 0.0)
        + 0.3 * (channel == "store")
        + rng.normal(0, 0.4, n)
    )
    frame = pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_spend": spend,
            "orders_90d": orders,
            "days_since_last_order": recency,
            "support_contacts_90d": contacts,
            "discount_share": discount,
            "membership_tier": tier,
            "preferred_channel": channel,
            "region": region,
            "churned": (rng.random(n) < _sigmoid(z)).astype(int),
        }
    )
    _holes(rng, frame, {"days_since_last_order": 0.04, "preferred_channel": 0.02})
    return frame


def _legal(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    kind = rng.choice(
        ["nda", "msa", "supply", "licensing", "employment"], n, p=[0.3, 0.2, 0.2, 0.15, 0.15]
    )
    jurisdiction = rng.choice(
        ["domestic", "eu", "us", "other"],
        n,
        p=[0.35, 0.25, 0.2, 0.2] if drift else [0.55, 0.25, 0.12, 0.08],
    )
    value = rng.lognormal(11.5 + (0.6 if drift else 0.0), 1.1, n).round(-2)
    term = rng.choice([6, 12, 24, 36, 48, 60], n)
    amendments = rng.poisson(1.2, n)
    cap = rng.choice(["yes", "no"], n, p=[0.7, 0.3])
    arbitration = rng.choice(["yes", "no"], n, p=[0.55, 0.45])
    prior = rng.poisson(0.4, n)
    days_to_sign = np.clip(rng.gamma(2.0, 12.0, n), 1, 365).round()
    z = (
        -3.2
        + 0.35 * (np.log(value) - 11.5)
        + 0.5 * amendments
        + 1.3 * (cap == "no")
        + 0.6 * (arbitration == "no")
        + 0.8 * prior
        + np.select([jurisdiction == "other", jurisdiction == "us"], [1.1, 0.5], 0.0)
        + np.select([kind == "supply", kind == "licensing"], [0.8, 0.5], 0.0)
        + 0.012 * days_to_sign
        + rng.normal(0, 0.4, n)
    )
    frame = pd.DataFrame(
        {
            "contract_value_eur": value,
            "term_months": term,
            "amendments": amendments,
            "days_to_sign": days_to_sign,
            "prior_disputes_with_party": prior,
            "contract_type": kind,
            "jurisdiction": jurisdiction,
            "liability_cap": cap,
            "arbitration_clause": arbitration,
            "disputed": (rng.random(n) < _sigmoid(z)).astype(int),
        }
    )
    _holes(rng, frame, {"days_to_sign": 0.05, "arbitration_clause": 0.02})
    return frame


def _support(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    tier = rng.choice(["free", "pro", "enterprise"], n, p=[0.5, 0.35, 0.15])
    channel = rng.choice(["email", "chat", "phone"], n, p=[0.45, 0.4, 0.15])
    area = rng.choice(
        ["billing", "login", "integrations", "performance", "other"],
        n,
        p=[0.15, 0.15, 0.2, 0.4, 0.1] if drift else [0.25, 0.2, 0.2, 0.15, 0.2],
    )
    first_response = np.clip(rng.gamma(2.0, 45.0 if drift else 20.0, n), 1, 2880).round()
    messages = rng.poisson(4, n) + 1
    sentiment = np.clip(rng.normal(-0.25 if drift else 0.05, 0.4, n), -1, 1).round(3)
    prior = rng.poisson(1.0, n)
    account_age = rng.integers(1, 2000, n)
    outage = rng.choice(["yes", "no"], n, p=[0.3, 0.7] if drift else [0.08, 0.92])
    z = (
        -2.6
        + np.select([tier == "enterprise", tier == "pro"], [1.3, 0.5], 0.0)
        + 0.5 * (channel == "phone")
        + np.select([area == "integrations", area == "performance"], [0.6, 0.8], 0.0)
        + 0.006 * first_response
        + 0.12 * messages
        - 1.6 * sentiment
        + 0.2 * prior
        + 1.0 * (outage == "yes")
        + rng.normal(0, 0.4, n)
    )
    frame = pd.DataFrame(
        {
            "first_response_minutes": first_response,
            "messages_in_thread": messages,
            "sentiment_score": sentiment,
            "prior_tickets_90d": prior,
            "account_age_days": account_age,
            "customer_tier": tier,
            "channel": channel,
            "product_area": area,
            "during_outage": outage,
            "escalated": (rng.random(n) < _sigmoid(z)).astype(int),
        }
    )
    _holes(rng, frame, {"sentiment_score": 0.05, "product_area": 0.02})
    return frame


def _custom(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    segment = rng.choice(["a", "b", "c"], n, p=[0.2, 0.3, 0.5] if drift else [0.5, 0.3, 0.2])
    source = rng.choice(["online", "partner", "direct"], n)
    score = rng.normal(0.8 if drift else 0.0, 1.0, n).round(3)
    events = rng.poisson(3 if not drift else 5, n)
    amount = rng.gamma(2.0, 50.0, n).round(2)
    z = (
        -0.8
        + 1.1 * score
        + 0.25 * events
        - 0.004 * amount
        + np.select([segment == "a", segment == "c"], [0.8, -0.6], 0.0)
        + rng.normal(0, 0.4, n)
    )
    frame = pd.DataFrame(
        {
            "score": score,
            "events_30d": events,
            "amount": amount,
            "segment": segment,
            "source": source,
            "outcome": (rng.random(n) < _sigmoid(z)).astype(int),
        }
    )
    _holes(rng, frame, {"amount": 0.03, "source": 0.02})
    return frame


_HEALTH_COLUMNS = {
    "mean radius": "mean_radius",
    "mean texture": "mean_texture",
    "mean smoothness": "mean_smoothness",
    "mean compactness": "mean_compactness",
    "mean concave points": "mean_concave_points",
    "worst area": "worst_area",
    "worst concavity": "worst_concavity",
    "worst symmetry": "worst_symmetry",
}


def _healthcare(rng: np.random.Generator, n: int, drift: bool) -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    table = load_breast_cancer(as_frame=True).frame
    base = table.sample(n=n, replace=drift, random_state=int(rng.integers(1_000_000)))
    frame = base[list(_HEALTH_COLUMNS)].rename(columns=_HEALTH_COLUMNS).reset_index(drop=True)
    malignant = (base["target"].to_numpy() == 0).astype(int)
    if drift:  # a new imaging device reads textures and areas higher
        frame["mean_texture"] = (frame["mean_texture"] * 1.25).round(2)
        frame["worst_area"] = (frame["worst_area"] * 1.3).round(1)
    frame["imaging_site"] = rng.choice(
        ["north", "central", "south"], n, p=[0.2, 0.2, 0.6] if drift else [0.4, 0.35, 0.25]
    )
    symptomatic = rng.random(n) < np.where(malignant == 1, 0.6, 0.25)
    frame["referral"] = np.where(symptomatic, "symptomatic", "screening")
    frame["malignant"] = malignant
    _holes(rng, frame, {"mean_smoothness": 0.03, "imaging_site": 0.02})
    return frame


PACKS = [
    Pack(
        "healthcare",
        "Breast-mass diagnosis",
        "patient_id",
        "malignant",
        "1 when the biopsied mass is malignant (Wisconsin diagnostic breast-cancer data).",
        _healthcare,
        569,
        240,
        {
            "imaging_site": "Site that took the images.",
            "referral": "Whether the patient came from screening or with symptoms.",
        },
    ),
    Pack(
        "finance",
        "Credit default",
        "applicant_id",
        "defaulted",
        "1 when the borrower defaulted within 12 months of the loan.",
        _finance,
        2000,
        500,
        {"debt_to_income": "Monthly debt payments over monthly income."},
    ),
    Pack(
        "retail",
        "Customer churn",
        "customer_id",
        "churned",
        "1 when the customer placed no order in the 90 days after the snapshot.",
        _retail,
        2000,
        500,
    ),
    Pack(
        "legal",
        "Contract-dispute risk",
        "contract_id",
        "disputed",
        "1 when the contract led to a formal dispute within its term.",
        _legal,
        2000,
        500,
    ),
    Pack(
        "customer-support",
        "Ticket escalation",
        "ticket_id",
        "escalated",
        "1 when the ticket was escalated to a senior agent.",
        _support,
        2000,
        500,
    ),
    Pack(
        "custom",
        "Example dataset (replace with your own)",
        "record_id",
        "outcome",
        "1 for the positive outcome. Replace this example with your own labelled data.",
        _custom,
        1200,
        400,
    ),
]


def _schema(pack: Pack, frame: pd.DataFrame) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    for column in frame.columns:
        if column in (pack.id_column, pack.target):
            continue
        series = frame[column]
        spec: dict[str, Any] = {"name": column}
        if not pd.api.types.is_numeric_dtype(series):
            spec["kind"] = "categorical"
            spec["categories"] = sorted(series.dropna().unique().tolist())
        else:
            integral = bool((series.dropna() % 1 == 0).all())
            low, high = float(series.min()), float(series.max())
            spec["kind"] = "numeric"
            spec["dtype"] = "int" if integral else "float"
            span = high - low
            floor = 0.0 if low >= 0 else low - span
            spec["min"] = int(floor) if integral else round(floor, 4)
            spec["max"] = int(high + span) if integral else round(high + span, 4)
        spec["nullable"] = bool(series.isna().any())
        if column in pack.descriptions:
            spec["description"] = pack.descriptions[column]
        features.append(spec)
    return {
        "title": pack.title,
        "dataset": "dataset.csv",
        "drifted_batch": "drifted.csv",
        "id_column": pack.id_column,
        "target": {"name": pack.target, "positive": 1, "description": pack.target_description},
        "features": features,
        "checks": {"min_rows": 200, "min_positive_share": 0.05, "max_positive_share": 0.95},
    }


def _drifted_quality_problems(frame: pd.DataFrame, schema: dict[str, Any]) -> None:
    """A production batch is never clean: two out-of-range values and one unknown category."""
    numeric = [f for f in schema["features"] if f["kind"] == "numeric"]
    categorical = [f for f in schema["features"] if f["kind"] == "categorical"]
    frame.loc[3, numeric[0]["name"]] = numeric[0]["max"] * 10 + 1
    frame.loc[7, numeric[0]["name"]] = numeric[0]["max"] * 10 + 2
    frame.loc[11, categorical[0]["name"]] = "unknown_value"


def main() -> None:
    """Write every pack."""
    header = (
        "# Declarative schema of this repo's data, read by `validate`, `train`, the API and\n"
        "# `monitor`. Edit it when the data changes: kinds are numeric (dtype int or float,\n"
        "# min, max) or categorical (categories); nullable allows missing values; checks are\n"
        "# dataset-level rules (row count, class balance).\n"
    )
    for number, pack in enumerate(PACKS):
        rng = np.random.default_rng(SEED + number)
        frame = pack.make(rng, pack.rows, False)
        ids = [f"{pack.id_column[:3]}-{i:05d}" for i in range(len(frame))]
        frame.insert(0, pack.id_column, ids)
        schema = _schema(pack, frame)
        drifted = pack.make(rng, pack.drift_rows, True).drop(columns=[pack.target])
        new_ids = [f"{pack.id_column[:3]}-{90000 + i:05d}" for i in range(len(drifted))]
        drifted.insert(0, pack.id_column, new_ids)
        for spec in schema["features"]:
            if spec["kind"] == "numeric" and spec["dtype"] == "int":
                drifted[spec["name"]] = drifted[spec["name"]].astype("Int64")
        categorical = [s["name"] for s in schema["features"] if s["kind"] == "categorical"]
        drifted = drifted.astype(dict.fromkeys(categorical, "object"))
        _drifted_quality_problems(drifted, schema)
        out = OUT / pack.domain
        out.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out / "dataset.csv", index=False)
        drifted.to_csv(out / "drifted.csv", index=False)
        (out / "schema.yml").write_text(
            header + yaml.safe_dump(schema, sort_keys=False, width=100), encoding="utf-8"
        )
        share = frame[pack.target].mean()
        print(f"{pack.domain}: {len(frame)} rows, positive share {share:.2f} -> {out}")


if __name__ == "__main__":
    main()
