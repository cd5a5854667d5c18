"""KPIs from the product projections (never a scan of the event log).

Window KPIs are sums of the products' hourly buckets over the last 24 hours, totals the sums
of their all-time counters. The per-minute chart series is the one place that reads events:
only those of the last hour (or day, per hour), through the ``occurred_at`` range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.core import signals
from shared.core.records import COUNTERS, MARKETPLACES, hour_key
from shared.projection.windows import window_counts

WINDOW_HOURS = 24
DAY_WINDOW = 1  # window_counts gives 1 h, 24 h and 7 d


# IST days the snapshot lists (the projection keeps each product's newest DAYS_KEPT).
DAYS_LISTED = 35

# One product's part of the KPIs: marketplace, stock (None: not catalogued yet, so unknown),
# 24 h window and all-time totals, each as [views, clicks, orders, units, revenue in paise]
# (integers, so adding and taking away parts never drifts); its sales per IST day and source
# (``sale_days`` keys with [units, paise]) and the newest day its rollup dropped ("" if none).
_Part = tuple[
    str, int | None, tuple[int, ...], tuple[int, ...], tuple[tuple[str, int, int], ...], str
]


def _as_ints(values: list[float]) -> tuple[int, ...]:
    return (*(int(v) for v in values[:4]), round(values[4] * 100))


class KpiAggregate:
    """Running KPI sums over a catalogue, updated product by product.

    A broadcast must not cost a pass over the catalogue: each changed product replaces its own
    part of the sums. The 24 h window ages with the clock, so when the UTC hour turns the parts
    are recomputed once (``rebase``), which is also what a cold start does.
    """

    def __init__(self, low_stock_threshold: int) -> None:
        self.low_stock_threshold = low_stock_threshold
        self._reset(None)

    def _reset(self, hour: str | None) -> None:
        self.hour = hour
        self._parts: dict[str, _Part] = {}
        self._window = [0] * 5
        self._totals = [0] * 5
        self._by_mp: dict[str, list[int]] = {mp: [0] * 5 for mp in MARKETPLACES}
        self._by_mp_totals: dict[str, list[int]] = {mp: [0] * 5 for mp in MARKETPLACES}
        self._low_stock = 0
        self._needs_details = 0
        self._days: dict[str, list[int]] = {}
        self._pruned: dict[str, int] = {}

    def rebase(self, products: Iterable[Mapping[str, Any]], now: datetime) -> None:
        """Recompute every part at ``now`` (cold start, and once each new UTC hour)."""
        self._reset(hour_key(now))
        self.update(products, now)

    def update(self, products: Iterable[Mapping[str, Any]], now: datetime) -> None:
        products = list(products)
        # The columnar window sums: one pass for the whole batch.
        windows = window_counts(products, now)[:, DAY_WINDOW, :]
        for product, window in zip(products, windows, strict=True):
            old = self._parts.pop(product["item_id"], None)
            if old is not None:
                self._apply(old, -1)
            if product.get("merged_into"):
                continue  # counted in the item it was merged into
            totals = product.get("totals", {})
            # A listing known only from its events still sold: its orders and revenue count.
            known = product.get("catalogued", True)
            part: _Part = (
                product.get("marketplace", ""),
                int(product.get("stock", 0)) if known else None,
                _as_ints(window.tolist()),
                _as_ints([float(totals.get(name, 0)) for name in COUNTERS]),
                tuple(
                    (key, int(units), round(float(revenue) * 100))
                    for key, (units, revenue) in (product.get("sale_days") or {}).items()
                ),
                product.get("sale_days_pruned") or "",
            )
            self._parts[product["item_id"]] = part
            self._apply(part, 1)

    def _apply(self, part: _Part, sign: int) -> None:
        marketplace, stock, window, totals, days, pruned = part
        for key, units, paise in days:
            entry = self._days.setdefault(key, [0, 0])
            entry[0] += sign * units
            entry[1] += sign * paise
            if entry == [0, 0]:
                del self._days[key]
        if pruned:
            self._pruned[pruned] = self._pruned.get(pruned, 0) + sign
            if not self._pruned[pruned]:
                del self._pruned[pruned]
        by_mp = self._by_mp.get(marketplace)
        by_mp_totals = self._by_mp_totals.get(marketplace)
        for i in range(5):
            self._window[i] += sign * window[i]
            self._totals[i] += sign * totals[i]
            if by_mp is not None and by_mp_totals is not None:
                by_mp[i] += sign * window[i]
                by_mp_totals[i] += sign * totals[i]
        if stock is None:
            self._needs_details += sign
        elif stock <= self.low_stock_threshold:
            self._low_stock += sign

    def snapshot(self, now: datetime, *, mode: str) -> dict[str, Any]:
        count = len(self._parts)
        extra = {
            "low_stock": self._low_stock,
            "products": count,
            "needs_details": self._needs_details,
        }
        return {
            "as_of": now.isoformat(),
            "mode": mode,
            "window": f"{WINDOW_HOURS}h",
            "kpis": {**_block(self._window, self._by_mp, mode), **extra},
            "totals": {**_block(self._totals, self._by_mp_totals, mode), **extra},
            "by_marketplace": {mp: _block(v, {mp: v}, mode) for mp, v in self._by_mp.items()},
            "days": self.days(),
            "days_whole_after": _iso(max(self._pruned)) if self._pruned else None,
            "signals": signals.table(mode),
        }

    def days(self, limit: int = DAYS_LISTED) -> dict[str, dict[str, Any]]:
        """Sales per IST day (``shared.core.sales``): units and revenue, in total and by source,
        for the newest ``limit`` days. A day at or before ``days_whole_after`` may miss the
        sales of products whose rollup no longer holds it."""
        out: dict[str, dict[str, Any]] = {}
        for key in sorted(self._days, reverse=True):
            day, source = key.split("|", 1)
            if _iso(day) not in out and len(out) == limit:
                continue
            units, paise = self._days[key]
            entry = out.setdefault(_iso(day), {"units": 0, "revenue": 0.0, "by_source": {}})
            entry["units"] += units
            entry["revenue"] = round(entry["revenue"] + paise / 100, 2)
            entry["by_source"][source] = {"units": units, "revenue": round(paise / 100, 2)}
        return dict(sorted(out.items()))


def _iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:8]}"


_INDEX = {name: i for i, name in enumerate(COUNTERS)}


def _block(v: list[int], by_mp: Mapping[str, list[int]], mode: str) -> dict[str, Any]:
    """Counts and ratios. A ratio is computed only over marketplaces that send its inputs
    (``shared.core.signals``); ``not_sent`` names the others, and a ratio no marketplace can
    give is None, never 0."""
    revenue = v[4] / 100
    out: dict[str, Any] = {
        "views": v[0],
        "clicks": v[1],
        "purchases": v[2],
        "units": v[3],
        "revenue": round(revenue, 2),
        "aov": round(revenue / v[2], 2) if v[2] else 0.0,
        "not_sent": {},
    }
    for name, basis in (("conversion_rate", signals.conversion_basis), ("ctr", signals.ctr_basis)):
        num = den = 0
        missing: list[str] = []
        bases: set[str] = set()
        for mp, counts in by_mp.items():
            found = basis(mp, mode)
            if found is None:
                missing.append(mp)
                continue
            bases.add("/".join(found))
            num += counts[_INDEX[found[0]]]
            den += counts[_INDEX[found[1]]]
        # Amazon's unit session percentage can pass 100% (several units in one session);
        # a share shown to a seller never does.
        out[name] = min(1.0, round(num / den, 4)) if bases and den else None
        if missing:
            out["not_sent"][name] = missing
        out[f"{name}_basis"] = sorted(bases)
    return out


def compute(
    products: Iterable[Mapping[str, Any]], now: datetime, *, low_stock_threshold: int, mode: str
) -> dict[str, Any]:
    """The KPIs of ``products`` at ``now`` in one go (what the aggregate keeps up to date)."""
    aggregate = KpiAggregate(low_stock_threshold)
    aggregate.rebase(products, now)
    return aggregate.snapshot(now, mode=mode)


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
