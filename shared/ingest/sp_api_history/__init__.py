"""A year of Amazon history from the Reports API, imported through the order-export path.

When Amazon is first connected (the first run of the SP-API timer with credentials) and when an
admin asks, ReSight requests Amazon's flat-file all-orders report for the last N days
(``SP_API_BACKFILL_DAYS``, default 365):

- Report type ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL``: "Tab-delimited flat file
  report that shows all orders that were placed in the specified period. For all sellers. Can
  be requested." (``references/reports-api/reporttype-values.md`` in amzn/selling-partner-api-docs
  at ae57d35672603a1a2e1b4c76da4c712b15aced44; its columns are the shipped
  ``amazon-all-orders`` preset, ``shared.ingest.bulk.presets``, from Amazon's "Order Tracking
  reports attributes"). By order date, not by last update: history is the orders placed in
  the period, and the catch-up covers what changed since.
- The period is asked for in chunks of ``CHUNK_DAYS``, one report each, so a year is a dozen
  modest files whose progress can be followed, and a failed chunk is asked for again alone.
- Each chunk: ``createReport`` -> ``getReport`` until ``DONE`` (``CANCELLED`` means no data in
  the period; ``FATAL`` fails the chunk) -> ``getReportDocument`` -> download (gunzipped when
  ``compressionAlgorithm`` is ``GZIP``) -> an import in the ``imports`` container with the
  preset, picked up by the import blob trigger (or its sweep): the Imports page shows its rows
  as they are written.

The report has no order item id: its lines are named by order and SKU, and notifications and
the catch-up take those ids when the report came first (``amazon.adopt_report_lines``), the
report takes theirs when they came first (the import's adoption), so nothing counts twice.

State: one document ``sp_api:backfill:<marketplace>`` in ``jobs`` (``sp_api_catchup.state``),
advanced a step per chunk by each timer run; nothing waits in between.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.adapters.sp_api import SpApiClient
from shared.core.errors import ReSightError
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.ingest.bulk import import_records, upload
from shared.ingest.sp_api_catchup import state

log = logging.getLogger("resight.sp_api")

PATH = "backfill"
REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
PRESET = "amazon-all-orders"
CHUNK_DAYS = 30
ACTOR = "sp-api backfill"
# Chunk statuses: pending -> requested -> importing -> imported | empty; failed (asked again
# when an admin requests the backfill again).
FINISHED = frozenset({"imported", "empty"})


def request(
    store: Store,
    settings: Settings,
    *,
    actor: str,
    days: int | None = None,
    now: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """Ask for the last ``days`` of history (the setting by default). A backfill still running
    is left as it is and returned."""
    days = days or settings.sp_api_backfill_days
    marketplace = settings.amazon_sp_api.marketplace_id
    end = now().replace(microsecond=0)
    start = end - timedelta(days=days)
    chunks = []
    cursor = start
    while cursor < end:
        upto = min(cursor + timedelta(days=CHUNK_DAYS), end)
        chunks.append({"start": cursor.isoformat(), "end": upto.isoformat(), "status": "pending"})
        cursor = upto

    def change(doc: dict[str, Any]) -> None:
        if doc.get("status") == "running":
            return
        doc.update(
            status="running",
            days=days,
            requested_at=end.isoformat(),
            requested_by=actor,
            finished_at=None,
            error=None,
            chunks=chunks,
        )

    return state.update(store, PATH, marketplace, change)


def advance(
    store: Store,
    blobs: BlobStore,
    settings: Settings,
    client: SpApiClient,
    *,
    now: Callable[[], datetime] = utcnow,
) -> dict[str, Any] | None:
    """One step for every chunk that can take one; the backfill's document. The first run with
    credentials and no backfill yet starts one (Amazon first connected)."""
    marketplace = settings.amazon_sp_api.marketplace_id
    doc = state.read(store, PATH, marketplace)
    if doc is None:
        doc = request(store, settings, actor="first connection", now=now)
    if doc.get("status") != "running":
        return doc
    chunks = [dict(c) for c in doc["chunks"]]
    error = None
    for chunk in chunks:
        try:
            _step(store, blobs, client, chunk)
        except ReSightError as exc:
            error = exc.message
            log.warning("sp-api backfill chunk %s: %s", chunk["start"], exc.message)
            break  # the rest waits for the next run (a throttled API stays throttled)
    failed = any(c["status"] == "failed" for c in chunks)
    finished = all(c["status"] in FINISHED or c["status"] == "failed" for c in chunks)
    stats = client.take_stats()

    def change(current: dict[str, Any]) -> None:
        current["chunks"] = chunks
        current["error"] = error
        current["last_run_at"] = now().isoformat()
        if finished:
            current["status"] = "failed" if failed else "done"
            current["finished_at"] = now().isoformat()
        current["operations"] = state.merge_operations(current.get("operations") or {}, stats)

    return state.update(store, PATH, marketplace, change)


def _step(store: Store, blobs: BlobStore, client: SpApiClient, chunk: dict[str, Any]) -> None:
    status = chunk["status"]
    if status == "pending":
        start = datetime.fromisoformat(chunk["start"])
        chunk["report_id"] = client.create_report(
            REPORT_TYPE, start, datetime.fromisoformat(chunk["end"])
        )
        chunk["status"] = "requested"
    elif status == "requested":
        report = client.get_report(chunk["report_id"])
        processing = report["processingStatus"]
        if processing == "CANCELLED":  # Amazon: no data in the period
            chunk["status"] = "empty"
        elif processing == "FATAL":
            chunk["status"], chunk["reason"] = "failed", "Amazon could not build the report"
        elif processing == "DONE":
            import_id = _import(store, blobs, client, report, chunk)
            if import_id is None:
                chunk["status"] = "empty"  # a header and no orders: nothing to import
            else:
                chunk["import_id"], chunk["status"] = import_id, "importing"
    elif status == "importing":
        record = import_records.get_or_none(store, chunk["import_id"]) or {}
        if record.get("status") == "imported":
            chunk["status"] = "imported"
            chunk["rows"] = (record.get("counts") or {}).get("rows")
        elif record.get("status") == "rejected":
            chunk["status"], chunk["reason"] = "failed", record.get("reason")


def _import(
    store: Store,
    blobs: BlobStore,
    client: SpApiClient,
    report: dict[str, Any],
    chunk: dict[str, Any],
) -> str | None:
    """The chunk's report imported with the preset: the import's id; None for no orders."""
    document = client.get_report_document(report["reportDocumentId"])
    name = f"amazon-all-orders-{chunk['start'][:10]}-{chunk['end'][:10]}.txt"
    with tempfile.TemporaryDirectory() as folder:
        path = client.download(document, Path(folder) / name)
        if not _has_lines(path):
            return None
        record = upload.receive_file(store, blobs, path, name=name, preset=PRESET, actor=ACTOR)
    return str(record["id"])


def _has_lines(path: Path) -> bool:
    """A line after the header: read until one is found, never the whole report at once."""
    with path.open("rb") as handle:
        lines = (line for line in handle if line.strip())
        return next(lines, None) is not None and next(lines, None) is not None


def progress(doc: dict[str, Any] | None, store: Store) -> dict[str, Any] | None:
    """The backfill as the Stores page shows it: chunks by status, rows imported so far
    (counting the imports still running), what failed and why."""
    if doc is None:
        return None
    chunks = doc.get("chunks") or []
    by_status: dict[str, int] = {}
    rows_done = 0
    for chunk in chunks:
        by_status[chunk["status"]] = by_status.get(chunk["status"], 0) + 1
        if chunk["status"] == "imported":
            rows_done += int(chunk.get("rows") or 0)
        elif chunk["status"] == "importing":
            record = import_records.get_or_none(store, chunk["import_id"]) or {}
            rows_done += int((record.get("progress") or {}).get("rows_done") or 0)
    return {
        "status": doc.get("status"),
        "days": doc.get("days"),
        "requested_at": doc.get("requested_at"),
        "requested_by": doc.get("requested_by"),
        "finished_at": doc.get("finished_at"),
        "chunks_total": len(chunks),
        "chunks": by_status,
        "rows_imported": rows_done,
        "error": doc.get("error"),
        "failed": [
            {"start": c["start"], "end": c["end"], "reason": c.get("reason")}
            for c in chunks
            if c["status"] == "failed"
        ],
        "import_ids": [c["import_id"] for c in chunks if c.get("import_id")],
    }
