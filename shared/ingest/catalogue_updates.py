"""A seller completes or corrects a listing: catalogue fields on the product, price and stock
as a ``catalogue`` event in the log (a price source, so the fold and a rebuild agree), an
audit entry, and the merge of an ASIN's earlier events into the SKU.
"""

from __future__ import annotations

import uuid
from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.catalogue import products
from shared.core.records import Event, utcnow
from shared.ingest.webhook import append


def update_listing(
    store: Store, item_id: str, details: products.ListingDetails, actor: str
) -> dict[str, Any]:
    fields = details.catalogue_fields()
    before, after = products.write_details(store, item_id, fields)
    now = utcnow()
    event = Event(
        id=f"catalogue:{item_id}:{uuid.uuid4().hex}",
        item_id=item_id,
        marketplace=after["marketplace"],
        kind="catalogue",
        raw_type="CATALOGUE_UPDATE",
        occurred_at=now,
        received_at=now,
        source="catalogue",
        price=details.price,
        stock_set=details.stock,
    )
    append(store, [event], source="catalogue")
    merged = None
    if details.asin and details.asin != item_id:
        merged = _merge(store, details.asin, item_id)
    trail.record(
        store,
        "catalogue.update",
        actor,
        item_id=item_id,
        before={**before, "price": after.get("price"), "stock": after.get("stock")},
        after={**fields, "price": details.price, "stock": details.stock},
        details={"merged_from": merged} if merged else None,
    )
    return {
        "item_id": item_id,
        **fields,
        "price": details.price,
        "stock": details.stock,
        "merged_from": merged,
    }


def _merge(store: Store, source_id: str, target_id: str) -> str | None:
    """Move an unknown ASIN listing's events into the SKU (same ids, idempotent copies)."""
    if products.mark_merged(store, source_id, target_id) is None:
        return None
    rows = store.query("events", "SELECT * FROM c WHERE c.item_id = @item", [("@item", source_id)])
    products.forward_events(store, rows, target_id)
    return source_id
