"""The checks, as named rules with a threshold and a severity, in the style of Soda
(``missing_count(x) = 0``, ``freshness(ts) < 1d``). Pure functions over ``Inputs``: the data
is gathered once (``gather``), so each rule is a few lines and tested without a database.

A check passes, fails (its severity then counts) or is skipped (no data to judge yet).
Severities: ``critical`` (shown on the Overview), ``warning``, ``info`` (anomalies: worth a
look, never a failure of the data).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

SAMPLES = 20  # offending items listed per check


@dataclass
class Inputs:
    day: date  # the seller's day (IMPORT_TIMEZONE) the run judges; every day below is one too
    now: datetime
    # (item, location) -> set of days with a count, from inventory files (last 31 days)
    counts_by_pair: dict[tuple[str, str], set[date]]
    # source name ("amazon", "file:sales", ...) -> newest data time
    last_seen: dict[str, datetime | None]
    # import files finished in the window: (rows, valid)
    imported_rows: list[tuple[int, int]]
    # item -> day -> units sold (sales and orders), last 31 days
    daily_units: dict[str, dict[date, float]]
    # item -> day -> total counted stock (sum of each location's last count of that day)
    daily_stock: dict[str, dict[date, int]]
    # products: item -> {stock_raw, stock_locations}
    products: dict[str, dict[str, Any]]
    # (item, occurred_at) -> distinct prices from price sources on the day
    prices_at: dict[tuple[str, str], set[float]]


@dataclass
class Check:
    name: str
    category: str
    rule: str
    severity: str
    status: str  # pass | fail | skipped
    value: float | None
    threshold: float | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _result(name, category, rule, severity, failed, value, threshold, **details) -> Check:
    return Check(
        name,
        category,
        rule,
        severity,
        "fail" if failed else "pass",
        value,
        threshold,
        details,
    )


def _skipped(name, category, rule, severity, threshold, reason) -> Check:
    return Check(name, category, rule, severity, "skipped", None, threshold, {"reason": reason})


def completeness(i: Inputs) -> Check:
    """Of the product-locations counted in the week before, the share that reported for the
    day the latest inventory file covers (the newest counted day up to the run's day, in the
    seller's time zone). A day no file has covered yet is not a day of missing counts (late
    files are ``timeliness``'s to flag), and a row counts for the seller's day it names."""
    rule, name = "reported_share(product, location) >= 0.9", "completeness"
    counted = {d for days in i.counts_by_pair.values() for d in days if d <= i.day}
    if not counted:
        return _skipped(name, "completeness", rule, "critical", 0.9, "no inventory files yet")
    covered = max(counted)
    expected = {
        pair
        for pair, days in i.counts_by_pair.items()
        if any(covered - timedelta(days=7) <= d <= covered for d in days)
    }
    missing = sorted(p for p in expected if covered not in i.counts_by_pair[p])
    share = round(1 - len(missing) / len(expected), 4)
    return _result(
        name,
        "completeness",
        rule,
        "critical",
        share < 0.9,
        share,
        0.9,
        day=covered.isoformat(),
        expected=len(expected),
        reported=len(expected) - len(missing),
        missing=[f"{item}@{loc}" for item, loc in missing[:SAMPLES]],
    )


def timeliness(i: Inputs) -> list[Check]:
    """Hours since the newest data, per source (each marketplace, each file kind)."""
    out = []
    for source, seen in sorted(i.last_seen.items()):
        name, rule = f"timeliness:{source}", f"hours_since_data({source}) <= 24"
        if seen is None:
            out.append(_skipped(name, "timeliness", rule, "warning", 24, "no data yet"))
            continue
        hours = round((i.now - seen).total_seconds() / 3600, 2)
        out.append(
            _result(
                name, "timeliness", rule, "warning", hours > 24, hours, 24, last=seen.isoformat()
            )
        )
    return out


def accuracy(i: Inputs) -> Check:
    rule = "valid_rows / rows >= 0.95 (imports of the last 24 h)"
    rows = sum(r for r, _ in i.imported_rows)
    if not rows:
        return _skipped("accuracy", "accuracy", rule, "warning", 0.95, "no rows imported")
    valid = sum(v for _, v in i.imported_rows)
    share = round(valid / rows, 4)
    return _result(
        "accuracy",
        "accuracy",
        rule,
        "warning",
        share < 0.95,
        share,
        0.95,
        rows=rows,
        valid=valid,
        files=len(i.imported_rows),
    )


def sales_without_stock_movement(i: Inputs) -> Check:
    """Units sold on the day, but the counted stock did not fall from the day before."""
    day, before = i.day, i.day - timedelta(days=1)
    found = []
    for item, by_day in i.daily_units.items():
        sold = by_day.get(day, 0)
        stock = i.daily_stock.get(item, {})
        if sold > 0 and day in stock and before in stock and stock[day] >= stock[before]:
            found.append(item)
    return _count(
        "sales_without_stock_movement",
        "count(sold on the day and counted stock not lower than the day before) = 0",
        sorted(found),
    )


def reserved_above_stock(i: Inputs) -> Check:
    found = [
        f"{item}@{loc}"
        for item, p in i.products.items()
        for loc, c in (p.get("stock_locations") or {}).items()
        if c.get("reserved", 0) > c.get("value", 0)
    ]
    return _count("reserved_above_stock", "count(reserved_stock > stock_level) = 0", sorted(found))


def negative_derived_stock(i: Inputs) -> Check:
    found = [item for item, p in i.products.items() if (p.get("stock_raw") or 0) < 0]
    return _count("negative_derived_stock", "count(count + moves since < 0) = 0", sorted(found))


def conflicting_prices(i: Inputs) -> Check:
    found = sorted({item for (item, at), prices in i.prices_at.items() if len(prices) > 1})
    return _count(
        "conflicting_prices", "count(product with two prices at one moment of the day) = 0", found
    )


def _count(name: str, rule: str, found: list[str]) -> Check:
    return _result(
        name,
        "consistency",
        rule,
        "warning",
        bool(found),
        float(len(found)),
        0,
        items=found[:SAMPLES],
    )


def anomalies(i: Inputs) -> Check:
    """Daily units more than 2 standard deviations from the product's previous 30 days."""
    rule = "abs(units(day) - mean_30d) <= 2 * stdev_30d"
    found: list[dict[str, Any]] = []
    for item, by_day in i.daily_units.items():
        history = [by_day.get(i.day - timedelta(days=n), 0.0) for n in range(1, 31)]
        if sum(1 for h in history if h) < 7:
            continue  # too little history to call anything unusual
        mean = statistics.fmean(history)
        spread = statistics.pstdev(history)
        today = by_day.get(i.day, 0.0)
        if spread > 0 and abs(today - mean) > 2 * spread:
            found.append(
                {
                    "item_id": item,
                    "units": today,
                    "mean": round(mean, 2),
                    "z": round((today - mean) / spread, 2),
                }
            )
    found.sort(key=lambda f: -abs(float(f["z"])))
    return Check(
        "sales_anomalies",
        "anomalies",
        rule,
        "info",
        "fail" if found else "pass",
        float(len(found)),
        0,
        {"items": found[:SAMPLES]},
    )


def run_all(i: Inputs) -> list[Check]:
    return [
        completeness(i),
        *timeliness(i),
        accuracy(i),
        sales_without_stock_movement(i),
        reserved_above_stock(i),
        negative_derived_stock(i),
        conflicting_prices(i),
        anomalies(i),
    ]


def summary(checks: list[Check]) -> dict[str, Any]:
    failed: dict[str, int] = defaultdict(int)
    for c in checks:
        if c.status == "fail":
            failed[c.severity] += 1
    status = "critical" if failed["critical"] else "warning" if failed["warning"] else "ok"
    return {
        "status": status,
        "failed": {s: failed[s] for s in ("critical", "warning", "info")},
        "checks": len(checks),
    }
