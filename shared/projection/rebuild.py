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

from shared.adapters.cosmos import Store, get_store
from shared.core.errors import Conflict
from shared.projection import fold


def rebuild_item(store: Store, item_id: str) -> bool:
    """Replay the item's events into its product document; True if the document changed."""
    for _ in range(5):
        # A filter on the partition key: Cosmos serves it from that one partition.
        events = list(
            store.query("events", "SELECT * FROM c WHERE c.item_id = @item", [("@item", item_id)])
        )
        found = store.read_or_none("products", item_id, item_id)
        if found is not None and found.get("merged_into"):
            return False  # its events live on in the item it was merged into
        product = found if found is not None else fold.unknown_listing(item_id, events)
        rebuilt = fold.rebuild(product, events)
        fields = ("stock", "buckets", "totals", "price", "competitor_price", "applied")
        if found is not None and all(rebuilt.get(k) == found.get(k) for k in fields):
            return False
        try:
            if found is None:
                if not events or not store.create("products", rebuilt):
                    continue
            else:
                store.upsert("products", rebuilt, etag=found["_etag"])
            return True
        except Conflict:
            continue  # the change feed wrote in between: read again
    raise Conflict(f"{item_id} kept changing while it was rebuilt; run again")


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
