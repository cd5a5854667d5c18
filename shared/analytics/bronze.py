"""Bronze: what the stores held, as Parquet, one partition per UTC day.

Events are flattened into fixed columns (the ``Event`` fields; dict fields as JSON text) so
every file of the table has one schema, whichever kinds a day happened to contain. Product
and store documents are kept as daily snapshots: SCD2 history and daily inventory come from
comparing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

TS = pa.timestamp("us")
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("item_id", pa.string()),
        ("marketplace", pa.string()),
        ("kind", pa.string()),
        ("raw_type", pa.string()),
        ("occurred_at", TS),
        ("received_at", TS),
        ("source", pa.string()),
        ("views", pa.int64()),
        ("clicks", pa.int64()),
        ("orders", pa.int64()),
        ("units", pa.int64()),
        ("revenue", pa.float64()),
        ("stock_delta", pa.int64()),
        ("stock_set", pa.int64()),
        ("price", pa.float64()),
        ("competitor_price", pa.float64()),
        ("region", pa.string()),
        ("order_id", pa.string()),
        ("store_id", pa.string()),
        ("location_id", pa.string()),
        ("customer_id", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("status", pa.string()),
        ("channel", pa.string()),
        # Kind-specific fields (signals, channels, ...), as JSON text.
        ("extra", pa.string()),
        # When Cosmos last wrote the document (``_ts``): the newest copy wins in silver.
        ("written_ts", pa.int64()),
    ]
)
# ``hourly`` and ``channels``: an imported sales day's hours and channels (fact_sales splits it).
_EXTRA = ("signals", "channels", "hourly", "stock_reserved", "stock_in_transit")

PRODUCT_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("title", pa.string()),
        ("category", pa.string()),
        ("brand", pa.string()),
        ("marketplace", pa.string()),
        ("price", pa.float64()),
        ("mrp", pa.float64()),
        ("stock", pa.int64()),
        ("catalogued", pa.bool_()),
        # Per-location counts (from inventory files).
        (
            "locations",
            pa.list_(pa.struct([("location_id", pa.string()), ("units", pa.int64())])),
        ),
        ("snapshot_at", TS),
    ]
)
STORE_SCHEMA = pa.schema(
    [
        ("store_key", pa.string()),
        ("marketplace", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("snapshot_at", TS),
    ]
)


def when(value: Any) -> datetime | None:
    """A stored time as naive UTC (Parquet ``timestamp`` without a zone, read the same way by
    every engine)."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def events_table(docs: Iterable[Mapping[str, Any]]) -> pa.Table:
    columns: dict[str, list] = {f.name: [] for f in EVENT_SCHEMA}
    for doc in docs:
        for f in EVENT_SCHEMA:
            name = f.name
            if name in ("occurred_at", "received_at"):
                columns[name].append(when(doc.get(name)))
            elif name == "extra":
                extra = {k: doc[k] for k in _EXTRA if doc.get(k) is not None}
                columns[name].append(json.dumps(extra, sort_keys=True) if extra else None)
            elif name == "written_ts":
                columns[name].append(int(doc.get("_ts") or 0))
            else:
                value = doc.get(name)
                if value is not None and pa.types.is_integer(f.type):
                    value = int(value)
                elif value is not None and pa.types.is_floating(f.type):
                    value = float(value)
                columns[name].append(value)
    return pa.table(columns, schema=EVENT_SCHEMA)


def products_table(docs: Iterable[Mapping[str, Any]], at: datetime) -> pa.Table:
    rows = [
        {
            "item_id": d["item_id"],
            "title": d.get("title") or d["item_id"],
            "category": d.get("category") or "uncategorised",
            "brand": d.get("brand") or "",
            "marketplace": d.get("marketplace"),
            "price": float(d["price"]) if d.get("price") is not None else None,
            "mrp": float(d["mrp"]) if d.get("mrp") is not None else None,
            "stock": int(d.get("stock") or 0),
            "catalogued": d.get("catalogued") is not False,
            "locations": [
                {"location_id": k, "units": int(v.get("value", 0))}
                for k, v in sorted((d.get("stock_locations") or {}).items())
            ],
            "snapshot_at": when(at),
        }
        for d in docs
    ]
    return pa.Table.from_pylist(rows, schema=PRODUCT_SCHEMA)


def stores_table(
    marketplaces: Iterable[str], locations: Iterable[Mapping[str, Any]], at: datetime
) -> pa.Table:
    """The sales channels (one per marketplace) and the seller's own shops and warehouses."""
    rows = [
        {
            "store_key": f"marketplace:{m}",
            "marketplace": m,
            "name": m.capitalize(),
            "kind": "marketplace",
            "city": None,
            "state": None,
            "snapshot_at": when(at),
        }
        for m in marketplaces
    ]
    rows += [
        {
            "store_key": f"location:{loc['id']}",
            "marketplace": None,
            "name": loc.get("name") or loc["id"],
            "kind": loc.get("kind") or "location",
            "city": loc.get("city"),
            "state": loc.get("state"),
            "snapshot_at": when(at),
        }
        for loc in locations
    ]
    return pa.Table.from_pylist(rows, schema=STORE_SCHEMA)
