"""The daily_update workbook: shops, products and per-store stock and prices.

- ``stores`` upsert ``locations`` (a shop's id, or its name and city when the sheet has none);
- ``products`` and ``daily_update`` upsert catalogue fields on ``products`` (a product's id, or
  its barcode); a product the catalogue does not know is created, catalogued;
- ``inventory`` becomes events: each store's count (``stock`` with the store as location) and
  its current price (``import_price``, a price source, so the fold keeps the price history).

Writes are skipped when nothing changed, so a re-import writes no document and creates no
event (event ids are the store, the product and the file's day).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from shared.adapters.cosmos import Store
from shared.core.records import Event, Marketplace
from shared.ingest.bulk.events import MarketplaceOf, Planned


@dataclass
class CatalogueCounts:
    locations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_products: list[str] = field(default_factory=list)


def slug(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:100]


def upsert_locations(store: Store, frame: pd.DataFrame, counts: CatalogueCounts) -> None:
    for row in _rows(frame):
        location_id = row["id"] or slug(row["name"], row["city"])
        doc = {"id": location_id, "name": row["name"], "city": row["city"], "kind": "store"}
        current = _by_id(store, "locations", location_id)
        if current is not None and all(current.get(k) == v for k, v in doc.items()):
            continue
        store.upsert("locations", doc)
        counts.locations += 1


def product_fields(frame: pd.DataFrame, images: dict[int, str]) -> dict[str, dict[str, Any]]:
    """Catalogue fields by item id from the ``products`` sheet."""
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(_rows(frame)):
        item_id = row["id"] or row["barcode"]
        out[item_id] = _clean(
            {
                "title": row["article_name"],
                "category": row["category"],
                "department": row["department_name"],
                "supplier": row["supplier_name"],
                "style_code": row["style_code"],
                "barcode": row["barcode"],
                "store_id": row["store_id"],
                "mrp": float(row["mrp"]),
                "image": images.get(i) or row["image"],
            }
        )
    return out


def style_fields(
    frame: pd.DataFrame, items_by_style: dict[str, list[str]], images: dict[int, str]
) -> dict[str, dict[str, Any]]:
    """Catalogue fields from ``daily_update``: every product of the style (the style code is
    the product when no product of that style is known)."""
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(_rows(frame)):
        fields = _clean(
            {
                "style_code": row["style_code"],
                "supplier": row["supplier_name"],
                "department": row["department_name"],
                "category": row["category_name"],
                "mrp": float(row["item_mrp"]),
                "image": images.get(i) or row["image"],
            }
        )
        for item_id in items_by_style.get(row["style_code"], [row["style_code"]]):
            merged = out.setdefault(item_id, {})
            merged.update(fields)
            days = merged.setdefault("stock_days", {})
            days[row["store_id"]] = int(row["stock_days"])
    return out


def upsert_products(
    store: Store,
    fields_by_item: dict[str, dict[str, Any]],
    prices: dict[str, float],
    marketplace_of: MarketplaceOf,
    counts: CatalogueCounts,
) -> None:
    for item_id, fields in fields_by_item.items():
        _upsert_product(
            store, item_id, fields, prices.get(item_id), marketplace_of(item_id), counts
        )


def _upsert_product(
    store: Store,
    item_id: str,
    fields: dict[str, Any],
    price: float | None,
    marketplace: Marketplace,
    counts: CatalogueCounts,
) -> None:
    # What the last call of ``change`` decided: ``Store.update`` calls it again on a lost race,
    # so the counts follow the attempt that was written.
    outcome = ""

    def change(current: dict[str, Any] | None) -> dict[str, Any] | None:
        nonlocal outcome
        if current is None:
            outcome = "created"
            mrp = fields.get("mrp") or price
            return {
                "id": item_id,
                "item_id": item_id,
                "title": fields.get("title", item_id),
                "category": fields.get("category", "uncatalogued"),
                "brand": "",
                "marketplace": marketplace,
                # The listing price until a price event says otherwise: the file's own price,
                # else its MRP.
                "price": price or mrp,
                "mrp": mrp,
                "rating": None,
                "review_count": 0,
                "stock": 0,
                "catalogued": True,
                **fields,
            }
        wanted = {**fields, "catalogued": True}
        if current.get("merged_into"):
            outcome = "merged"
            return None
        if all(current.get(k) == v for k, v in wanted.items()):
            outcome = "unchanged"
            return None
        outcome = "updated"
        return {**{k: v for k, v in current.items() if not k.startswith("_")}, **wanted}

    store.update("products", item_id, item_id, change)
    if outcome == "created":
        counts.created += 1
    elif outcome == "updated":
        counts.updated += 1
    elif outcome == "unchanged":
        counts.unchanged += 1


def stock_events(
    frame: pd.DataFrame,
    resolve: dict[str, str],
    marketplace_of: MarketplaceOf,
    file_time: datetime,
    received: datetime,
    counts: CatalogueCounts,
) -> Iterator[Planned]:
    """Each store's count and current price of a product, at the file's time."""
    day = f"{file_time:%Y%m%d}"
    for row in _rows(frame):
        item_id = resolve.get(row["product_id"], row["product_id"])
        if row["product_id"] not in resolve:
            counts.unknown_products.append(row["product_id"])
        location = row["store_id"]
        common = {
            "item_id": item_id,
            "marketplace": marketplace_of(item_id),
            "occurred_at": file_time,
            "received_at": received,
            "source": "import",
            "location_id": location,
            "store_id": location,
        }
        yield Planned(
            Event(
                id=f"import:wb-stock:{location}:{item_id}:{day}",
                kind="stock",
                raw_type="WORKBOOK_INVENTORY",
                stock_set=int(row["quantity"]),
                lifecycle_start=row.get("lifecycle_start_date"),
                **common,
            ),
            1,
        )
        yield Planned(
            Event(
                id=f"import:price:{location}:{item_id}:{day}",
                kind="import_price",
                raw_type="WORKBOOK_PRICE",
                price=float(row["current_price"]),
                **common,
            ),
            0,
        )


def current_prices(frame: pd.DataFrame, resolve: dict[str, str]) -> dict[str, float]:
    """The highest current price of each product in the file (what the fold keeps when two
    stores disagree at one moment)."""
    out: dict[str, float] = {}
    for row in _rows(frame):
        item_id = resolve.get(row["product_id"], row["product_id"])
        out[item_id] = max(out.get(item_id, 0.0), float(row["current_price"]))
    return out


def _rows(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    columns = {c: frame[c].tolist() for c in frame.columns}
    for i in range(len(frame)):
        yield {c: (None if _missing(v[i]) else v[i]) for c, v in columns.items()}


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _by_id(store: Store, container: str, doc_id: str) -> dict[str, Any] | None:
    rows = list(
        store.query(
            container, "SELECT * FROM c WHERE c.id = @id", [("@id", doc_id)], partition_key=doc_id
        )
    )
    return rows[0] if rows else None
