"""An in-process copy of the product projections, refreshed incrementally.

Each function instance keeps the catalogue it ranks in memory and pulls only the products
written since its last refresh (``_ts`` at or after the cursor; ``_ts`` has one-second
resolution, so the cursor second is re-read and deduplicated by content). The first refresh
loads everything. This is what lets an event re-rank cost a handful of documents, not the
catalogue.
"""

from __future__ import annotations

import threading
from typing import Any

from shared.adapters.cosmos import Store


class CatalogueCache:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.states: dict[str, dict[str, Any]] = {}
        self._cursor = 0
        self._etags: dict[str, str] = {}

    def refresh(self) -> list[dict[str, Any]]:
        """Pull products written since the last refresh; returns the ones that changed."""
        with self._lock:
            docs = list(
                self._store.query(
                    "products", "SELECT * FROM c WHERE c._ts >= @ts", [("@ts", self._cursor)]
                )
            )
            changed = []
            for doc in docs:
                if self._etags.get(doc["item_id"]) == doc.get("_etag"):
                    continue
                self._etags[doc["item_id"]] = doc.get("_etag", "")
                self.states[doc["item_id"]] = doc
                changed.append(doc)
                self._cursor = max(self._cursor, int(doc.get("_ts", 0)))
            return changed

    def get(self, item_id: str) -> dict[str, Any] | None:
        return self.states.get(item_id)

    def catalogued(self) -> list[dict[str, Any]]:
        return [s for s in self.states.values() if s.get("catalogued", True)]
