"""The lake job: the dirty days, then export, silver, gold, models and the reconciliation.

Dirty days, not a lookback window: the job asks the event log for every event written since
its last run (``_ts`` past its watermark, ``_runs/watermark.json``), whatever its own time, and
rebuilds exactly the days those events fall in: the IST days of their sales (what the ledger
records) and the UTC day partitions of bronze and silver that hold them. Gold is rebuilt from
silver, so a backfill of last year's orders is in Analytics after one run. Each step rewrites
only its own output (a day's bronze and silver partitions, today's snapshots, the gold tables);
running it twice gives the same lake, and a run that fails keeps the old watermark, so the next
run rebuilds the same days again.

After gold, the reconciliation check compares the live figures with the lake's for every IST
day (``shared.analytics.reconcile``) and is stored as a data-quality run. The run is recorded
in the lake (``_runs/date=<day>.json``, ``_runs/latest.json``) and in the job ledger
(``shared.jobs.lake_runs``, passed in as ``record``: the days rebuilt).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.analytics import build, duck, export, reconcile
from shared.analytics.kpi_queries import Kpis
from shared.analytics.lake import lake_store
from shared.analytics.warehouse import FITTED, Warehouse
from shared.core import sales
from shared.core.errors import LakeEmpty, NotFound, ReSightError
from shared.core.settings import Settings

log = logging.getLogger("resight.lake")
LEDGER = "_runs"
# Logs a finished run (store, when, the run's ledger) beside the other jobs' runs.
RunRecorder = Callable[[Store, datetime, dict[str, Any]], Any]
WATERMARK = f"{LEDGER}/watermark.json"


@dataclass
class Dirty:
    """What changed since the watermark: the UTC partitions and IST days to rebuild, and the
    watermark after them (the newest ``_ts`` seen and the ids written in that second)."""

    partitions: set[date] = field(default_factory=set)
    ist_days: set[date] = field(default_factory=set)
    events: int = 0
    ts: int = 0
    ids: set[str] = field(default_factory=set)


def read_watermark(lake: BlobStore) -> dict[str, Any]:
    with contextlib.suppress(NotFound):
        return dict(json.loads(lake.get_text(WATERMARK).text))
    return {"ts": 0, "ids": []}


def dirty_days(rows: Iterable[Mapping[str, Any]], mark: Mapping[str, Any]) -> Dirty:
    """The days the events written since ``mark`` fall in, from their own time (pure)."""
    seen = set(mark.get("ids") or [])
    since = int(mark.get("ts") or 0)
    out = Dirty(ts=since, ids=set(seen))
    for row in rows:
        ts = int(row.get("_ts") or 0)
        if ts < since or (ts == since and row["id"] in seen):
            continue
        if not row.get("occurred_at"):
            continue
        out.events += 1
        moment = sales.as_utc(row["occurred_at"])
        out.partitions.add(moment.date())
        hours = row.get("hourly") or {}
        moments = [sales.hour_start(k) for k in hours] if hours else [moment]
        out.ist_days.update(sales.ist_day(m) for m in moments)
        if ts > out.ts:
            out.ts, out.ids = ts, set()
        if ts == out.ts:
            out.ids.add(str(row["id"]))
    return out


def changed(store: Store, mark: Mapping[str, Any]) -> Dirty:
    rows = store.query(
        "events",
        "SELECT c.id, c.occurred_at, c.hourly, c._ts FROM c WHERE c._ts >= @ts",
        [("@ts", int(mark.get("ts") or 0))],
    )
    return dirty_days(rows, mark)


def run(
    store: Store,
    settings: Settings,
    now: datetime,
    days: list[date] | None = None,
    *,
    lake: BlobStore | None = None,
    record: RunRecorder | None = None,
) -> dict[str, Any]:
    """One lake run. ``days``: rebuild these UTC partitions as well (a manual re-run).
    ``record``: where the finished run is logged beside the other jobs' runs (the function app
    passes ``shared.jobs.lake_runs.record``; the job ledger sits above the lake)."""
    lake = lake or lake_store(settings)
    today = now.astimezone(UTC).date()
    started = time.perf_counter()
    mark = read_watermark(lake)
    dirty = changed(store, mark)
    partitions = sorted(dirty.partitions | set(days or []))
    ledger: dict[str, Any] = {
        "run_date": today.isoformat(),
        "changed_events": dirty.events,
        "dirty_ist_days": [d.isoformat() for d in sorted(dirty.ist_days)],
        "days": [d.isoformat() for d in partitions],
    }
    ledger["bronze_events"] = export.export_days(store, lake, partitions)
    ledger["bronze_products"] = export.export_snapshots(store, lake, now)
    ledger["export_seconds"] = round(time.perf_counter() - started, 3)
    con = duck.connect()
    try:
        duck.attach_lake(con, settings)
        ledger["silver_events"] = {
            d.isoformat(): build.build_silver_day(con, lake, settings, d) for d in partitions
        }
        gold_started = time.perf_counter()
        ledger["gold"] = build.build_gold(con, lake, settings)
        ledger["gold_seconds"] = round(time.perf_counter() - gold_started, 3)
    finally:
        con.close()
    ledger["models"] = fit_models(lake, settings, store, now, ledger)
    ledger["seconds"] = round(time.perf_counter() - started, 3)
    ledger["finished_at"] = now.isoformat()
    lake.put(f"{LEDGER}/date={today.isoformat()}.json", json.dumps(ledger, indent=1))
    lake.put(f"{LEDGER}/latest.json", json.dumps(ledger, indent=1))
    # Only now: a run that failed before this point rebuilds the same days next time.
    lake.put(WATERMARK, json.dumps({"ts": dirty.ts, "ids": sorted(dirty.ids)}))
    try:
        if record is not None:
            record(store, now, ledger)
    except ReSightError:  # the lake is written; the ledger entry is the record of it
        log.warning("could not record the lake run in the job ledger", exc_info=True)
    return ledger


def fit_models(
    lake: BlobStore,
    settings: Settings,
    store: Store | None = None,
    now: datetime | None = None,
    ledger: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit the default basket rules and CLV on the gold just written, for the API to load with
    the tables (``Warehouse.load``): fitting takes seconds at scale, a request must not. With
    ``store``, the reconciliation check runs on the same loaded gold (into ``ledger``)."""
    started = time.perf_counter()
    try:
        warehouse = Warehouse.load(settings, lake, version="fit", fitted=False)
    except LakeEmpty as exc:
        return {"skipped": str(exc)}
    try:
        kpis = Kpis(warehouse, timeout=600, max_rows=settings.query_max_rows)
        kpis.fit_models()
        lake.put(FITTED, json.dumps(warehouse.fitted(), default=str))
        if store is not None and ledger is not None:
            result = reconcile.check(store, kpis)
            ledger["reconciliation"] = {"status": result.status, **result.details}
            reconcile.record(store, result, now or datetime.now(UTC))
    finally:
        warehouse.close()
    return {"written": FITTED, "seconds": round(time.perf_counter() - started, 3)}
