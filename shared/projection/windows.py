"""Windowed counters and days of cover: the one definition the features, KPIs and API share.

A window of ``hours`` is the sum of the hourly buckets of the ``hours`` most recent UTC hours up
to ``now``, the current hour included. Days of cover is stock over the last week's daily pace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat
from typing import Any

import numpy as np

from shared.core.records import COUNTERS, hour_key

WINDOWS: dict[str, int] = {"1h": 1, "24h": 24, "7d": 168}
MAX_DAYS_OF_COVER = 365.0
# A week without a sale still has a pace: stock / 0.1 a day, capped at MAX_DAYS_OF_COVER.
MIN_DAILY_UNITS = 0.1

# Windows are nested, so every bucket falls in one band: 0 = the current hour, 1 = the rest of
# the last 24 hours, 2 = the rest of the week, 3 = older (in no window). Sums per band,
# cumulated over the first three, give 1h / 24h / 7d.
_BANDS = 4
_OUTSIDE = 3


def window_counts(products: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
    """Counter sums per product over 1h / 24h / 7d: shape (n, 3 windows, 5 counters).

    No Python code runs per bucket: the bucket keys (mapped to their band by a dict look-up)
    and the counters of every product are streamed by C-level iterators (``map``, ``chain``)
    straight into numpy arrays, then summed per (product, band) with ``bincount``.
    """
    n = len(products)
    width = len(COUNTERS)
    out = np.zeros((n, 3, width))
    if not n:
        return out
    maps = [p.get("buckets") or {} for p in products]
    sizes = np.fromiter(map(len, maps), np.intp, n)
    total = int(sizes.sum())
    if not total:
        return out
    band_of = _hour_bands(now).get
    band = np.fromiter(map(band_of, chain.from_iterable(maps), repeat(_OUTSIDE)), np.intp, total)
    values = np.fromiter(chain.from_iterable(chain.from_iterable(map(_values, maps))), np.float64)
    if len(values) != width * total:
        raise ValueError(f"a bucket does not hold {width} counters {list(COUNTERS)}")
    slot = np.repeat(np.arange(0, _BANDS * n, _BANDS), sizes)
    slot += band
    counters = values.reshape(total, width).T.copy()  # one contiguous row per counter
    for k in range(width):
        sums = np.bincount(slot, weights=counters[k], minlength=_BANDS * n)
        out[:, :, k] = sums.reshape(n, _BANDS)[:, :3]
    np.cumsum(out, axis=1, out=out)
    return out


def days_of_cover(stock: Any, units_7d: Any) -> np.ndarray:
    """Days the stock lasts at the last seven days' pace (vectorised; capped)."""
    daily = np.maximum(np.asarray(units_7d, dtype=np.float64) / 7.0, MIN_DAILY_UNITS)
    return np.minimum(np.asarray(stock, dtype=np.float64) / daily, MAX_DAYS_OF_COVER)


def band_changes(then: datetime, now: datetime) -> frozenset[str] | None:
    """The bucket keys that fall in a different window (or in none) at ``now`` than at ``then``.

    A product whose buckets hold none of these keys has the same window counts at both moments,
    so features computed at ``then`` are still right at ``now`` (the ranker's row cache relies on
    it). One hour later that is four keys. None when ``now`` is before ``then`` or a day or more
    later: treat everything as changed.
    """
    start = then.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = int((end - start).total_seconds() // 3600)
    if hours == 0:
        return frozenset()
    if not 0 < hours < 24:
        return None
    before, after = _hour_bands(start), _hour_bands(end)
    keys = before.keys() | after.keys()
    return frozenset(k for k in keys if before.get(k, _OUTSIDE) != after.get(k, _OUTSIDE))


def _values(buckets: Mapping[str, Any]) -> Any:
    return buckets.values()


def _hour_bands(now: datetime) -> dict[str, int]:
    """Bucket key -> band for the week of hours up to ``now``; any other key is outside."""
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return {
        hour_key(start - timedelta(hours=h)): 0 if h < 1 else 1 if h < 24 else 2
        for h in range(WINDOWS["7d"])
    }
