"""The lake job: export, silver, gold, keyed by its run date (a Dagster-style partition).

Each step rewrites only its own output: a day's bronze and silver partitions, today's
snapshots, the gold tables. Running it twice gives the same lake. The ledger
``_runs/date=<day>.json`` says which steps finished and what they wrote; the timer runs it
hourly and it re-exports the last ``LAKE_LOOKBACK_DAYS`` days, which picks up late events.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.analytics import build, duck, export
from shared.analytics.kpis import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import FITTED, LakeEmpty, Warehouse
from shared.core.settings import Settings

LEDGER = "_runs"


def run(
    store: Store, settings: Settings, now: datetime, days: list[date] | None = None
) -> dict[str, Any]:
    lake = lake_store(settings)
    today = now.astimezone(UTC).date()
    days = days or [today - timedelta(days=i) for i in range(settings.lake_lookback_days)]
    started = time.perf_counter()
    ledger: dict[str, Any] = {"run_date": today.isoformat(), "days": [d.isoformat() for d in days]}
    ledger["bronze_events"] = {d.isoformat(): export.export_day(store, lake, d) for d in days}
    ledger["bronze_products"] = export.export_snapshots(store, lake, now)
    con = duck.connect()
    try:
        duck.attach_lake(con, settings)
        ledger["silver_events"] = {
            d.isoformat(): build.build_silver_day(con, lake, settings, d) for d in days
        }
        ledger["gold"] = build.build_gold(con, lake, settings)
    finally:
        con.close()
    ledger["models"] = fit_models(lake, settings)
    ledger["seconds"] = round(time.perf_counter() - started, 3)
    ledger["finished_at"] = now.isoformat()
    lake.put(f"{LEDGER}/date={today.isoformat()}.json", json.dumps(ledger, indent=1))
    lake.put(f"{LEDGER}/latest.json", json.dumps(ledger, indent=1))
    return ledger


def fit_models(lake: BlobStore, settings: Settings) -> dict[str, Any]:
    """Fit the default basket rules and CLV on the gold just written, for the API to load with
    the tables (``Warehouse.load``): fitting takes seconds at scale, a request must not."""
    started = time.perf_counter()
    try:
        warehouse = Warehouse.load(settings, lake, version="fit", fitted=False)
    except LakeEmpty as exc:
        return {"skipped": str(exc)}
    try:
        Kpis(warehouse, timeout=600, max_rows=settings.query_max_rows).fit_models()
        lake.put(FITTED, json.dumps(warehouse.fitted(), default=str))
    finally:
        warehouse.close()
    return {"written": FITTED, "seconds": round(time.perf_counter() - started, 3)}
