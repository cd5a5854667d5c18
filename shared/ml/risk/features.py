"""The risk model's features: one builder for training (simulated snapshots), the daily risk
step (snapshot documents) and ``POST /api/ml/predict`` (an item description).

What is not known is NaN, never zero: a description has no sales history, so days since the
last sale, recent sales and cover are missing, and LightGBM routes them itself (the trainer
masks them on part of the rows so the model learns that case too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from shared.ml.vocabulary import CATEGORIES, category_code

FEATURES: tuple[str, ...] = (
    "days_active",
    "days_since_sale",
    "units",
    "unit_value",
    "mrp",
    "discount",
    "units_7d",
    "sold_30d",
    "days_of_cover",
    "category",
)
# Changes whenever a feature's meaning changes (the category vocabulary included).
FEATURE_VERSION = f"r1-{len(CATEGORIES)}"
COLUMN = {name: i for i, name in enumerate(FEATURES)}


def matrix(columns: Mapping[str, Any], n: int) -> np.ndarray:
    """Columns by name (arrays of length n; absent: NaN) -> the feature matrix."""
    X = np.full((n, len(FEATURES)), np.nan, dtype=np.float64)
    for name, values in columns.items():
        X[:, COLUMN[name]] = np.asarray(values, dtype=np.float64)
    return X


def from_snapshots(docs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Snapshot documents (``shared.inventory.snapshot``) -> features."""

    def col(name: str) -> list[float]:
        return [np.nan if d.get(name) is None else float(d[name]) for d in docs]

    price, mrp = np.array(col("price")), np.array(col("mrp"))
    value = np.where(np.isnan(price), mrp, price)
    return matrix(
        {
            "days_active": col("days_active"),
            "days_since_sale": col("days_since_sale"),
            "units": col("units"),
            "unit_value": value,
            "mrp": mrp,
            "discount": _discount(value, mrp),
            "units_7d": col("units_7d"),
            "sold_30d": col("sold_30d"),
            "days_of_cover": col("days_of_cover"),
            "category": [category_code(d.get("category")) for d in docs],
        },
        len(docs),
    )


def from_description(category: str, quantity: int, mrp: float, days_active: int) -> np.ndarray:
    """One item known only by its description: no sales history."""
    return matrix(
        {
            "days_active": [days_active],
            "units": [quantity],
            "unit_value": [mrp],
            "mrp": [mrp],
            "discount": [0.0],
            "category": [category_code(category)],
        },
        1,
    )


def _discount(value: np.ndarray, mrp: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 - value / mrp
    return np.where(np.isfinite(out), np.clip(out, 0.0, 1.0), np.nan)
