"""The seller's own holdout check: the ranking model against the baselines on the last 14 days.

The catalogue is ranked as it stood at the start of the window (``cutoff``, midnight UTC 14
days before the last complete UTC day ends): features from the events before it only, with the
one feature builder training uses (``shared.ml.training_set.build_dataset``). The current model
and each fallback baseline (``shared.ml.baselines``) rank it; each ranking is scored against the
units really sold in the window by NDCG@20 (``shared.ml.ndcg``), with the training label's
grading (relevance ``ceil(log2(1 + units))``) and ties broken by one fixed random order. Units
sold follow the one sale definition (``shared.core.sales``, applied by the projection's fold),
so an Amazon hour with a sales notification is not counted twice with its order lines.

Per kind of data (the kinds the evaluation and the fallback rules use: ``files``, each live kind
of marketplace, ``demo``) the report says which ranking won, by how much, over how many
products and units, and what ranks that kind in production (``ranked_by``). With fewer than
``MIN_UNITS`` units or ``MIN_SELLING`` products sold in the window it gives no figures: one
window of a handful of sales cannot tell the rankings apart.

Why the event log and not the lake's ``fact_sales``: the features at the cutoff need views,
clicks, prices and stock counts, which only the events hold; the labels then come from the same
events through the same fold, so both sides read one source.

It is one window of one seller, not an interval over many: the evaluation over simulated worlds
(``demo.evaluate``) is where the spread is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np

from shared.ml.baselines import (
    DEMO_KIND,
    FALLBACK_BASELINES,
    FILES_KIND,
    baseline_scores,
    from_files,
)
from shared.ml.features import COLUMN
from shared.ml.ndcg import ndcg_at
from shared.ml.ranker_training import live_kinds
from shared.ml.training_set import build_dataset
from shared.ml.vocabulary import marketplace_code
from shared.projection.fold import apply_event, as_datetime, new_state
from shared.projection.windows import day_key

WINDOW_DAYS = 14
K = 20
# Below these the window says nothing: NDCG@20 over two selling products is 1.0 for most orders.
MIN_UNITS = 30
MIN_SELLING = 5
TIEBREAK_SEED = 0
LABELS = {
    "model": "the model",
    "popularity": "popularity",
    "popularity_in_stock": "in-stock popularity",
    "recent_velocity": "recent velocity",
    "recency_weighted": "recency-weighted sales",
}
KIND_LABELS = {
    DEMO_KIND: "demo data",
    FILES_KIND: "sales from files",
    "live:amazon": "Amazon",
    "live:myntra+meesho": "Myntra and Meesho",
}


class Ranks(Protocol):
    """What the report needs of a model (``shared.ml.model.RankerModel``)."""

    version: str

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def ranked_by(self, X: np.ndarray, mode: str = ...) -> list[str]: ...


def window(now: datetime, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
    """``(cutoff, end)``: the last ``days`` complete UTC days before ``now``."""
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def report(
    catalogue: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    model: Ranks,
    mode: str,
    now: datetime,
) -> dict[str, Any]:
    """The holdout report of one dataset's ``catalogue`` and event log (see the module
    docstring); ``mode`` is what the events are (``live`` for a seller, ``mock`` the demo)."""
    cutoff, end = window(now)
    before = [e for e in events if as_datetime(e["occurred_at"]) < cutoff]
    seen = {e["item_id"] for e in before}
    # The catalogue as it stood: products with an event before the window (a later listing
    # was not there to be ranked, and a product that never had an event cannot be dated).
    ranked = [p for p in catalogue if p["item_id"] in seen]
    head: dict[str, Any] = {
        "window": {"from": cutoff.isoformat(), "to": end.isoformat(), "days": WINDOW_DAYS},
        "model_version": model.version,
        "mode": mode,
        "measure": f"NDCG@{K}",
        "min_units": MIN_UNITS,
        "min_selling_products": MIN_SELLING,
    }
    if not ranked:
        first = min((as_datetime(e["occurred_at"]) for e in events), default=None)
        since = f"your first event is on {first:%d %b %Y}" if first else "there are no events yet"
        return {
            **head,
            "status": "not_enough_history",
            "verdict": f"Not enough history yet: {since}; the report ranks the products that "
            f"had events before {cutoff:%d %b %Y}.",
            "kinds": [],
        }
    data = build_dataset(before, ranked, [cutoff], horizon_hours=1, mode=mode)
    units = units_sold(ranked, events, cutoff, end)
    kinds = kind_of_rows(data.X, mode)
    ranked_by = model.ranked_by(data.X, mode)
    scores = {"model": model.predict(data.X), **baseline_scores(data.X)}
    tiebreak = np.random.default_rng(TIEBREAK_SEED).permutation(len(ranked))
    out = []
    for kind in sorted(set(kinds), key=kinds.index):
        rows = np.array([k == kind for k in kinds])
        by = sorted({ranked_by[i] for i in np.flatnonzero(rows)})
        out.append(_kind(kind, rows, scores, units, tiebreak, by))
    enough = any(k["status"] == "ok" for k in out)
    return {
        **head,
        "status": "ok" if enough else "not_enough_sales",
        "products": len(ranked),
        "units_sold": int(units.clip(0).sum()),
        "verdict": " ".join(k["verdict"] for k in out),
        "kinds": out,
    }


def units_sold(
    catalogue: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    cutoff: datetime,
    end: datetime,
) -> np.ndarray:
    """Net units each product sold in ``[cutoff, end)``, by the projection's daily rollup
    (the sale definition: Amazon's notified hours stand for their order lines), never below 0."""
    states = {p["item_id"]: new_state(p) for p in catalogue}
    for event in sorted(events, key=lambda e: as_datetime(e["occurred_at"])):
        state = states.get(event["item_id"])
        if state is not None and as_datetime(event["occurred_at"]) < end:
            apply_event(state, event)
    first, last = day_key(cutoff), day_key(end - timedelta(microseconds=1))
    return np.array(
        [
            max(0.0, sum(v[0] for k, v in (states[p["item_id"]].get("days") or {}).items()
                         if first <= k <= last))
            for p in catalogue
        ],
        dtype=np.float64,
    )  # fmt: skip


def kind_of_rows(X: np.ndarray, mode: str) -> list[str]:
    """Each row's kind of data: ``files`` where its sales come in files, else its marketplace's
    live kind (``live:amazon``, ...), or ``demo`` for the demo feed."""
    files = from_files(X)
    codes = X[:, COLUMN["marketplace"]]
    by_code = {marketplace_code(mp): kind for kind, mps in live_kinds().items() for mp in mps}
    out = []
    for row in range(len(X)):
        if files[row]:
            out.append(FILES_KIND)
        elif mode == "mock":
            out.append(DEMO_KIND)
        else:
            out.append(by_code.get(int(codes[row]), "live:other"))
    return out


def _kind(
    kind: str,
    rows: np.ndarray,
    scores: Mapping[str, np.ndarray],
    units: np.ndarray,
    tiebreak: np.ndarray,
    ranked_by: list[str],
) -> dict[str, Any]:
    sold = units[rows]
    total = int(sold.sum())
    selling = int((sold > 0).sum())
    label = KIND_LABELS.get(kind, kind)
    base: dict[str, Any] = {
        "kind": kind,
        "label": label,
        "products": int(rows.sum()),
        "selling_products": selling,
        "units_sold": total,
        "ranked_by": ranked_by[0] if len(ranked_by) == 1 else ranked_by,
    }
    if total < MIN_UNITS or selling < MIN_SELLING:
        return {
            **base,
            "status": "not_enough_sales",
            "ndcg": None,
            "winner": None,
            "verdict": f"{label}: not enough sales yet ({total} units of {selling} products in "
            f"the window; the report needs {MIN_UNITS} units across {MIN_SELLING} products).",
        }
    relevance = np.ceil(np.log2(1.0 + sold)).clip(0, 30)
    ndcg = {
        name: round(ndcg_at(K, np.asarray(s)[rows], relevance, tiebreak[rows]), 4)
        for name, s in scores.items()
        if name == "model" or name in FALLBACK_BASELINES
    }
    strongest = max(FALLBACK_BASELINES, key=lambda name: ndcg[name])
    lift = ndcg["model"] / ndcg[strongest] - 1.0 if ndcg[strongest] > 0 else None
    winner = "model" if ndcg["model"] >= ndcg[strongest] else strongest
    return {
        **base,
        "status": "ok",
        "ndcg": ndcg,
        "strongest_baseline": strongest,
        "lift": None if lift is None else round(lift, 4),
        "winner": winner,
        "verdict": _verdict(label, ndcg, strongest, lift, selling, total),
    }


def _verdict(
    label: str,
    ndcg: Mapping[str, float],
    strongest: str,
    lift: float | None,
    selling: int,
    total: int,
) -> str:
    sample = f"over {selling} products that sold {total} units"
    model, best = ndcg["model"], ndcg[strongest]
    if lift is None:
        return f"{label}: the model scores {model:.3f}; no baseline ranked a sale ({sample})."
    if model >= best:
        return (
            f"{label}: the model ranked your sales best, NDCG@{K} {model:.3f} against "
            f"{best:.3f} for {LABELS[strongest]}, the strongest baseline ({lift:+.1%}), {sample}."
        )
    return (
        f"{label}: {LABELS[strongest]} ranked your sales better than the model, NDCG@{K} "
        f"{best:.3f} against {model:.3f} (the model {lift:+.1%}), {sample}."
    )
