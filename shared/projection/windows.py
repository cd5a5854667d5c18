"""Windowed counters and days of cover: the one definition the features, KPIs and API share.

A window of ``hours`` is the sum of the hourly buckets of the ``hours`` most recent UTC hours up
to ``now``, the current hour included. Days of cover is stock over the last week's daily pace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np

from shared.core.records import COUNTERS, hour_key

WINDOWS: dict[str, int] = {"1h": 1, "24h": 24, "7d": 168}
MAX_DAYS_OF_COVER = 365.0
# A week without a sale still has a pace: stock / 0.1 a day, capped at MAX_DAYS_OF_COVER.
MIN_DAILY_UNITS = 0.1


def window_counts(products: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
    """Counter sums per product over 1h / 24h / 7d: shape (n, 3 windows, 5 counters).

    Every bucket of every product is flattened with C-level ``extend`` calls (no Python code
    per bucket), then summed per window with ``bincount``: about 3x faster than a loop.
    """
    n = len(products)
    width = len(COUNTERS)
    get = _hour_ages(now, WINDOWS["7d"]).get
    sizes = np.zeros(n, dtype=np.int64)
    ages: list[int | None] = []
    values: list[float] = []
    for row, product in enumerate(products):
        buckets = product.get("buckets")
        if buckets:
            sizes[row] = len(buckets)
            ages.extend(map(get, buckets))
            values.extend(chain.from_iterable(buckets.values()))
    out = np.zeros((n, 3, width))
    if not ages:
        return out
    if len(values) != width * len(ages):
        raise ValueError(f"a bucket does not hold {width} counters {list(COUNTERS)}")
    age = np.array(ages, dtype=np.float64)  # None (outside the week) -> NaN
    counters = np.array(values, dtype=np.float64).reshape(-1, width)
    rows = np.repeat(np.arange(n), sizes)
    inside = ~np.isnan(age)
    # Windows are nested: sum per (row, band) with band 0 = current hour, 1 = rest of the day,
    # 2 = rest of the week, then cumulate the bands into 1h / 24h / 7d.
    band = np.where(age[inside] < 1, 0, np.where(age[inside] < 24, 1, 2))
    slot = rows[inside] * 3 + band
    kept = counters[inside]
    for k in range(width):
        out[:, :, k] = np.bincount(slot, weights=kept[:, k], minlength=3 * n).reshape(n, 3)
    np.cumsum(out, axis=1, out=out)
    return out


def days_of_cover(stock: Any, units_7d: Any) -> np.ndarray:
    """Days the stock lasts at the last seven days' pace (vectorised; capped)."""
    daily = np.maximum(np.asarray(units_7d, dtype=np.float64) / 7.0, MIN_DAILY_UNITS)
    return np.minimum(np.asarray(stock, dtype=np.float64) / daily, MAX_DAYS_OF_COVER)


def _hour_ages(now: datetime, hours: int) -> dict[str, int]:
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return {hour_key(start - timedelta(hours=h)): h for h in range(hours)}
