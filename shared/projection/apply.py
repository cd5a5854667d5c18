"""Apply event batches from the change feed to the ``products`` projections.

Each touched item is read, the batch applied with ``fold.apply_batch`` (which skips what
the document's watermark says was already applied), and written back with an ETag condition,
so two instances projecting the same item never lose each other's update: the loser re-reads
and re-applies. A redelivered batch finds everything applied and writes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.errors import Conflict
from shared.projection import fold

log = logging.getLogger("resight.projector")
MAX_ATTEMPTS = 5


def group_by_item(docs: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for doc in docs:
        grouped[doc["item_id"]].append(doc)
    return grouped


def project_batch(store: Store, docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Project a batch; returns the product states that changed (the items to re-score)."""
    changed = []
    for item_id, item_docs in group_by_item(docs).items():
        state = _project_item(store, item_id, item_docs)
        if state is not None:
            changed.append(state)
    return changed


def _project_item(store: Store, item_id: str, docs: list[Mapping[str, Any]]) -> dict | None:
    for _ in range(MAX_ATTEMPTS):
        current = store.read_or_none("products", item_id, item_id)
        if current is None:
            # An event for an item not in the catalogue: keep its projection so nothing is
            # lost, but do not rank it until the catalogue knows what it is.
            state = fold.new_state(_uncatalogued(item_id, docs))
            etag = None
        else:
            state, etag = current, current.get("_etag")
        if not fold.apply_batch(state, docs):
            return None
        try:
            if etag is None:
                if not store.create("products", _clean(state)):
                    continue  # created concurrently: re-read and apply on top
                return state
            return store.upsert("products", _clean(state), etag=etag)
        except Conflict:
            log.info("product %s changed concurrently; re-applying", item_id)
    raise Conflict(f"could not project {item_id} after {MAX_ATTEMPTS} attempts")


def _uncatalogued(item_id: str, docs: list[Mapping[str, Any]]) -> dict[str, Any]:
    first = docs[0]
    price = next((d["price"] for d in docs if d.get("price")), None)
    return {
        "item_id": item_id,
        "title": item_id,
        "category": "uncatalogued",
        "brand": "",
        "marketplace": first["marketplace"],
        "price": price or 0.0,
        "mrp": price or 0.0,
        "rating": 0.0,
        "review_count": 0,
        "catalogued": False,
    }


def _clean(state: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in state.items() if k not in ("_rid", "_self", "_attachments", "_ts", "_etag")
    }
