"""Inventory aging and the rules-based danger level: the one definition, pure.

It sits next to ``windows`` (days of cover) rather than in ``shared.inventory`` because the
risk model's trainer (``shared.ml.risk``, a lower layer than inventory) measures itself
against exactly these rules.

- **Days active**: days since the item's life in the store began (the workbook's
  ``lifecycle_start_date``), else since its first stock count there, else since it was first seen.
- **Days since the last sale**: see ``shared.inventory.snapshot`` for where the date comes from.
- **Aging bucket** of days active: 0-30, 31-60, 61-90, 91-180, 181-365, >365.
- **Danger level** from days without a sale: ``EARLY`` from ``early`` days (30), ``HIGH`` from
  ``high`` (60), ``CRITICAL`` from ``critical`` (90); raised by one level (``CRITICAL`` stays)
  when days of cover exceed ``cover_raise`` (90). Cover only raises a level the sale rule gave:
  a slow item that sold last week is not in danger. Nothing on hand is never in danger.
- **Capital** = units x unit value, the value being the current price, or the MRP when no
  price is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from shared.core.errors import InvalidValue

DangerLevel = Literal["EARLY", "HIGH", "CRITICAL"]
LEVELS: tuple[DangerLevel, ...] = ("EARLY", "HIGH", "CRITICAL")
# Upper bounds (inclusive) of the aging buckets in days active; the last is open.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("0-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("91-180", 180),
    ("181-365", 365),
    (">365", float("inf")),
)
BUCKET_NAMES: tuple[str, ...] = tuple(name for name, _ in BUCKETS)


@dataclass(frozen=True)
class Thresholds:
    early: int = 30
    high: int = 60
    critical: int = 90
    cover_raise: float = 90.0

    def __post_init__(self) -> None:
        if not 0 < self.early < self.high < self.critical:
            raise InvalidValue(
                f"danger thresholds must rise: early {self.early} < high {self.high} < "
                f"critical {self.critical} days"
            )

    @classmethod
    def from_settings(cls, settings: object) -> Thresholds:
        return cls(
            early=settings.danger_early_days,  # type: ignore[attr-defined]
            high=settings.danger_high_days,  # type: ignore[attr-defined]
            critical=settings.danger_critical_days,  # type: ignore[attr-defined]
            cover_raise=settings.danger_cover_raise_days,  # type: ignore[attr-defined]
        )


def days_between(start: date | None, day: date) -> int | None:
    return None if start is None else max(0, (day - start).days)


def aging_bucket(days_active: int | None) -> str | None:
    if days_active is None:
        return None
    # The last bucket is open-ended: whatever passes the others falls in it.
    open_ended = BUCKETS[-1][0]
    return next((name for name, upper in BUCKETS[:-1] if days_active <= upper), open_ended)


def danger_level(
    days_since_sale: int | None,
    days_of_cover: float | None,
    units: int,
    thresholds: Thresholds,
) -> DangerLevel | None:
    if units <= 0 or days_since_sale is None:
        return None
    if days_since_sale >= thresholds.critical:
        index = 2
    elif days_since_sale >= thresholds.high:
        index = 1
    elif days_since_sale >= thresholds.early:
        index = 0
    else:
        return None
    if days_of_cover is not None and days_of_cover > thresholds.cover_raise:
        index = min(index + 1, 2)
    return LEVELS[index]


def danger_codes(
    days_since_sale: np.ndarray, days_of_cover: np.ndarray, units: np.ndarray, t: Thresholds
) -> np.ndarray:
    """``danger_level`` for arrays: 0 none, 1 EARLY, 2 HIGH, 3 CRITICAL (NaN days: none)."""
    days = np.asarray(days_since_sale, dtype=np.float64)
    code = np.zeros(len(days), dtype=np.int8)
    code[days >= t.early] = 1
    code[days >= t.high] = 2
    code[days >= t.critical] = 3
    raise_ = (code > 0) & (np.asarray(days_of_cover, dtype=np.float64) > t.cover_raise)
    code[raise_] = np.minimum(code[raise_] + 1, 3)
    code[np.asarray(units) <= 0] = 0
    return code


def unit_value(price: float | None, mrp: float | None) -> float | None:
    for value in (price, mrp):
        if value is not None and value > 0:
            return float(value)
    return None


def capital(units: int, price: float | None, mrp: float | None) -> float:
    value = unit_value(price, mrp)
    return 0.0 if value is None or units <= 0 else round(units * value, 2)
