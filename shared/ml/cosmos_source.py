"""Training data from Cosmos: the catalogue from ``products`` and the event log from ``events``.

The products documents hold today's projected stock, but a replay starts at the first event;
the starting stock is therefore today's stock plus everything the logged stock moves took out
(inventory counts in the log still override it from their time on).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from pydantic import ValidationError

from shared.core.records import Product
from shared.core.schema import EVENTS, PRODUCTS

log = logging.getLogger(__name__)


def load_history(store: Any | None = None) -> tuple[list[dict], list[dict]]:
    """(catalogue, events) read from Cosmos; ``store`` defaults to the app's store."""
    if store is None:
        from shared.adapters.cosmos import get_store

        store = get_store()
    events = [
        {k: v for k, v in doc.items() if not k.startswith("_")}
        for doc in store.query(EVENTS.name, "SELECT * FROM c")
    ]
    moved: dict[str, int] = defaultdict(int)
    for event in events:
        moved[event["item_id"]] += int(event.get("stock_delta") or 0)
    catalogue = []
    for doc in store.query(PRODUCTS.name, "SELECT * FROM c"):
        if doc.get("catalogued") is False:
            continue  # events for items the catalogue does not know: nothing to rank
        # A product written without a rating or review count (the catalogue editor, an
        # import) has those fields null: the model's defaults stand in, as for a new listing.
        known = {k: v for k, v in doc.items() if v is not None}
        try:
            product = Product.model_validate(known).model_dump()
        except ValidationError:
            log.warning("product %s is not complete enough to rank; left out", doc.get("id"))
            continue
        product["stock"] = max(0, int(product["stock"]) - moved.get(product["item_id"], 0))
        catalogue.append(product)
    return catalogue, events
