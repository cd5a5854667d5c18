"""Write a mapped order export's events: what ``webhook.append`` does per event, per file.

A webhook carries a few events and ``webhook.append`` looks up each one's partner and writes
it on its own. A file of 100,000 order lines cannot afford two round trips per event (the
local Cosmos server answers some 200 single creates a second), so here:

1. One query finds the order, cancel and status events already recorded since the file's
   first date (less two days: a webhook may date a line a little earlier than the file).
   Everything a line needs to know comes from it or from the lines written before it in the
   same file: whether its id is already taken (a duplicate, not sent again), the id a webhook
   gave the same line (``adopt``), the recorded order a cancellation undoes (``as_recorded``)
   and the order-cancel pairing (``webhook.match_order_line``, the webhooks' own rule).
2. The new events are written in transactional batches (``Store.create_many``) of one item
   partition each, whole lines in a batch, batches side by side, after the audit entries of
   all of them (batched by day, the audit container's partition).

A crash in between loses nothing: the sweep runs the file again, the query then finds what was
written, and only the rest is sent. Audit entries come before their events so that a retry
never leaves an order without one (its entry id is the event's, so it is written once). An
event a webhook records between the query and the batch is still only counted once: its
batched create answers "exists" and the file's copy is dropped.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import BATCH_SIZE, Store
from shared.audit import trail
from shared.core import telemetry
from shared.core.errors import PartsOutOfOrder
from shared.core.records import Event
from shared.core.schema import DAY_SECONDS
from shared.core.settings import get_settings
from shared.ingest import webhook

log = logging.getLogger(__name__)

WORKERS = 8
# How much earlier than the file's first date a recorded line of the same order may be dated.
MARGIN = timedelta(days=2)
_NOT_IN_ID = re.compile(r"[/\\?#\s]+")  # what Cosmos DB ids may not hold
_KEPT = ("id", "item_id", "kind", "order_id", "units", "revenue", "stock_delta")
_FIELDS = ", ".join(f"c.{k}" for k in _KEPT)


@dataclass
class Line:
    """One order line's events, written in order: order, then milestones, then the cancel."""

    key: str
    item_id: str
    events: list[Event] = field(default_factory=list)
    rows: int = 0
    # A marketplace line named by its SKU because the export has no line id (Amazon's
    # report): the webhook may know the same line under its own line id (``adopt``).
    by_sku: str | None = None


@dataclass
class Written:
    created: int = 0
    duplicates: int = 0
    orders_new: int = 0
    cancels_new: int = 0
    statuses_new: int = 0

    def merge(self, other: Written) -> None:
        self.created += other.created
        self.duplicates += other.duplicates
        self.orders_new += other.orders_new
        self.cancels_new += other.cancels_new
        self.statuses_new += other.statuses_new

    def add(self, kind: str, created: bool) -> None:
        if not created:
            self.duplicates += 1
            return
        self.created += 1
        if kind == "order":
            self.orders_new += 1
        elif kind == "cancel":
            self.cancels_new += 1
        else:
            self.statuses_new += 1


