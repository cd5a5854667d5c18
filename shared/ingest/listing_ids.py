"""Map a marketplace's listing id to the seller's item id.

Amazon names a listing by SKU in order notifications but by ASIN in offer, traffic and sales
notifications. Events are stored under the seller's item id (the ``events`` partition key), so
an ASIN is resolved through the catalogue's ``asin`` field before the event is appended.
Look-ups are cached per process; an unknown ASIN is re-checked after ``MISS_TTL`` seconds, so a
product added to the catalogue is picked up without a restart.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from shared.adapters.cosmos import Store
from shared.core.records import Event

MISS_TTL = 60.0
ASIN = re.compile(r"^[A-Z0-9]{10}$")


class AsinIndex:
    def __init__(self, lookup: Callable[[str], str | None], clock=time.monotonic) -> None:
        self._lookup = lookup
        self._clock = clock
        self._hits: dict[str, str] = {}
        self._misses: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_store(cls, store: Store) -> AsinIndex:
        def lookup(asin: str) -> str | None:
            rows = store.query(
                "products", "SELECT TOP 1 c.item_id FROM c WHERE c.asin = @asin", [("@asin", asin)]
            )
            row = next(rows, None)
            return None if row is None else str(row["item_id"])

        return cls(lookup)

    def item_id(self, ref: str) -> str | None:
        if not ASIN.match(ref):
            return None  # a seller SKU already
        with self._lock:
            if ref in self._hits:
                return self._hits[ref]
            if self._clock() - self._misses.get(ref, -MISS_TTL) < MISS_TTL:
                return None
        found = self._lookup(ref)
        with self._lock:
            if found is None:
                self._misses[ref] = self._clock()
            else:
                self._hits[ref] = found
        return found

    def resolve(self, events: list[Event]) -> list[Event]:
        """Amazon events whose item id is a known ASIN, re-keyed to the seller's item id."""
        out = []
        for event in events:
            item = self.item_id(event.item_id) if event.marketplace == "amazon" else None
            out.append(event if item is None else event.model_copy(update={"item_id": item}))
        return out
