"""The simple rankings a seller could build from the same features, and the fallback to one.

Training reports the model against each of them (``shared.ml.ranker_training``), and the evaluation
over many simulated worlds (``demo.evaluate``) per kind of data. Where the model does not beat
the strongest one by ``REQUIRED_LIFT``, the model's metadata records a fallback and the scorer ranks
those rows by that baseline (``RankerModel.score``). A fallback is keyed by

- a marketplace: its items in live mode (webhook data), except those whose sales come in files;
- ``files`` (``FILES_KIND``): items whose sales come in sales files (their rows carry the sales
  files' channel columns), in either mode, whatever their marketplace;
- ``demo`` (``DEMO_KIND``): every other item in mock mode (the demo feed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from shared.core.errors import InvalidValue, ModelError
from shared.ml.features import COLUMN, FILE_SIGNALS
from shared.ml.vocabulary import marketplace_code

BASELINES: tuple[str, ...] = (
    "popularity",
    "popularity_in_stock",
    "recent_velocity",
    "recency_weighted",
    "conversion_7d",
)
# The baselines a fallback may use: sales counts every marketplace sends in every mode.
FALLBACK_BASELINES: tuple[str, ...] = (
    "popularity",
    "popularity_in_stock",
    "recent_velocity",
    "recency_weighted",
)
REQUIRED_LIFT = 0.10
# Kinds of data a fallback may be keyed by, beside marketplaces (see the module docstring).
FILES_KIND = "files"
DEMO_KIND = "demo"
# Recency weighting: a day's sales count half as much 3.5 days later.
HALF_LIFE_DAYS = 3.5


def baseline_scores(X: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of every baseline (``BASELINES``) for the rows of ``X``; a signal that is not
    sent (NaN) ranks last."""
    units = np.nan_to_num(X[:, COLUMN["units_7d"]].astype(np.float64), nan=-1.0)
    in_stock = X[:, COLUMN["in_stock"]] > 0
    return {
        "popularity": units,
        # Bestsellers that can still be bought; out-of-stock items go last.
        "popularity_in_stock": np.where(in_stock, units, -1.0),
        # Units a day over the last day, the week's pace breaking ties; out of stock last.
        "recent_velocity": np.where(in_stock, _recent_velocity(X), -1.0),
        # Units a day with each day weighted by its age (``HALF_LIFE_DAYS``); out of stock last.
        "recency_weighted": np.where(in_stock, _recency_weighted(X), -1.0),
        # Recent conversion rate: (orders + prior) / (clicks + weight) over 7 days.
        "conversion_7d": np.nan_to_num(X[:, COLUMN["conversion_7d"]].astype(np.float64), nan=-1.0),
    }


def _recent_velocity(X: np.ndarray) -> np.ndarray:
    score = _velocity_parts(X).sum(axis=1)
    return np.where(np.isnan(score), -1.0, score)


def _velocity_parts(X: np.ndarray) -> np.ndarray:
    """(rows, 2): the last day's units, and the week's pace / 1000 (a tie-break)."""
    day = np.maximum(X[:, COLUMN["units_24h"]].astype(np.float64), 0.0)
    week = np.maximum(X[:, COLUMN["velocity_7d"]].astype(np.float64), 0.0)
    return np.column_stack([day, week / 1000.0])


def _recency_weighted(X: np.ndarray) -> np.ndarray:
    """Sum over disjoint spans (the last day, days 2-7, 8-14, 15-30) of the span's units a day
    times ``2 ** (-age / HALF_LIFE_DAYS)`` at the span's middle, over the weights' sum."""
    score = _recency_parts(X)[1].sum(axis=1)
    return np.where(np.isnan(score), -1.0, score)


_SPAN_EDGES = (0.0, 1.0, 7.0, 14.0, 30.0)
_SPAN_WORDS = (
    "units sold in the last 24 h",
    "units sold on days 2-7",
    "units sold on days 8-14",
    "units sold on days 15-30",
)


