"""Rebuild product projections from the event log.

``python -m shared.projection.rebuild [--item ID ...]``

Events are the truth; a product document is a projection of its item's events. This replaces
each product's projected fields with a replay of every stored event of the item (one
single-partition query per item), keeping the catalogue fields. Use it after a bug in a
projection, or when the reconcile timer reports gaps older than its look-back.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from shared.adapters.cosmos import Store, get_store
from shared.projection import fold


def rebuild_item(store: Store, item_id: str) -> bool:
    """Replay the item's events into its product document; True if the document changed."""

    def replay(found: dict[str, Any] | None) -> dict[str, Any] | None:
        if found is not None and found.get("merged_into"):
            return None  # its events live on in the item it was merged into
        # A filter on the partition key: Cosmos serves it from that one partition.
        events = list(
            store.query("events", "SELECT * FROM c WHERE c.item_id = @item", [("@item", item_id)])
        )
        if found is None and not events:
            return None
        product = found if found is not None else fold.unknown_listing(item_id, events)
        rebuilt = fold.rebuild(product, events)
        fields = ("stock", "buckets", "totals", "price", "competitor_price", "applied")
        if found is not None and all(rebuilt.get(k) == found.get(k) for k in fields):
            return None
        return rebuilt

    # A write of the change feed in between: read both again (Store.update).
    return store.update("products", item_id, item_id, replay) is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.projection.rebuild", description=__doc__
    )
    parser.add_argument("--item", action="append", help="only these items (repeatable)")
    args = parser.parse_args(argv)
    store = get_store()
    items = args.item or [d["item_id"] for d in store.query("products", "SELECT c.item_id FROM c")]
    changed = sum(rebuild_item(store, item) for item in items)
    print(f"rebuilt {len(items)} products; {changed} differed from their events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
