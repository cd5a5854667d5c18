"""The daily_update workbook import: sheets -> validation -> locations, catalogue, events.

Sheets are matched by name (``files.workbook_sheets``), each validated with its own schema;
row errors name the sheet (``inventory.quantity``). Then shops, catalogue fields (with images
from the file or already stored) and per-store stock and price events (``catalogue``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from shared.adapters.blob import BlobInfo, BlobStore
from shared.adapters.cosmos import Store
from shared.core.errors import ImportRejected, MissingColumns
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.ingest.bulk import catalogue, files, images, import_records, writer
from shared.ingest.bulk.outcome import ErrorSink, marketplaces, strict_failure
from shared.ingest.bulk.schemas import SHEETS
from shared.ingest.bulk.validate import RowError, check_columns, validate


def run(
    store: Store,
    blobs: BlobStore,
    path: Path,
    doc: dict[str, Any],
    info: BlobInfo,
    settings: Settings,
    sink: ErrorSink,
) -> dict[str, Any]:
    import_records.update(store, doc["id"], kind="daily_update")
    sheets = files.workbook_sheets(path, settings.workbook_sheet_aliases)
    total = sum(len(f) for f in sheets.values())
    progress = import_records.Progress(store, doc["id"], total, "validating")
    progress.flush()
    valid: dict[str, pd.DataFrame] = {}
    for sheet, frame in sheets.items():
        kind = SHEETS[sheet]
        try:
            check_columns(kind, list(frame.columns))
        except MissingColumns as exc:
            raise ImportRejected(f"sheet {sheet}: {exc}") from exc
        good, bad = validate(kind, frame.reset_index(drop=True), 2)
        sink.add([RowError(e.row, f"{sheet}.{e.column}", e.value, e.rule) for e in bad])
        valid[sheet] = good
    sink.close()
    counts: dict[str, Any] = {"rows": total, "valid": total - sink.count, "invalid": sink.count}
    if sink.count and doc["strict"]:
        raise strict_failure(counts, sink)
    progress.done, progress.phase = sink.count, "writing"
    marketplace_of = marketplaces(store, settings)
    result = catalogue.CatalogueCounts()
    pictures = _pictures(path, valid, blobs)
    known = images.stored(blobs)
    if "stores" in valid:
        catalogue.upsert_locations(store, valid["stores"], result)
        progress.advance(len(valid["stores"]))
    products = valid.get("products", pd.DataFrame())
    resolve = _resolver(store, products)
    inventory = valid.get("inventory")
    prices = catalogue.current_prices(inventory, resolve) if inventory is not None else {}
    fields: dict[str, dict[str, Any]] = {}
    if len(products):
        fields.update(catalogue.product_fields(products, pictures.get("products", {})))
    if "daily_update" in valid:
        by_style: dict[str, list[str]] = {}
        for item_id, style in _styles(store, fields).items():
            by_style.setdefault(style, []).append(item_id)
        for item_id, extra in catalogue.style_fields(
            valid["daily_update"], by_style, pictures.get("daily_update", {})
        ).items():
            fields.setdefault(item_id, {}).update(extra)
    for item_id, item_fields in fields.items():
        if not item_fields.get("image"):
            key = next(
                (
                    k
                    for k in (item_fields.get("style_code"), item_fields.get("barcode"), item_id)
                    if k in known
                ),
                None,
            )
            if key:
                item_fields["image"] = known[key]
    catalogue.upsert_products(store, fields, prices, marketplace_of, result)
    progress.advance(len(products) + len(valid.get("daily_update", [])))
    written = writer.Written()
    if inventory is not None and len(inventory):
        received = utcnow()
        planned = catalogue.stock_events(
            inventory, resolve, marketplace_of, info.last_modified, received, result
        )
        written = writer.append_all(store, planned, on_rows=lambda n: progress.advance(n))
    counts.update(
        events_new=written.created,
        events_duplicate=written.duplicates,
        locations=result.locations,
        products_created=result.created,
        products_updated=result.updated,
        products_unchanged=result.unchanged,
        images=sum(len(v) for v in pictures.values()),
    )
    return {
        "status": "imported",
        "reason": None,
        "kind": "daily_update",
        "counts": counts,
        "errors_sample": sink.sample,
        "progress": {"phase": "done", "rows_done": total, "rows_total": total},
    }


def _pictures(
    path: Path, valid: dict[str, pd.DataFrame], blobs: BlobStore
) -> dict[str, dict[int, str]]:
    if not images.has_pictures(path):
        return {}
    out: dict[str, dict[int, str]] = {}
    for sheet in ("products", "daily_update"):
        if sheet in valid:
            frame = valid[sheet]
            keys = frame["style_code"].tolist() if "style_code" in frame else []
            out[sheet] = images.extract(path, sheet, keys, blobs)
    return out


def _resolver(store: Store, products: pd.DataFrame) -> dict[str, str]:
    """What an inventory row's ``product_id`` may name: a product's id, barcode or style."""
    resolve: dict[str, str] = {}
    for row in store.query(
        "products",
        "SELECT c.item_id, c.barcode, c.style_code FROM c WHERE IS_DEFINED(c.barcode)",
    ):
        for key in (row.get("style_code"), row.get("barcode"), row["item_id"]):
            if key:
                resolve[key] = row["item_id"]
    if len(products):
        for pid, barcode, style in zip(
            products["id"].tolist(),
            products["barcode"].tolist(),
            products["style_code"].tolist(),
            strict=True,
        ):
            item_id = barcode if pd.isna(pid) else pid
            for key in (style, barcode, item_id):
                resolve[key] = item_id
    return resolve


def _styles(store: Store, fields: dict[str, dict[str, Any]]) -> dict[str, str]:
    styles = {
        row["item_id"]: row["style_code"]
        for row in store.query(
            "products", "SELECT c.item_id, c.style_code FROM c WHERE IS_DEFINED(c.style_code)"
        )
    }
    styles.update({i: f["style_code"] for i, f in fields.items() if f.get("style_code")})
    return styles
