"""The ``imports`` container: one document per file, what the API and the dashboard show.

``status``: ``queued`` (uploaded, not started) -> ``processing`` -> ``imported`` (all rows or
the valid ones written) | ``rejected`` (unknown kind, missing columns, strict mode with
errors: nothing written) | ``failed`` (an outage; the sweep tries again). ``progress`` counts
file rows done of the total while it runs, so a progress bar moves on a large file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.errors import Conflict, NotFound
from shared.core.records import utcnow

CONTAINER = "imports"
TERMINAL = frozenset({"imported", "rejected"})
# Progress is written at most this often (seconds): a write per chunk would slow big files.
PROGRESS_EVERY = 0.5


def new(
    import_id: str,
    file: str,
    blob: str,
    *,
    kind: str | None,
    strict: bool,
    actor: str,
    preset: str | None = None,
) -> dict[str, Any]:
    now = utcnow().isoformat()
    doc: dict[str, Any] = {
        "id": import_id,
        "file": file,
        "blob": blob,
        "kind": kind,
        "strict": strict,
        "actor": actor,
        "status": "queued",
        "reason": None,
        "progress": {"phase": "queued", "rows_done": 0, "rows_total": None},
        "counts": {},
        "errors_sample": [],
        "report": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }
    if preset is not None:
        doc["preset"] = preset  # the order-export mapping it is imported with
    return doc


def create(store: Store, doc: dict[str, Any]) -> bool:
    return store.create(CONTAINER, doc)


def get(store: Store, import_id: str) -> dict[str, Any]:
    rows = list(
        store.query(
            CONTAINER,
            "SELECT * FROM c WHERE c.id = @id",
            [("@id", import_id)],
            partition_key=import_id,
        )
    )
    if not rows:
        raise NotFound(f"no import {import_id!r}")
    return _public(rows[0])


def get_or_none(store: Store, import_id: str) -> dict[str, Any] | None:
    try:
        return get(store, import_id)
    except NotFound:
        return None


def update(
    store: Store,
    import_id: str,
    *,
    unless: Callable[[dict[str, Any]], bool] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Set fields on the import (``Store.update``: ETag-guarded read-modify-write); with
    ``unless``, raise Conflict instead when the stored import satisfies it (checked on the read
    the write is conditioned on, so no other writer can slip in between)."""

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise NotFound(f"no import {import_id!r}")
        if unless is not None and unless(current):
            raise Conflict(f"import {import_id} is {current.get('status')}")
        return {**_public(current), **fields, "updated_at": utcnow().isoformat()}

    stored = store.update(CONTAINER, import_id, import_id, change)
    assert stored is not None  # ``change`` never leaves the import as it is
    return _public(stored)


def recent(store: Store, limit: int) -> list[dict[str, Any]]:
    rows = store.query(
        CONTAINER, "SELECT TOP @n * FROM c ORDER BY c.created_at DESC", [("@n", limit)]
    )
    return [_public(r) for r in rows]


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class Progress:
    """Rows done of the total, written to the import at most every ``PROGRESS_EVERY`` s."""

    def __init__(self, store: Store, import_id: str, total: int | None, phase: str) -> None:
        self.store, self.import_id, self.total = store, import_id, total
        self.phase = phase
        self.done = 0
        self._last = 0.0

    def advance(self, rows: int, *, phase: str | None = None, force: bool = False) -> None:
        self.done += rows
        if phase:
            self.phase = phase
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_EVERY:
            self._last = now
            self.flush()

    def flush(self) -> None:
        update(
            self.store,
            self.import_id,
            status="processing",
            progress={"phase": self.phase, "rows_done": self.done, "rows_total": self.total},
        )