class Recorded:
    """The order-line events recorded (found by the query, or written by this file so far), by
    item: by id, and the order events' ids by order, which ``adopt`` looks through. An item
    whose lines are all written is let go (``forget``): a 100,000-line report writes ~190,000
    events, and holding them all was a fifth of its import's memory."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        # Tuples in ``_KEPT``'s order, not dicts.
        self.by_item: dict[str, dict[str, tuple[Any, ...]]] = defaultdict(dict)
        self.orders: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.forgotten: set[str] = set()
        for doc in docs:
            self.add(doc)

    def add(self, doc: dict[str, Any]) -> None:
        item_id = doc.get("item_id") or ""
        if item_id in self.forgotten:
            # A line of an item let go would not see its item's earlier lines (its order, the
            # cancel's partner): the parts did not come an item at a time.
            raise PartsOutOfOrder(f"item {item_id!r} came again after it was written")
        self.by_item[item_id][doc["id"]] = tuple(doc.get(k) for k in _KEPT)
        if doc.get("kind") == "order":
            self.orders[item_id][doc.get("order_id") or ""].append(doc["id"])

    def get(self, event_id: str, item_id: str) -> dict[str, Any] | None:
        kept = self.by_item.get(item_id, {}).get(event_id)
        return None if kept is None else dict(zip(_KEPT, kept, strict=True))

    def order_ids(self, item_id: str, order_id: str) -> list[str]:
        """The ids of the item's order events recorded for ``order_id``."""
        return self.orders.get(item_id, {}).get(order_id, [])

    def forget(self, items: Iterable[str]) -> None:
        """Let go of ``items``: all their lines are written."""
        for item_id in items:
            self.by_item.pop(item_id, None)
            self.orders.pop(item_id, None)
            self.forgotten.add(item_id)


@dataclass
class _Batch:
    """New events of one item, whole lines of it, written as one transactional batch."""

    item_id: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


@dataclass
class _Part:
    """One part's new documents as they are sent: its batches, and the audit entries."""

    batches: list[_Batch] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


def write(
    store: Store,
    parts: Iterable[list[Line]],
    known: Recorded,
    on_rows: Callable[[int], None] | None = None,
) -> Written:
    """Append every line's events (each line's in its order: order, milestones, cancel).
    ``parts``: a file's lines a part at a time, so that its events are never all in memory,
    and an item at a time (an item's lines together, in one part or from the end of one into
    the next): once a part is resolved, ``known`` lets go of its items but the last.
    ``known``: what ``recorded_since`` found, and the parts before grow it. A part is resolved
    (in this thread) while the one before it is sent: a part is sent once the one before it is
    written, as if they were written one after the other."""
    out = Written()
    with ThreadPoolExecutor(1, thread_name_prefix="import-orders-send") as sender:
        sending: Future[Written] | None = None
        for lines in parts:
            part = _resolve_part(store, lines, known, out)
            if lines:
                known.forget({line.item_id for line in lines} - {lines[-1].item_id})
            del lines  # only the documents are sent (the events are several times their size)
            if sending is not None:
                out.merge(sending.result())
            sending = sender.submit(_send, store, part, on_rows)
        if sending is not None:
            out.merge(sending.result())
    log.info(
        "order export written",
        extra={"events_created": out.created, "events_duplicate": out.duplicates},
    )
    return out


def _resolve_part(store: Store, lines: list[Line], known: Recorded, out: Written) -> _Part:
    """The part's new documents; the events ``known`` has already are counted duplicates.

    A line's events go in one batch, which is all or nothing, so no batch depends on another
    and the batches are written side by side (an item that is a third of a report is not
    written one batch after another). A crash never leaves a line's cancellation written
    without its order: the retry would take the order for one cancelled first and record it
    moving nothing, while the cancellation already gave its units back."""
    ttl = get_settings().events_ttl_days * DAY_SECONDS
    part = _Part()
    filling: dict[str, _Batch] = {}
    for line in lines:
        docs = []
        for event in _resolved(store, line, known):
            if known.get(event.id, event.item_id) is not None:
                out.add(event.kind, created=False)
                continue
            doc = {**event.to_doc(), "ttl": ttl}
            known.add(doc)  # what this line's cancel and later lines see (a few fields)
            docs.append(doc)
            if event.kind in webhook.AUDITED_KINDS:
                part.audit.append(trail.event_entry(event))
        batch = filling.get(line.item_id)
        if batch is None or len(batch.docs) + len(docs) > BATCH_SIZE:
            batch = filling[line.item_id] = _Batch(line.item_id)
            part.batches.append(batch)
        batch.docs += docs
        batch.rows += line.rows
    return part


