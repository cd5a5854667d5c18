"""Product documents -> one snapshot row per store and item for a day (pure).

Rows: an item counted per location (inventory files, the workbook) has a row per location
(``store_id`` the location); an item with only a total count has one row,
``store_id = "marketplace:<m>"`` (as ``dim_stores`` names it).

Where the dates come from:

- **last sale**: sales carry no store, so a location's sale is seen as its count falling from
  one day's snapshot to the next (``last_sale_day`` carries forward in the snapshots). The
  item's own newest order or sale (``last_sale_at`` from the fold) counts for an item with one
  row, and seeds every row of an item on its first snapshot. Never sold: days since the last
  sale are the days active.
- **days active**: ``lifecycle_start_date`` of the store, else its first count, else the item's
  first count or first sighting.
- **days of cover**: the item's own (stock over the last week's pace, ``windows``) for an item
  with one row; per location, units over the location's 30-day sales estimate
  (``sold_30d``, an exponentially weighted sum of its daily count drops).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from shared.core.settings import IST
from shared.projection import aging
from shared.projection.windows import (
    MAX_DAYS_OF_COVER,
    MIN_DAILY_UNITS,
    days_of_cover,
    window_counts,
)

UNITS = 3  # index of units in the windowed counters
# What a product document needs to give for a snapshot (the query selects only these).
PRODUCT_FIELDS = (
    "item_id",
    "title",
    "category",
    "department",
    "image",
    "style_code",
    "marketplace",
    "price",
    "mrp",
    "stock",
    "stock_locations",
    "location_since",
    "first_stock_at",
    "first_seen_at",
    "last_sale_at",
    "buckets",
    "merged_into",
)
# What a day's rows need of the day before's rows (the query selects only these): about a
# quarter of the memory of whole rows, which at 100,000 rows was 140 MB.
PREVIOUS_FIELDS = ("store_id", "item_id", "units", "sold_30d", "last_sale_day", "danger")
_UNSAFE = re.compile(r"[/\\?#]")


def end_of_day(day: date) -> datetime:
    """The last moment of an IST day, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), IST).astimezone(UTC) - timedelta(
        microseconds=1
    )


def ist_date(stamp: str | None) -> date | None:
    if not stamp:
        return None
    parsed = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(IST).date()


def snapshot_id(day: date, store_id: str, item_id: str) -> str:
    """Deterministic, so re-running a day rewrites its documents; Cosmos ids may not hold
    ``/ \\ ? #``, so such ids are made safe and kept unique with a digest."""
    raw = f"{day.isoformat()}:{store_id}:{item_id}"
    if not _UNSAFE.search(raw):
        return raw
    return f"{_UNSAFE.sub('_', raw)}~{hashlib.sha256(raw.encode()).hexdigest()[:12]}"


def previous_rows(
    docs: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """The day before's rows by (store_id, item_id), each with only ``PREVIOUS_FIELDS``."""
    return {(d["store_id"], d["item_id"]): {k: d.get(k) for k in PREVIOUS_FIELDS[2:]} for d in docs}


def rows_for_day(
    products: Iterable[Mapping[str, Any]],
    previous: Mapping[tuple[str, str], Mapping[str, Any]],
    day: date,
    as_of: datetime,
    thresholds: aging.Thresholds,
    store_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Snapshot rows of ``day`` (previous day's rows by (store_id, item_id))."""
    items = [p for p in products if not p.get("merged_into")]
    names = store_names or {}
    units_7d = window_counts(items, as_of)[:, 2, UNITS] if items else np.zeros(0)
    item_cover = days_of_cover([int(p.get("stock") or 0) for p in items], units_7d)
    # One string per date, shared by the rows: 100,000 rows name a few hundred dates.
    day_text, as_of_text = day.isoformat(), as_of.isoformat()
    dates: dict[date, str] = {}

    def iso(value: date | None) -> str | None:
        if value is None:
            return None
        return dates.get(value) or dates.setdefault(value, value.isoformat())

    out: list[dict[str, Any]] = []
    for product, sold_7d, cover in zip(items, units_7d.tolist(), item_cover.tolist(), strict=True):
        located = product.get("stock_locations") or {}
        since = product.get("location_since") or {}
        item_id = str(product["item_id"])
        item_sale = ist_date(product.get("last_sale_at"))
        item_start = ist_date(product.get("first_stock_at")) or ist_date(
            product.get("first_seen_at")
        )
        if located:
            places = [
                (loc, int(c.get("value") or 0), since.get(loc) or {})
                for loc, c in sorted(located.items())
            ]
        else:
            places = [
                (f"marketplace:{product.get('marketplace')}", int(product.get("stock") or 0), {})
            ]
        single = len(places) == 1
        for store_id, units, started in places:
            prev = previous.get((store_id, item_id))
            start = _date(started.get("lifecycle_start")) or ist_date(started.get("first_at"))
            start = start or item_start
            if start is not None and start > day:
                start = day
            days_active = aging.days_between(start, day)
            last_sale = _last_sale(prev, units, day, item_sale if single or prev is None else None)
            if last_sale is not None and last_sale > day:
                last_sale = day
            since_sale = aging.days_between(last_sale, day) if last_sale else days_active
            if single:
                sold_30d = sold_7d * 30 / 7
                row_cover = float(cover)
            else:
                sold_30d = _sold_30d(prev, units)
                daily = max(sold_30d / 30, MIN_DAILY_UNITS)
                row_cover = min(units / daily, MAX_DAYS_OF_COVER)
            level = aging.danger_level(since_sale, row_cover, units, thresholds)
            previous_level = prev.get("danger") if prev else None
            price = _num(product.get("price"))
            mrp = _num(product.get("mrp"))
            out.append(
                {
                    "id": snapshot_id(day, store_id, item_id),
                    "day": day_text,
                    "store_id": store_id,
                    "store_name": names.get(store_id, store_id),
                    "item_id": item_id,
                    "title": product.get("title") or item_id,
                    "category": product.get("category") or "uncatalogued",
                    "department": product.get("department") or product.get("category") or "",
                    "style_code": product.get("style_code"),
                    "image": product.get("image"),
                    "marketplace": product.get("marketplace"),
                    "units": units,
                    "price": price,
                    "mrp": mrp,
                    "unit_value": aging.unit_value(price, mrp),
                    "capital": aging.capital(units, price, mrp),
                    "lifecycle_start": iso(start),
                    "days_active": days_active,
                    "aging_bucket": aging.aging_bucket(days_active),
                    "last_sale_day": iso(last_sale),
                    "days_since_sale": since_sale,
                    "units_7d": round(float(sold_7d), 3),
                    "sold_30d": round(float(sold_30d), 3),
                    "days_of_cover": round(row_cover, 1),
                    "danger": level,
                    "previous_danger": previous_level,
                    "level_changed": level != previous_level,
                    "as_of": as_of_text,
                }
            )
    return out


def _last_sale(
    prev: Mapping[str, Any] | None, units: int, day: date, item_sale: date | None
) -> date | None:
    candidates = [item_sale]
    if prev is not None:
        candidates.append(_date(prev.get("last_sale_day")))
        if units < int(prev.get("units") or 0):
            candidates.append(day)  # the count fell since yesterday: it sold here
    known = [c for c in candidates if c is not None]
    return max(known) if known else None


def _sold_30d(prev: Mapping[str, Any] | None, units: int) -> float:
    if prev is None:
        return 0.0
    drop = max(0, int(prev.get("units") or 0) - units)
    return float(prev.get("sold_30d") or 0.0) * (29 / 30) + drop


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
