"""Simulated store inventory: daily snapshots of items in stores and their later sales.

Each item-store pair arrives on its lifecycle start with some units and a demand rate that
differs a lot between items (log-normal), fades as the item ages (each its own half-life), and
rises with markdowns (each item its own price response). Every day it sells a Poisson draw,
never more than it has. What a daily snapshot would have recorded is rebuilt from that
history (days active, days since the last sale, units, the last 7 and 30 days of sales, days
of cover), and the label is what happened next: no sale in the following ``horizon`` days.

This is the training world of the risk model (``shared.ml.risk``): every metric it reports
comes from here, not from real sellers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.ml.vocabulary import CATEGORIES
from shared.projection.windows import MAX_DAYS_OF_COVER, MIN_DAILY_UNITS

# Typical MRP (INR) per category of the shared vocabulary, and how fast each sells.
_MRP = (1800.0, 2200.0, 900.0, 1200.0, 600.0, 1500.0, 1700.0, 2500.0)
_PACE = (1.0, 0.8, 1.3, 0.9, 1.4, 0.6, 0.8, 0.7)
DISCOUNTS = (0.0, 0.1, 0.2, 0.3, 0.4)


@dataclass(frozen=True)
class InventoryHistory:
    """Snapshot rows (one per pair and sampled day) with their label."""

    pair: np.ndarray  # item-store pair index
    day: np.ndarray  # simulation day of the snapshot
    category: np.ndarray  # index into CATEGORIES
    days_active: np.ndarray
    days_since_sale: np.ndarray
    units: np.ndarray
    mrp: np.ndarray
    price: np.ndarray
    units_7d: np.ndarray
    sold_30d: np.ndarray
    days_of_cover: np.ndarray
    no_sale_next: np.ndarray  # label: 1 = no sale in the next ``horizon`` days

    def __len__(self) -> int:
        return len(self.day)


def simulate(
    pairs: int = 2000, days: int = 270, seed: int = 5, horizon: int = 30, every: int = 3
) -> InventoryHistory:
    """Snapshots every ``every`` days (from day 30, so windows are full) up to ``days -
    horizon`` (so every label is known)."""
    rng = np.random.default_rng(seed)
    n_cat = len(CATEGORIES)
    category = rng.integers(0, n_cat, pairs)
    mrp = np.round(np.array(_MRP)[category] * rng.lognormal(0.0, 0.35, pairs), -1)
    start = rng.integers(-300, days - 60, pairs)  # lifecycle start (negative: before day 0)
    stock = rng.integers(3, 60, pairs).astype(np.int64)
    base = np.array(_PACE)[category] * rng.lognormal(np.log(0.12), 1.1, pairs)
    half_life = rng.uniform(40, 360, pairs)
    response = rng.uniform(0.5, 4.0, pairs)  # demand x (1 + discount) ** response
    markdown_day = start + rng.integers(30, 200, pairs)
    markdown = rng.choice(DISCOUNTS, pairs)

    sales = np.zeros((pairs, days), dtype=np.int64)
    units = np.zeros((pairs, days), dtype=np.int64)
    price = np.zeros((pairs, days))
    on_hand = np.where(start < 0, stock, 0)
    for t in range(days):
        on_hand = np.where(start == t, stock, on_hand)
        age = t - start
        discount = np.where(t >= markdown_day, markdown, 0.0)
        price[:, t] = mrp * (1 - discount)
        weekly = 1.0 + 0.15 * np.sin(2 * np.pi * t / 7)
        rate = base * np.exp2(-np.maximum(age, 0) / half_life) * (1 + discount) ** response
        rate = np.where(age >= 0, rate * weekly, 0.0)
        sold = np.minimum(rng.poisson(rate), on_hand)
        sales[:, t] = sold
        on_hand = on_hand - sold
        units[:, t] = on_hand  # the closing count the snapshot sees

    # Days since the last sale, day by day (the first snapshot after arrival: days active).
    last = np.where(start < 0, start, np.iinfo(np.int64).min)
    since = np.zeros((pairs, days), dtype=np.int64)
    for t in range(days):
        last = np.where(sales[:, t] > 0, t, last)
        anchor = np.maximum(last, start)
        since[:, t] = t - anchor
    cumulative = np.concatenate([np.zeros((pairs, 1), np.int64), np.cumsum(sales, axis=1)], axis=1)

    rows: dict[str, list[np.ndarray]] = {k: [] for k in InventoryHistory.__dataclass_fields__}
    for t in range(30, days - horizon, every):
        live = (start <= t) & (units[:, t] > 0)
        idx = np.flatnonzero(live)
        if not len(idx):
            continue
        u7 = cumulative[idx, t + 1] - cumulative[idx, t - 6]
        u30 = cumulative[idx, t + 1] - cumulative[idx, t - 29]
        future = cumulative[idx, t + 1 + horizon] - cumulative[idx, t + 1]
        cover = np.minimum(units[idx, t] / np.maximum(u7 / 7.0, MIN_DAILY_UNITS), MAX_DAYS_OF_COVER)
        rows["pair"].append(idx)
        rows["day"].append(np.full(len(idx), t))
        rows["category"].append(category[idx])
        rows["days_active"].append(t - start[idx])
        rows["days_since_sale"].append(since[idx, t])
        rows["units"].append(units[idx, t])
        rows["mrp"].append(mrp[idx])
        rows["price"].append(price[idx, t])
        rows["units_7d"].append(u7)
        rows["sold_30d"].append(u30)
        rows["days_of_cover"].append(cover)
        rows["no_sale_next"].append((future == 0).astype(np.int8))
    return InventoryHistory(**{k: np.concatenate(v) for k, v in rows.items()})
