"""Export from Cosmos to bronze: the change feed's batches and the daily job's whole days.

Both are idempotent. A feed batch is written under a name derived from the ids it holds, so a
redelivered batch overwrites its own file; the same event in two batches is removed in silver
(deduplicated by id). The daily export rewrites a whole UTC day from the event log and removes
that day's feed files, so re-running a day replaces its partition and never duplicates.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.analytics import bronze
from shared.analytics.lake import BRONZE, parquet_bytes, partition, replace_partition
from shared.core.records import MARKETPLACES

DAILY_FILE = "part-0.parquet"


def day_of(doc: Mapping[str, Any]) -> date:
    moment = bronze.when(doc["occurred_at"])
    assert moment is not None
    return moment.date()


def export_feed_batch(lake: BlobStore, docs: Iterable[Mapping[str, Any]]) -> list[str]:
    """Write a change-feed batch to bronze, one file per UTC day it touches."""
    by_day: dict[date, list[Mapping[str, Any]]] = defaultdict(list)
    for doc in docs:
        if doc.get("occurred_at") and doc.get("kind"):
            by_day[day_of(doc)].append(doc)
    written = []
    for day, rows in sorted(by_day.items()):
        digest = hashlib.sha256("\n".join(sorted(str(r["id"]) for r in rows)).encode())
        prefix = partition(BRONZE, "events", date=day.isoformat())
        name = f"{prefix}/feed-{digest.hexdigest()[:24]}.parquet"
        lake.put(name, parquet_bytes(bronze.events_table(rows)))
        written.append(name)
    return written


def day_events(store: Store, day: date) -> list[dict[str, Any]]:
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1)
    return list(
        store.query(
            "events",
            "SELECT * FROM c WHERE c.occurred_at >= @start AND c.occurred_at < @end",
            [("@start", _stamp(start)), ("@end", _stamp(end))],
        )
    )


def export_day(store: Store, lake: BlobStore, day: date) -> int:
    """Rewrite bronze ``events/date=<day>`` from the event log; returns the events written."""
    docs = day_events(store, day)
    prefix = partition(BRONZE, "events", date=day.isoformat())
    replace_partition(lake, prefix, {DAILY_FILE: parquet_bytes(bronze.events_table(docs))})
    return len(docs)


# Consecutive days read from the event log in one query (a backfill of a year is ~53 queries).
DAYS_PER_QUERY = 7


def export_days(store: Store, lake: BlobStore, days: Iterable[date]) -> dict[str, int]:
    """``export_day`` for many days: consecutive days in one query each, every day written
    (an empty day too, which removes what its partition held)."""
    out: dict[str, int] = {}
    wanted = sorted(set(days))
    i = 0
    while i < len(wanted):
        run = [wanted[i]]
        while (
            i + len(run) < len(wanted)
            and len(run) < DAYS_PER_QUERY
            and wanted[i + len(run)] == run[-1] + timedelta(days=1)
        ):
            run.append(wanted[i + len(run)])
        start = datetime.combine(run[0], time(), UTC)
        end = datetime.combine(run[-1], time(), UTC) + timedelta(days=1)
        by_day: dict[date, list[dict[str, Any]]] = {d: [] for d in run}
        for doc in store.query(
            "events",
            "SELECT * FROM c WHERE c.occurred_at >= @start AND c.occurred_at < @end",
            [("@start", _stamp(start)), ("@end", _stamp(end))],
        ):
            by_day.setdefault(day_of(doc), []).append(doc)
        for day in run:
            docs = by_day.pop(day)
            prefix = partition(BRONZE, "events", date=day.isoformat())
            table = bronze.events_table(docs)
            replace_partition(lake, prefix, {DAILY_FILE: parquet_bytes(table)})
            out[day.isoformat()] = len(docs)
        i += len(run)
    return out


def export_snapshots(store: Store, lake: BlobStore, now: datetime) -> int:
    """Today's products and stores (rewritten while the day lasts, then kept as history)."""
    products = list(store.query("products", "SELECT * FROM c"))
    locations = list(store.query("locations", "SELECT * FROM c"))
    day = now.astimezone(UTC).date().isoformat()
    replace_partition(
        lake,
        partition(BRONZE, "products", date=day),
        {DAILY_FILE: parquet_bytes(bronze.products_table(products, now))},
    )
    replace_partition(
        lake,
        partition(BRONZE, "stores", date=day),
        {DAILY_FILE: parquet_bytes(bronze.stores_table(MARKETPLACES, locations, now))},
    )
    return len(products)


def _stamp(moment: datetime) -> str:
    # Events store ISO times with a Z; comparing strings is exact for the same format.
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
