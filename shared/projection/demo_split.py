"""Move the demo out of the seller's dataset, for data written before the demo had its own.

``python -m shared.projection.demo_split`` (the reconcile timer also runs it once per instance:
a quick look finds nothing to do on a dataset that never held the demo).

The rule, written only here: a document from before datasets existed is the seller's, except
- an event the mock feed wrote (``source`` ``mock``);
- an event of the simulated history seeded with the demo catalogue (``source`` ``backfill``
  with the id the simulator gives it under the demo's seed, ``bf7-``; real backfills carry
  their marketplace's ids, and a unit test holds this prefix to ``demo.seed``);
- a product made only from such events: after they leave, none of its events is left.

Such events move to the demo's dataset; a product made only from them moves with them; any
other product they touched is rebuilt from the events that stay, so no demo sale, stock move
or view remains counted in the seller's numbers. Moving is idempotent (a create that finds the
document already there is a success), so a run stopped half way is simply run again.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from shared.adapters.cosmos import Store, get_store
from shared.core.dataset import using
from shared.projection.rebuild import rebuild_item

DEMO_HISTORY_PREFIX = "bf7-"
DEMO_EVENTS_WHERE = (
    f"c.source = 'mock' OR (c.source = 'backfill' AND STARTSWITH(c.id, '{DEMO_HISTORY_PREFIX}'))"
)


def is_demo_event(doc: Mapping[str, Any]) -> bool:
    """Was this event written by the demo (the mock feed or the simulator's history)?"""
    source = doc.get("source")
    return source == "mock" or (
        source == "backfill" and str(doc.get("id", "")).startswith(DEMO_HISTORY_PREFIX)
    )


def _plain(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def split(seller: Store, demo: Store) -> dict[str, int]:
    """Move the demo's events and products from ``seller`` to ``demo``; returns the counts."""
    events = [
        d
        for d in seller.query("events", f"SELECT * FROM c WHERE {DEMO_EVENTS_WHERE}")
        if is_demo_event(d)
    ]
    touched: set[str] = set()
    for doc in events:
        demo.create("events", _plain(doc))
        seller.delete("events", doc["id"], doc["item_id"])
        touched.add(doc["item_id"])
    moved = rebuilt = 0
    for item_id in sorted(touched):
        product = seller.read_or_none("products", item_id, item_id)
        if product is None:
            continue
        left: Any = next(
            seller.query(
                "events",
                "SELECT VALUE COUNT(1) FROM c WHERE c.item_id = @item",
                [("@item", item_id)],
                partition_key=item_id,
            ),
            0,
        )
        if int(left) == 0:
            demo.create("products", _plain(product))
            seller.delete("products", item_id, item_id)
            moved += 1
        else:
            rebuild_item(seller, item_id)
            rebuilt += 1
    return {"events": len(events), "products_moved": moved, "products_rebuilt": rebuilt}


def has_demo_events(seller: Store) -> bool:
    found = seller.query("events", f"SELECT TOP 1 * FROM c WHERE {DEMO_EVENTS_WHERE}")
    return any(is_demo_event(d) for d in found)


def main() -> int:
    with using("seller"):
        seller = get_store()
    with using("demo"):
        demo = get_store()
    print(split(seller, demo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
