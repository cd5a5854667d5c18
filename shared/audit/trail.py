"""The audit log: who changed what, old and new value. Partitioned by UTC day."""

from __future__ import annotations

import uuid
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.records import Event, utcnow


def entry(
    action: str,
    actor: str,
    *,
    item_id: str | None = None,
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
    entry_id: str | None = None,
) -> dict[str, Any]:
    """An audit document, not yet written (``record`` writes one; a file of orders writes its
    entries in batches, ``shared.ingest.bulk.order_writer``)."""
    now = utcnow()
    return {
        "id": entry_id or str(uuid.uuid4()),
        "day": now.strftime("%Y-%m-%d"),
        "at": now.isoformat(),
        "action": action,
        "actor": actor,
        "item_id": item_id,
        "before": before,
        "after": after,
        "details": details or {},
    }


def record(
    store: Store,
    action: str,
    actor: str,
    *,
    item_id: str | None = None,
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
    entry_id: str | None = None,
) -> dict[str, Any]:
    doc = entry(
        action,
        actor,
        item_id=item_id,
        before=before,
        after=after,
        details=details,
        entry_id=entry_id,
    )
    store.create("audit", doc)
    return doc


def event_entry(event: Event) -> dict[str, Any]:
    """The audit entry of an order or cancellation: one per event id, so writing it again on a
    redelivery changes nothing."""
    return entry(
        f"{event.kind}.{event.marketplace}",
        f"{event.source}:{event.marketplace}",
        item_id=event.item_id,
        details={
            "event_id": event.id,
            "order_id": event.order_id,
            "units": event.units,
            "revenue": event.revenue,
            "stock_delta": event.stock_delta,
        },
        entry_id=f"audit:{event.id}",
    )


def record_event(store: Store, event: Event) -> None:
    """Audit an order or cancellation once per event id (safe to call on every redelivery)."""
    store.create("audit", event_entry(event))


def page(
    store: Store,
    *,
    limit: int,
    continuation: str | None,
    action: str | None = None,
    item_id: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    where, params = [], []
    if action:
        where.append("STARTSWITH(c.action, @action)")
        params.append(("@action", action))
    if item_id:
        where.append("c.item_id = @item")
        params.append(("@item", item_id))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = (
        "SELECT c.id, c.at, c.action, c.actor, c.item_id, c.before, c.after, c.details "
        f"FROM c{clause} ORDER BY c.at DESC"
    )
    return store.query_page("audit", sql, params, page_size=limit, continuation=continuation)
