"""Dead letters: the events of an item whose projection kept failing, with the error.

One document per item (``deadletters`` container, partition ``/item_id``, id = item id): the ids
of the events that could not be projected, the last error and how often it was tried. Recording
twice merges, so a batch delivered again (or the reconcile timer meeting the same events) does
not multiply entries.

Once the cause is fixed, ``python -m shared.projection.dead_letters replay [--item ID ...]``
rebuilds each item from its whole event log (the log is the truth, and a watermark may already
have moved past the dead-lettered events) and removes its dead letter when that succeeds.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.adapters.cosmos import Store, get_store
from shared.core.records import utcnow
from shared.projection.rebuild import rebuild_item

CONTAINER = "deadletters"
MAX_IDS = 500  # event ids kept per item; the replay reads the whole log anyway
log = logging.getLogger("resight.deadletters")


def record(
    store: Store,
    item_id: str,
    docs: Iterable[Mapping[str, Any]],
    exc: BaseException,
    *,
    attempts: int,
) -> dict[str, Any]:
    """Record (or extend) the item's dead letter. Raises if the store cannot take it."""
    now = utcnow().isoformat()
    before = store.read_or_none(CONTAINER, item_id, item_id) or {}
    ids = list(dict.fromkeys([*before.get("event_ids", []), *(str(d["id"]) for d in docs)]))
    doc = {
        "id": item_id,
        "item_id": item_id,
        "event_ids": ids[-MAX_IDS:],
        "error": f"{type(exc).__name__}: {exc}"[:2000],
        "trace": "".join(traceback.format_exception(exc))[-4000:],
        "attempts": int(before.get("attempts", 0)) + attempts,
        "first_failed_at": before.get("first_failed_at", now),
        "last_failed_at": now,
    }
    store.upsert(CONTAINER, doc)
    return doc


def count(store: Store) -> int:
    found: Any = next(store.query(CONTAINER, "SELECT VALUE COUNT(1) FROM c"), 0)
    return int(found)


def listing(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    rows = store.query(
        CONTAINER,
        "SELECT TOP @n c.item_id, c.event_ids, c.error, c.attempts, c.first_failed_at, "
        "c.last_failed_at FROM c ORDER BY c.last_failed_at DESC",
        [("@n", limit)],
    )
    return [{**r, "events": len(r.pop("event_ids", []))} for r in rows]


def replay(store: Store, items: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Rebuild each dead-lettered item from its log; drop the letters of those that worked."""
    ids = (
        list(items)
        if items
        else [d["item_id"] for d in store.query(CONTAINER, "SELECT c.item_id FROM c")]
    )
    done: list[str] = []
    failed: list[str] = []
    for item_id in ids:
        try:
            rebuild_item(store, item_id)
        except Exception as exc:  # still broken: keep the letter, with the new error
            log.warning("replay of %s failed: %s", item_id, exc)
            record(store, item_id, [], exc, attempts=1)
            failed.append(item_id)
            continue
        store.delete(CONTAINER, item_id, item_id)
        done.append(item_id)
    return {"replayed": done, "failed": failed}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.projection.dead_letters", description=__doc__
    )
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("--item", action="append", help="only these items (repeatable)")
    args = parser.parse_args(argv)
    store = get_store()
    if args.action == "list":
        for row in listing(store, limit=1000):
            print(
                f"{row['item_id']}\t{row['events']} events\t{row['attempts']} tries\t{row['error']}"
            )
        return 0
    result = replay(store, args.item)
    print(f"replayed {len(result['replayed'])}; still failing {len(result['failed'])}")
    for item_id in result["failed"]:
        print(f"  {item_id}")
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
