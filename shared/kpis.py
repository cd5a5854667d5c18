"""KPIs from the product projections (never a scan of the event log).

Window KPIs are sums of the products' hourly buckets over the last 24 hours, totals the sums
of their all-time counters. The per-minute chart series is the one place that reads events:
only those of the last hour (or day, per hour), through the ``occurred_at`` range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.models import MARKETPLACES
from shared.projection import window_sums
from shared.store import Store

WINDOW_HOURS = 24


def _ratios(views: float, clicks: float, purchases: float, revenue: float) -> dict[str, float]:
    return {
        "conversion_rate": round(purchases / clicks, 4) if clicks else 0.0,
        "ctr": round(clicks / views, 4) if views else 0.0,
        "aov": round(revenue / purchases, 2) if purchases else 0.0,
    }


def compute(
    products: Iterable[Mapping[str, Any]], now: datetime, *, low_stock_threshold: int, mode: str
) -> dict[str, Any]:
    window = [0.0] * 5
    totals = [0.0] * 5
    by_mp = {mp: [0.0] * 5 for mp in MARKETPLACES}
    low_stock = count = 0
    for product in products:
        if product.get("catalogued") is False:
            continue
        count += 1
        sums = window_sums(product.get("buckets", {}), now, WINDOW_HOURS)
        mp = by_mp.get(product.get("marketplace", ""))
        for i in range(5):
            window[i] += sums[i]
            if mp is not None:
                mp[i] += sums[i]
        t = product.get("totals", {})
        for i, name in enumerate(("views", "clicks", "orders", "units", "revenue")):
            totals[i] += t.get(name, 0)
        if int(product.get("stock", 0)) <= low_stock_threshold:
            low_stock += 1

    def block(v: list[float]) -> dict[str, Any]:
        return {
            "views": int(v[0]),
            "clicks": int(v[1]),
            "purchases": int(v[2]),
            "units": int(v[3]),
            "revenue": round(v[4], 2),
            **_ratios(v[0], v[1], v[2], v[4]),
        }

    return {
        "as_of": now.isoformat(),
        "mode": mode,
        "window": f"{WINDOW_HOURS}h",
        "kpis": {**block(window), "low_stock": low_stock, "products": count},
        "totals": {**block(totals), "low_stock": low_stock, "products": count},
        "by_marketplace": {
            mp: {
                "views": int(v[0]),
                "clicks": int(v[1]),
                "purchases": int(v[2]),
                "revenue": round(v[4], 2),
            }
            for mp, v in by_mp.items()
        },
    }


def series(store: Store, now: datetime, range_: str) -> dict[str, Any]:
    """Per-minute points for the last hour or per-hour points for the last day."""
    if range_ == "hour":
        step, n, fmt = timedelta(minutes=1), 60, 16  # "YYYY-MM-DDTHH:MM"
    else:
        step, n, fmt = timedelta(hours=1), 24, 13  # "YYYY-MM-DDTHH"
    end = now.replace(second=0, microsecond=0)
    if range_ != "hour":
        end = end.replace(minute=0)
    start = end - step * (n - 1)
    points: dict[str, dict[str, Any]] = {}
    for i in range(n):
        t = start + step * i
        points[t.isoformat()[:fmt]] = {
            "t": t.isoformat(),
            **{
                mp: {"views": 0, "clicks": 0, "purchases": 0, "revenue": 0.0} for mp in MARKETPLACES
            },
        }
    rows = store.query(
        "events",
        "SELECT c.occurred_at, c.marketplace, c.views, c.clicks, c.orders, c.revenue "
        "FROM c WHERE c.occurred_at >= @start",
        [("@start", start.isoformat())],
    )
    for row in rows:
        point = points.get(str(row["occurred_at"])[:fmt])
        if point is None or row.get("marketplace") not in MARKETPLACES:
            continue
        slot = point[row["marketplace"]]
        slot["views"] += row.get("views", 0)
        slot["clicks"] += row.get("clicks", 0)
        slot["purchases"] += row.get("orders", 0)
        slot["revenue"] = round(slot["revenue"] + row.get("revenue", 0.0), 2)
    return {
        "range": range_,
        "step": "minute" if range_ == "hour" else "hour",
        "points": list(points.values()),
    }
