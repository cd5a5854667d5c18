"""The demo's lifecycle, and which dataset the dashboard shows.

States (one document, id ``demo``, in the seller's ``stores`` container):

    running (automatic) --first real data--> ended
    running (presenter) --an admin ends it--> ended
    ended --an admin starts a presenter's demo--> running (presenter)
    any --an admin deletes the demo's data--> ended, with ``deleted_at``

A fresh deployment with ``MOCK_ENABLED`` starts the automatic demo unless the seller's dataset
already holds data. Real data ends the automatic demo for good: a signed webhook that is not
the mock feed's, a finished import, or an admin's catalogue write (the callers are the function
modules of those paths). A presenter's demo is started on purpose and runs until an admin ends
it, whatever real data arrives meanwhile: it lives in the demo dataset and touches nothing of
the seller's. While any demo runs the dashboard shows the demo dataset, with a banner.

Every instance keeps its read of the state for ``STATUS_TTL_SECONDS``: the webhook path asks
on every delivery and must not pay a read each time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store, get_store
from shared.audit import trail
from shared.core.dataset import Dataset, using
from shared.core.records import utcnow
from shared.core.settings import get_settings

DOC_ID = "demo"
STATUS_TTL_SECONDS = 3.0

_cache_lock = threading.Lock()
_cached: tuple[float, dict[str, Any]] | None = None


def _seller_store() -> Store:
    with using("seller"):
        return get_store()


def _initial(store: Store) -> dict[str, Any]:
    """The state of a deployment that has never recorded one."""
    now = utcnow().isoformat()
    if not get_settings().mock_enabled:
        return {"id": DOC_ID, "state": "off", "kind": None, "since": now}
    seller_has_data = bool(
        list(store.query("events", "SELECT TOP 1 c.id FROM c"))
        or list(store.query("products", "SELECT TOP 1 c.id FROM c"))
    )
    if seller_has_data:
        return {
            "id": DOC_ID,
            "state": "ended",
            "kind": "automatic",
            "ended_at": now,
            "reason": "the seller's data was already there",
        }
    return {"id": DOC_ID, "state": "running", "kind": "automatic", "started_at": now}


def _read(store: Store) -> dict[str, Any]:
    doc = store.read_or_none("stores", DOC_ID, DOC_ID)
    if doc is not None:
        return doc
    store.create("stores", _initial(store))  # a concurrent first read created the same
    return store.read("stores", DOC_ID, DOC_ID)


def _remember(doc: dict[str, Any]) -> dict[str, Any]:
    global _cached
    with _cache_lock:
        _cached = (time.monotonic(), doc)
    return doc


def status(*, fresh: bool = False) -> dict[str, Any]:
    """The demo's state document (cached for a few seconds unless ``fresh``)."""
    with _cache_lock:
        cached = _cached
    if not fresh and cached is not None and time.monotonic() - cached[0] < STATUS_TTL_SECONDS:
        return cached[1]
    return _remember(_read(_seller_store()))


def forget() -> None:
    """Drop this instance's copy of the state (tests; after a change made elsewhere)."""
    global _cached
    with _cache_lock:
        _cached = None


def running() -> bool:
    return status().get("state") == "running"


def shown() -> Dataset:
    """The dataset the dashboard shows now: the demo's while a demo runs, else the seller's."""
    return "demo" if running() else "seller"


def public(doc: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state as the API answers it."""
    doc = doc or status()
    return {
        "dataset": "demo" if doc.get("state") == "running" else "seller",
        "demo": {
            "state": doc.get("state"),
            "kind": doc.get("kind"),
            "started_at": doc.get("started_at"),
            "ended_at": doc.get("ended_at"),
            "reason": doc.get("reason"),
            "deleted_at": doc.get("deleted_at"),
        },
    }


def _change(actor: str, action: str, change) -> tuple[dict[str, Any], bool]:
    """Read-modify-write the state with its ETag (``Store.update``); ``change`` returns the new
    document or None for no change. Returns the state and whether it changed."""
    store = _seller_store()
    before: dict[str, Any] = {}
    changed = False

    def apply(current: dict[str, Any] | None) -> dict[str, Any] | None:
        nonlocal before, changed
        before = current if current is not None else _initial(store)
        after = change(dict(before))
        changed = after is not None
        if current is None:
            return after if changed else before  # the first state is stored either way
        return after

    saved = store.update("stores", DOC_ID, DOC_ID, apply)
    if not changed:
        return _remember(saved if saved is not None else before), False
    assert saved is not None
    trail.record(store, action, actor, before=_plain(before), after=_plain(saved))
    return _remember(saved), True


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def real_data(reason: str) -> bool:
    """Real data arrived: end the automatic demo for good. True if it ended now. Cheap when
    there is nothing to end (the cached state says so)."""
    doc = status()
    if doc.get("state") != "running" or doc.get("kind") != "automatic":
        return False

    def end(d: dict[str, Any]) -> dict[str, Any] | None:
        if d.get("state") != "running" or d.get("kind") != "automatic":
            return None
        return {**d, "state": "ended", "ended_at": utcnow().isoformat(), "reason": reason}

    return _change("system", "demo.ended", end)[1]


def end(actor: str) -> dict[str, Any]:
    def change(d: dict[str, Any]) -> dict[str, Any] | None:
        if d.get("state") != "running":
            return None
        return {
            **d,
            "state": "ended",
            "ended_at": utcnow().isoformat(),
            "reason": f"ended by {actor}",
        }

    return _change(actor, "demo.ended", change)[0]


def start(actor: str) -> dict[str, Any]:
    """A presenter's demo: runs in the demo dataset until an admin ends it."""

    def change(d: dict[str, Any]) -> dict[str, Any] | None:
        if d.get("state") == "running":
            return None
        return {
            "id": DOC_ID,
            "state": "running",
            "kind": "presenter",
            "started_at": utcnow().isoformat(),
            "started_by": actor,
        }

    return _change(actor, "demo.started", change)[0]


def delete(actor: str) -> dict[str, Any]:
    """Delete every document and file of the demo dataset; the demo ends if it ran."""
    settings = get_settings()
    with using("demo"):
        demo_store = get_store()
        demo_settings = get_settings()
    demo_store.drop_database()
    for container in (demo_settings.lake_container, demo_settings.imports_container):
        BlobStore.from_connection(settings.model_storage, container).delete_container()
    get_store.cache_clear("demo")

    def change(d: dict[str, Any]) -> dict[str, Any]:
        now = utcnow().isoformat()
        ended = (
            {"ended_at": now, "reason": f"deleted by {actor}"} if d["state"] == "running" else {}
        )
        return {
            **d,
            "state": "ended" if d["state"] == "running" else d["state"],
            **ended,
            "deleted_at": now,
        }

    return _change(actor, "demo.deleted", change)[0]


def datasets_to_run() -> list[Dataset]:
    """The datasets a scheduled job works on now: the seller's, and the demo's while it runs."""
    return ["seller", "demo"] if running() else ["seller"]
