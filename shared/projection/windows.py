"""Windowed counters and days of cover: the one definition the features, KPIs and API share.

A window of ``hours`` is the sum of the hourly buckets of the ``hours`` most recent UTC hours up
to ``now``, the current hour included. Days of cover is stock over the last week's daily pace.

Day windows (7 / 14 / 30 days) are the same over the daily rollup (``days``: units and revenue
per UTC day, kept for ``DAYS_KEPT`` days): the ``days`` most recent UTC days up to ``now``,
today included. The channel rollup (``channel_days``, keys ``YYYYMMDD|channel``) is summed
over the last ``CHANNEL_DAYS`` days the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain, repeat
from typing import Any

import numpy as np

from shared.core.errors import InvalidValue
from shared.core.records import COUNTERS, hour_key

WINDOWS: dict[str, int] = {"1h": 1, "24h": 24, "7d": 168}
DAY_WINDOWS: dict[str, int] = {"7d": 7, "14d": 14, "30d": 30}
# The daily rollup keeps a few days more than the longest day window.
DAYS_KEPT = 35
# Sales channels of imported sales files; webhook orders are ``marketplace``.
CHANNELS: tuple[str, ...] = ("online", "pos", "marketplace", "wholesale")
CHANNEL_DAYS = 30
MAX_DAYS_OF_COVER = 365.0
# A week without a sale still has a pace: stock / 0.1 a day, capped at MAX_DAYS_OF_COVER.
MIN_DAILY_UNITS = 0.1

# Windows are nested, so every bucket falls in one band: 0 = the current hour, 1 = the rest of
# the last 24 hours, 2 = the rest of the week, 3 = older (in no window). Sums per band,
# cumulated over the first three, give 1h / 24h / 7d.
_BANDS = 4
_OUTSIDE = 3


def window_counts(products: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
    """Counter sums per product over 1h / 24h / 7d: shape (n, 3 windows, 5 counters)."""
    maps = [p.get("buckets") or {} for p in products]
    out = _band_sums(maps, _hour_bands(now), _BANDS, len(COUNTERS), f"counters {list(COUNTERS)}")[
        :, :3
    ]
    return np.cumsum(out, axis=1)


def day_window_counts(products: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
    """Units and revenue per product over 7 / 14 / 30 days: shape (n, 3 windows, 2)."""
    return day_window_sums([p.get("days") for p in products], now)


def day_window_sums(rollups: Sequence[Mapping[str, Any] | None], now: datetime) -> np.ndarray:
    """``day_window_counts`` from each product's daily rollup (None: no sales), for a caller
    that has already read them from the documents."""
    maps = [rollup or {} for rollup in rollups]
    out = _band_sums(maps, _day_bands(now), _BANDS, 2, "days: [units, revenue]")[:, :3]
    return np.cumsum(out, axis=1)


def channel_counts(products: Sequence[Mapping[str, Any]], now: datetime) -> np.ndarray:
    """Units and revenue per product and channel over the last ``CHANNEL_DAYS`` days from the
    channel rollup: shape (n, len(CHANNELS), 2)."""
    maps = [p.get("channel_days") or {} for p in products]
    slots = len(CHANNELS) + 1  # the last: outside the window, or an unknown channel
    return _band_sums(maps, _channel_slots(now), slots, 2, "channel_days: [units, revenue]")[
        :, : len(CHANNELS)
    ]


def day_key(moment: datetime) -> str:
    """Key of the UTC day containing ``moment`` in the daily rollup: ``YYYYMMDD``."""
    return moment.astimezone(UTC).strftime("%Y%m%d")


def _band_sums(
    maps: Sequence[Mapping[str, Sequence[float]]],
    band_of: Mapping[str, int],
    bands: int,
    width: int,
    name: str,
) -> np.ndarray:
    """Sums of the ``width`` values of each map entry per (product, band): (n, bands, width).

    Keys missing from ``band_of`` go to the last band. No Python code runs per entry: the keys
    (mapped to their band by a dict look-up) and the values of every product are streamed by
    C-level iterators (``map``, ``chain``) straight into numpy arrays, then summed per
    (product, band) with ``bincount``.
    """
    n = len(maps)
    out = np.zeros((n, bands, width))
    sizes = np.fromiter(map(len, maps), np.intp, n)
    total = int(sizes.sum())
    if not total:
        return out
    lookup = band_of.get
    band = np.fromiter(map(lookup, chain.from_iterable(maps), repeat(bands - 1)), np.intp, total)
    values = np.fromiter(chain.from_iterable(chain.from_iterable(map(_values, maps))), np.float64)
    if len(values) != width * total:
        raise InvalidValue(f"an entry does not hold {width} values ({name})")
    slot = np.repeat(np.arange(0, bands * n, bands), sizes)
    slot += band
    columns = values.reshape(total, width).T.copy()  # one contiguous row per value
    for k in range(width):
        out[:, :, k] = np.bincount(slot, weights=columns[k], minlength=bands * n).reshape(n, bands)
    return out


def days_of_cover(stock: Any, units_7d: Any) -> np.ndarray:
    """Days the stock lasts at the last seven days' pace (vectorised; capped)."""
    daily = np.maximum(np.asarray(units_7d, dtype=np.float64) / 7.0, MIN_DAILY_UNITS)
    return np.minimum(np.asarray(stock, dtype=np.float64) / daily, MAX_DAYS_OF_COVER)


def band_changes(then: datetime, now: datetime) -> frozenset[str] | None:
    """The bucket keys that fall in a different window (or in none) at ``now`` than at ``then``.

    A product whose buckets hold none of these keys has the same window counts at both moments,
    so features computed at ``then`` are still right at ``now`` (the ranker's row cache relies on
    it). One hour later that is four keys. None when ``now`` is before ``then``, a day or more
    later, or on another UTC day (the day windows and the demand signals' age move with the
    date): treat everything as changed.
    """
    start = then.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = int((end - start).total_seconds() // 3600)
    if hours == 0:
        return frozenset()
    if not 0 < hours < 24 or start.date() != end.date():
        return None
    before, after = _hour_bands(start), _hour_bands(end)
    keys = before.keys() | after.keys()
    return frozenset(k for k in keys if before.get(k, _OUTSIDE) != after.get(k, _OUTSIDE))


def _values(buckets: Mapping[str, Any]) -> Any:
    return buckets.values()


def _day_bands(now: datetime) -> dict[str, int]:
    """Day key -> band for the 30 days up to ``now``: 0 = the last 7, 1 = the 7 before, 2 =
    the rest of the 30 (cumulated: 7 / 14 / 30 days); any other key is outside."""
    today = now.astimezone(UTC)
    week, fortnight = DAY_WINDOWS["7d"], DAY_WINDOWS["14d"]
    return {
        day_key(today - timedelta(days=d)): 0 if d < week else 1 if d < fortnight else 2
        for d in range(DAY_WINDOWS["30d"])
    }


def _channel_slots(now: datetime) -> dict[str, int]:
    """``YYYYMMDD|channel`` -> the channel's index, for the days of the channel window."""
    today = now.astimezone(UTC)
    days = [day_key(today - timedelta(days=d)) for d in range(CHANNEL_DAYS)]
    return {f"{day}|{channel}": c for day in days for c, channel in enumerate(CHANNELS)}


def _hour_bands(now: datetime) -> dict[str, int]:
    """Bucket key -> band for the week of hours up to ``now``; any other key is outside."""
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return {
        hour_key(start - timedelta(hours=h)): 0 if h < 1 else 1 if h < 24 else 2
        for h in range(WINDOWS["7d"])
    }