def _send(store: Store, part: _Part, on_rows: Callable[[int], None] | None) -> Written:
    """Write a part: every audit entry first, in full batches by day (one item's entries are
    only a few, and a batch each cost half of a report's round trips), then the events'
    batches side by side."""
    out = Written()

    def write_batch(batch: _Batch) -> tuple[_Batch, list[bool]]:
        return batch, store.create_many("events", batch.item_id, batch.docs)

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="import-orders") as pool:
        list(pool.map(lambda b: store.create_many("audit", *b), _audit_batches(part.audit)))
        for batch, created in pool.map(write_batch, part.batches):
            for doc, new in zip(batch.docs, created, strict=True):
                out.add(doc["kind"], new)
                if new:
                    telemetry.record_ingested(doc["marketplace"])
                else:
                    telemetry.record_duplicate(doc["marketplace"])
            if on_rows is not None:
                on_rows(batch.rows)
    return out


def recorded_since(store: Store, first: datetime) -> Recorded:
    """The order-line events recorded since ``first`` (a file's first date), by id: one query."""
    rows = store.query(
        "events",
        f"SELECT {_FIELDS} FROM c WHERE c.kind IN ('order', 'cancel', 'status') "
        "AND c.occurred_at >= @since",
        [("@since", (first - MARGIN).isoformat().replace("+00:00", "Z"))],
    )
    return Recorded(list(rows))


def _resolved(store: Store, line: Line, known: Recorded) -> Iterator[Event]:
    """The line's events as they will be recorded: under the webhook's ids where it knows the
    line, a cancellation carrying its recorded order's numbers, paired as webhooks pair. Lazy:
    the caller adds each event to ``known`` before the next is resolved."""
    for event in adopt(line, known):
        if event.kind == "cancel":
            event = as_recorded(event, known.get)
        yield webhook.match_order_line(store, event, known.get)


def adopt(line: Line, known: Recorded) -> list[Event]:
    """A line named by its SKU takes the id the marketplace's webhook gave the same order and
    SKU, when the webhook recorded it first (``amazon:order:<order>:<order item id>``), so the
    order counts once. A webhook after the file still names the line its own way (see
    docs/limits.md)."""
    if line.by_sku is None or not line.events:
        return line.events
    first = line.events[0]
    prefix = f"{line.by_sku}:order:{id_part(first.order_id or '')}:"
    own = f"{line.by_sku}:order:{first.id.split(':order:', 1)[1]}"
    recorded = sorted(
        event_id
        for event_id in known.order_ids(line.item_id, first.order_id or "")
        if event_id.startswith(prefix)
    )
    if not recorded or own in recorded:
        return line.events
    theirs = recorded[0].split(":order:", 1)[1]
    mine = own.split(":order:", 1)[1]
    return [
        e.model_copy(update={"id": e.id.replace(f":{mine}", f":{theirs}", 1)}) for e in line.events
    ]


def id_part(value: str) -> str:
    """A file's value as a part of an event id."""
    return _NOT_IN_ID.sub("_", value.strip())


def as_recorded(cancel: Event, stored: webhook.StoredEvent) -> Event:
    """A cancellation undoes what its order recorded: an earlier file's units and revenue,
    or a webhook's, not what this row says (a cancelled row's quantity is often 0)."""
    partner = stored(cancel.id.replace(":cancel:", ":order:", 1), cancel.item_id)
    if partner is None:
        return cancel
    units = int(partner.get("units") or 0)
    return cancel.model_copy(
        update={
            "units": -units,
            "revenue": -round(float(partner.get("revenue") or 0.0), 2),
            "stock_delta": -int(partner.get("stock_delta") or 0),
        }
    )


def _audit_batches(
    entries: list[dict[str, Any]],
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(day, up to ``BATCH_SIZE`` entries of that day): the audit container's partitions."""
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        days[entry["day"]].append(entry)
    for day, of_day in days.items():
        for start in range(0, len(of_day), BATCH_SIZE):
            yield day, of_day[start : start + BATCH_SIZE]
