"""Apply event batches from the change feed to the ``products`` projections.

Each touched item is read, the batch applied with ``fold.apply_batch`` (which skips what
the document's watermark says was already applied), and written back with an ETag condition,
so two instances projecting the same item never lose each other's update: the loser re-reads
and re-applies. A redelivered batch finds everything applied and writes nothing.

No item can stop the others: an item that still fails after ``ITEM_ATTEMPTS`` tries has its
events dead-lettered (``dead_letters``) and the rest of the batch is projected, so the feed
checkpoints and moves on. A store that does not answer or throttles (``cosmos.unreachable``) is
not the item's fault: that fails the batch, which the trigger delivers again (the reconcile
timer tries the same window again), so an outage never dead-letters good events. So does a
failure to record the dead letter.

An event for an item the catalogue does not know creates a visible "needs catalogue details"
product (``fold.unknown_listing``); one for a listing merged into another item (an ASIN that
turned out to be a catalogued SKU) is forwarded to that item's partition.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from typing import Any

from opentelemetry import trace

from shared.adapters.cosmos import Store, unreachable
from shared.catalogue import products
from shared.core import retry
from shared.projection import dead_letters, fold

log = logging.getLogger("resight.projector")
ITEM_ATTEMPTS = 3  # tries of one item before its events are dead-lettered
RETRY_PAUSES = (0.05, 0.2)  # short: the other items of the batch are waiting


def group_by_item(docs: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for doc in docs:
        grouped[doc["item_id"]].append(doc)
    return grouped


def project_batch(
    store: Store, docs: Iterable[Mapping[str, Any]], pool: Executor | None = None
) -> list[dict[str, Any]]:
    """Project a batch; returns the product states that changed (the items to re-score).

    With a ``pool`` (the live loop's, ``shared.live``) the items are projected concurrently.
    The time of the reads, the folds and the writes is summed over the batch's items and set on
    the current span (the projection stage's), so the three show apart without a span per item;
    with items in parallel the sums can exceed the stage's own time.
    """
    grouped = list(group_by_item(docs).items())
    clocks = [_Clock() for _ in grouped]

    def one(i: int) -> dict[str, Any] | None:
        item_id, item_docs = grouped[i]
        _CLOCK.set(clocks[i])
        return _isolated(store, item_id, item_docs)

    if pool is not None and len(grouped) > 1:
        # Items are independent (own partitions, ETag-guarded writes): their read-modify-write
        # round trips overlap instead of adding up, which at 20 events/s of different items
        # was most of a second of projection per second, one item after another.
        # Each in a copy of this thread's context: the dataset (seller or demo) and the
        # current span are context variables, which pool threads do not inherit.
        contexts = [contextvars.copy_context() for _ in grouped]
        results = list(pool.map(lambda i: contexts[i].run(one, i), range(len(grouped))))
    else:
        results = [contextvars.copy_context().run(one, i) for i in range(len(grouped))]
    changed = [state for state in results if state is not None]
    clock = _Clock()
    for part in clocks:
        clock.read += part.read
        clock.fold += part.fold
        clock.write += part.write
    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes(
            {
                "resight.items": len(changed),
                "resight.read_ms": round(clock.read * 1000, 3),
                "resight.fold_ms": round(clock.fold * 1000, 3),
                "resight.write_ms": round(clock.write * 1000, 3),
            }
        )
    return changed


# Where ``project_item`` adds its read, fold and write time: the item's own clock, set by
# ``project_batch`` in the item's context (None outside a batch).
_CLOCK: contextvars.ContextVar[_Clock | None] = contextvars.ContextVar("clock", default=None)


class _Clock:
    """Seconds spent reading, folding and writing products (a retried item counts each try)."""

    def __init__(self) -> None:
        self.read = self.fold = self.write = 0.0


def _isolated(store: Store, item_id: str, docs: list[Mapping[str, Any]]) -> dict | None:
    try:
        return retry.call(
            lambda: project_item(store, item_id, docs),
            attempts=ITEM_ATTEMPTS,
            wait=retry.steps(*RETRY_PAUSES),
            retry_on=Exception,  # any lasting failure of one item is isolated below
        )
    except Exception as exc:
        if unreachable(exc):
            raise
        log.exception("item %s failed %d times; dead-lettering its events", item_id, ITEM_ATTEMPTS)
        dead_letters.record(store, item_id, docs, exc, attempts=ITEM_ATTEMPTS)
    return None


def project_item(store: Store, item_id: str, docs: list[Mapping[str, Any]]) -> dict | None:
    """Apply ``docs`` to the item's product (``Store.update``: a lost ETag race re-reads and
    re-applies); returns the product as written, or None when nothing changed."""
    merged_into: str | None = None
    clock = _CLOCK.get()
    mark = time.perf_counter()

    def apply_events(current: dict[str, Any] | None) -> dict[str, Any] | None:
        nonlocal mark
        folding = time.perf_counter()
        if clock is not None:
            clock.read += folding - mark
        try:
            return _fold(current)
        finally:
            mark = time.perf_counter()
            if clock is not None:
                clock.fold += mark - folding

    def _fold(current: dict[str, Any] | None) -> dict[str, Any] | None:
        nonlocal merged_into
        merged_into = current.get("merged_into") if current is not None else None
        if merged_into:
            return None
        if current is None:
            # A listing the catalogue does not know yet: keep everything, show it, rank it
            # once someone completes its catalogue details.
            state = fold.new_state(fold.unknown_listing(item_id, docs))
        elif "applied" not in current:
            # A product the catalogue wrote before any of its events (an imported workbook):
            # its projection starts here.
            state = fold.new_state(current)
        else:
            state = current
        return _clean(state) if fold.apply_batch(state, docs) else None

    written = store.update("products", item_id, item_id, apply_events)
    if clock is not None:
        clock.write += time.perf_counter() - mark
    if merged_into:
        products.forward_events(store, docs, merged_into)
    return written


def _clean(state: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in state.items() if k not in ("_rid", "_self", "_attachments", "_ts", "_etag")
    }
