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
    day = np.maximum(X[:, COLUMN["units_24h"]].astype(np.float64), 0.0)
    week = np.maximum(X[:, COLUMN["velocity_7d"]].astype(np.float64), 0.0)
    score = day + week / 1000.0
    return np.where(np.isnan(score), -1.0, score)


def _recency_weighted(X: np.ndarray) -> np.ndarray:
    """Sum over disjoint spans (the last day, days 2-7, 8-14, 15-30) of the span's units a day
    times ``2 ** (-age / HALF_LIFE_DAYS)`` at the span's middle, over the weights' sum."""
    day = X[:, COLUMN["units_24h"]].astype(np.float64)
    totals = [day] + [X[:, COLUMN[f"velocity_{d}d"]].astype(np.float64) * d for d in (7, 14, 30)]
    edges = (0.0, 1.0, 7.0, 14.0, 30.0)
    score = np.zeros(len(X))
    weights = 0.0
    for k in range(4):
        span = edges[k + 1] - edges[k]
        sold = totals[k] - (totals[k - 1] if k else 0.0)
        weight = 2.0 ** (-(edges[k] + span / 2.0) / HALF_LIFE_DAYS)
        score += weight * np.maximum(sold, 0.0) / span
        weights += weight
    score /= weights
    return np.where(np.isnan(score), -1.0, score)


def shape(values: np.ndarray) -> np.ndarray:
    """A popularity baseline on a log scale (out of stock or not sent: -1), the variable a
    fallback maps linearly onto the model's score scale."""
    return np.where(values >= 0, np.log1p(np.maximum(values, 0.0)), -1.0)


def fit_fallback(baseline: str, X: np.ndarray, model_scores: np.ndarray) -> dict[str, Any]:
    """A fallback by ``baseline``: ``score = offset + slope * shape(baseline)``, with offset
    and slope matching the model's scores of the same rows in mean and spread, so fallback
    items stay on the scale of the rest of the catalogue while ordered by the baseline."""
    if baseline not in FALLBACK_BASELINES:
        raise ValueError(f"a fallback ranks by one of {FALLBACK_BASELINES}, not {baseline!r}")
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
