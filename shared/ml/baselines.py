"""The simple rankings a seller could build from the same features, and the fallback to one.

Training reports the model against each of them (``shared.ml.train``). Where the model does not
beat the strongest one by ``REQUIRED_LIFT`` on live-like data of some marketplaces, the trainer
records a fallback in the model's metadata and the scorer ranks those marketplaces' items by
that baseline in live mode (``RankerModel.score``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from shared.ml.features import COLUMN
from shared.ml.vocabulary import marketplace_code

BASELINES: tuple[str, ...] = ("popularity", "popularity_in_stock", "conversion_7d")
# The baselines a fallback may use: sales counts every marketplace sends in every mode.
FALLBACK_BASELINES: tuple[str, ...] = ("popularity", "popularity_in_stock")
REQUIRED_LIFT = 0.10


def baseline_scores(X: np.ndarray) -> dict[str, np.ndarray]:
    """Scores of every baseline (``BASELINES``) for the rows of ``X``; a signal that is not
    sent (NaN) ranks last."""
    units = np.nan_to_num(X[:, COLUMN["units_7d"]].astype(np.float64), nan=-1.0)
    in_stock = X[:, COLUMN["in_stock"]] > 0
    return {
        "popularity": units,
        # Bestsellers that can still be bought; out-of-stock items go last.
        "popularity_in_stock": np.where(in_stock, units, -1.0),
        # Recent conversion rate: (orders + prior) / (clicks + weight) over 7 days.
        "conversion_7d": np.nan_to_num(X[:, COLUMN["conversion_7d"]].astype(np.float64), nan=-1.0),
    }


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


def apply_fallback(
    X: np.ndarray, scores: np.ndarray, fallback: Mapping[str, Mapping[str, Any]]
) -> np.ndarray:
    """``scores`` with the rows of each marketplace in ``fallback`` scored by its baseline."""
    if not fallback or not len(X):
        return scores
    out = np.array(scores, dtype=np.float64)
    codes = X[:, COLUMN["marketplace"]]
    for marketplace, rule in fallback.items():
        rows = codes == marketplace_code(marketplace)
        if rows.any():
            x = shape(baseline_scores(X[rows])[str(rule["baseline"])])
            out[rows] = float(rule["offset"]) + float(rule["slope"]) * x
    return out
