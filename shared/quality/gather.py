"""What the checks read, gathered in a few queries: events of the last 31 days (only the kinds
that matter and only the fields used), the products' stock, and the imports of the last day.

Days are the seller's (``IMPORT_TIMEZONE``, India by default), as the files name them: a count
dated 2026-12-07 (midnight in India, 18:30 UTC the day before) is a count of 7 December.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.adapters.cosmos import Store
from shared.core.records import MARKETPLACES, PRICE_SOURCES
from shared.ingest.bulk.schemas import CSV_KINDS
from shared.projection.fold import as_datetime
from shared.quality.checks import Inputs

HISTORY_DAYS = 31
FILE_KINDS = (*CSV_KINDS, "daily_update")


def gather(store: Store, day: date, now: datetime, timezone: str) -> Inputs:
    zone = ZoneInfo(timezone)
    since = datetime.combine(day - timedelta(days=HISTORY_DAYS), datetime.min.time(), zone)
    kinds = ["sales", "order", "cancel", "stock", *sorted(PRICE_SOURCES)]
    events = store.query(
        "events",
        "SELECT c.item_id, c.kind, c.occurred_at, c.units, c.price, c.stock_set, c.location_id, "
        "c.source FROM c WHERE c.occurred_at >= @since AND ARRAY_CONTAINS(@kinds, c.kind)",
        [("@since", since.isoformat()), ("@kinds", kinds)],
    )
    counts_by_pair: dict[tuple[str, str], set[date]] = defaultdict(set)
    daily_units: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    # item -> day -> location -> (time, count): the last count of each location per day
    located: dict[str, dict[date, dict[str, tuple[str, int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    prices_at: dict[tuple[str, str], set[float]] = defaultdict(set)
    for e in events:
        at = as_datetime(e["occurred_at"])
        on = at.astimezone(zone).date()
        if e["kind"] in ("sales", "order", "cancel") and e.get("units"):
            daily_units[e["item_id"]][on] += float(e["units"])
        if e["kind"] == "stock" and e.get("location_id") and e.get("stock_set") is not None:
            counts_by_pair[(e["item_id"], e["location_id"])].add(on)
            slot = located[e["item_id"]][on]
            stamp = at.isoformat()
            if e["location_id"] not in slot or slot[e["location_id"]][0] < stamp:
                slot[e["location_id"]] = (stamp, int(e["stock_set"]))
        if e["kind"] in PRICE_SOURCES and e.get("price") and on == day:
            prices_at[(e["item_id"], at.isoformat())].add(float(e["price"]))
    daily_stock = {
        item: {d: sum(v for _, v in locs.values()) for d, locs in by_day.items()}
        for item, by_day in located.items()
    }
    products = {
        p["item_id"]: p
        for p in store.query(
            "products",
            "SELECT c.item_id, c.stock_raw, c.stock_locations FROM c "
            "WHERE NOT IS_DEFINED(c.merged_into)",
        )
    }
    return Inputs(
        day=day,
        now=now,
        counts_by_pair=dict(counts_by_pair),
        last_seen=_last_seen(store),
        imported_rows=_imported_rows(store, now),
        daily_units={k: dict(v) for k, v in daily_units.items()},
        daily_stock=daily_stock,
        products=products,
        prices_at=dict(prices_at),
    )


def _last_seen(store: Store) -> dict[str, datetime | None]:
    seen: dict[str, datetime | None] = {}
    for marketplace in MARKETPLACES:
        rows = list(
            store.query(
                "events",
                "SELECT TOP 1 c.received_at FROM c WHERE c.marketplace = @m "
                "AND c.source IN ('webhook', 'mock') ORDER BY c.received_at DESC",
                [("@m", marketplace)],
            )
        )
        seen[marketplace] = as_datetime(rows[0]["received_at"]) if rows else None
    for kind in FILE_KINDS:
        rows = list(
            store.query(
                "imports",
                "SELECT TOP 1 c.finished_at FROM c WHERE c.kind = @k AND c.status = 'imported' "
                "ORDER BY c.finished_at DESC",
                [("@k", kind)],
            )
        )
        seen[f"file:{kind}"] = as_datetime(rows[0]["finished_at"]) if rows else None
    return seen


def _imported_rows(store: Store, now: datetime) -> list[tuple[int, int]]:
    rows = store.query(
        "imports",
        "SELECT c.counts FROM c WHERE c.finished_at >= @since AND IS_DEFINED(c.counts.rows)",
        [("@since", (now - timedelta(hours=24)).isoformat())],
    )
    return [(int(r["counts"]["rows"]), int(r["counts"].get("valid", 0))) for r in rows]