def _recency_parts(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units sold in each span, each span's share of the recency-weighted score), both
    (rows, 4); the shares sum to the score."""
    day = X[:, COLUMN["units_24h"]].astype(np.float64)
    totals = [day] + [X[:, COLUMN[f"velocity_{d}d"]].astype(np.float64) * d for d in (7, 14, 30)]
    weights = [
        2.0 ** (-(_SPAN_EDGES[k] + (_SPAN_EDGES[k + 1] - _SPAN_EDGES[k]) / 2.0) / HALF_LIFE_DAYS)
        for k in range(4)
    ]
    sold = np.column_stack(
        [np.maximum(totals[k] - (totals[k - 1] if k else 0.0), 0.0) for k in range(4)]
    )
    spans = np.diff(_SPAN_EDGES)
    return sold, sold * (np.array(weights) / spans) / sum(weights)


def explain_baseline(baseline: str, x_row: np.ndarray) -> dict[str, Any]:
    """What makes up one row's baseline score: ``{name, score, parts}``, each part with the
    words a seller reads, its value and its share of the score (the shares sum to ``score``).
    An item out of stock (for the in-stock baselines) or whose sales are not sent scores -1,
    behind every item with a score, and the one part says so."""
    if baseline not in BASELINES:
        raise ModelError(f"no baseline {baseline!r}; one of {BASELINES}")
    X = np.asarray(x_row, dtype=np.float64).reshape(1, -1)
    score = float(baseline_scores(X)[baseline][0])
    in_stock = bool(X[0, COLUMN["in_stock"]] > 0)
    parts: list[dict[str, Any]]
    if baseline != "popularity" and baseline != "conversion_7d" and not in_stock:
        parts = [_part("in_stock", "out of stock: ranked after every item in stock", 0.0, score)]
    elif score < 0:
        parts = [_part("not_sent", "sales not sent for this item", None, score)]
    elif baseline in ("popularity", "popularity_in_stock"):
        parts = [_part("units_7d", "units sold in the last 7 days", score, score)]
    elif baseline == "recent_velocity":
        shares = _velocity_parts(X)[0]
        parts = [
            _part("units_24h", "units sold in the last 24 h", shares[0], shares[0]),
            _part(
                "velocity_7d", "units a day over 7 days (breaks ties)", shares[1] * 1000, shares[1]
            ),
        ]
    elif baseline == "recency_weighted":
        sold, shares = (a[0] for a in _recency_parts(X))
        parts = [
            _part(f"span_{k}", _SPAN_WORDS[k], sold[k], shares[k]) for k in range(len(_SPAN_WORDS))
        ]
    else:
        rate = float(X[0, COLUMN["conversion_7d"]])
        parts = [_part("conversion_7d", "conversion over 7 days", rate, score)]
    return {"name": baseline, "score": score, "parts": parts}


def _part(part: str, words: str, value: float | None, contribution: float) -> dict[str, Any]:
    plain = None if value is None or np.isnan(value) else float(value)
    return {"part": part, "words": words, "value": plain, "contribution": float(contribution)}


def shape(values: np.ndarray) -> np.ndarray:
    """A popularity baseline on a log scale (out of stock or not sent: -1), the variable a
    fallback maps linearly onto the model's score scale."""
    return np.where(values >= 0, np.log1p(np.maximum(values, 0.0)), -1.0)


def fit_fallback(baseline: str, X: np.ndarray, model_scores: np.ndarray) -> dict[str, Any]:
    """A fallback by ``baseline``: ``score = offset + slope * shape(baseline)``, with offset
    and slope matching the model's scores of the same rows in mean and spread, so fallback
    items stay on the scale of the rest of the catalogue while ordered by the baseline."""
    if baseline not in FALLBACK_BASELINES:
        raise InvalidValue(f"a fallback ranks by one of {FALLBACK_BASELINES}, not {baseline!r}")
    x = shape(baseline_scores(X)[baseline])
    spread_x = float(np.std(x)) if len(x) else 0.0
    spread_y = float(np.std(model_scores)) if len(model_scores) else 0.0
    slope = spread_y / spread_x if spread_x > 0 and spread_y > 0 else 1.0
    offset = float(np.mean(model_scores) - slope * np.mean(x)) if len(x) else 0.0
    return {"baseline": baseline, "offset": round(offset, 6), "slope": round(slope, 6)}


def from_files(X: np.ndarray) -> np.ndarray:
    """Rows whose sales come in sales files: the sales files' channel columns are set."""
    return ~np.isnan(X[:, COLUMN[FILE_SIGNALS["channel_days"][0]]])


def fallback_rows(
    X: np.ndarray, fallback: Mapping[str, Mapping[str, Any]], mode: str
) -> list[tuple[Mapping[str, Any], np.ndarray]]:
    """Each rule of ``fallback`` with the rows (bool mask) it ranks in ``mode``."""
    if not fallback or not len(X):
        return []
    files = from_files(X)
    codes = X[:, COLUMN["marketplace"]]
    out = []
    for key, rule in fallback.items():
        if key == FILES_KIND:
            rows = files
        elif key == DEMO_KIND:
            rows = ~files if mode == "mock" else np.zeros(len(X), dtype=bool)
        elif mode == "live":
            rows = (codes == marketplace_code(key)) & ~files
        else:
            continue
        out.append((rule, rows))
    return out


def apply_fallback(
    X: np.ndarray,
    scores: np.ndarray,
    fallback: Mapping[str, Mapping[str, Any]],
    mode: str = "live",
) -> np.ndarray:
    """``scores`` with the rows each rule of ``fallback`` covers in ``mode`` scored by its
    baseline."""
    rules = fallback_rows(X, fallback, mode)
    if not rules:
        return scores
    out = np.array(scores, dtype=np.float64)
    for rule, rows in rules:
        if rows.any():
            x = shape(baseline_scores(X[rows])[str(rule["baseline"])])
            out[rows] = float(rule["offset"]) + float(rule["slope"]) * x
    return out


def ranked_by(X: np.ndarray, fallback: Mapping[str, Mapping[str, Any]], mode: str) -> list[str]:
    """What ranks each row: ``model``, or the baseline of the fallback rule covering it."""
    out = np.full(len(X), "model", dtype=object)
    for rule, rows in fallback_rows(X, fallback, mode):
        out[rows] = str(rule["baseline"])
    return [str(v) for v in out]
