"""The alert log: the ``alerts`` container, one document per alert, partitioned by IST day.

The document id is the deduplication key (``rules.alert_id``), so recording an alert is a
create and a 409 means it is already logged. Each recipient's delivery is kept in the
document, changed only by ETag-conditioned writes::

    {id, day, kind: "danger" | "manual", item_id, store_id, store_name, title, level,
     previous_level, capital, units, days_since_sale, image, created_at, updated_at,
     status: pending | sent | partial | failed | no_recipients,
     deliveries: [{phone, role, name, status, attempts, message_id, error_code, error,
                   message_type, template, sent_at, updated_at}]}

Delivery status: ``pending`` (not tried yet) -> ``sending`` (a sender took it) -> ``sent`` |
``failed`` (a final API error, with its code) | ``retry`` (a rate limit outlasted the retries:
the next run tries again, at most ``MAX_DELIVERY_ATTEMPTS`` calls in all) | ``unconfirmed``
(a sender died between the call and its answer: not sent again, as a duplicate alert is the
worse outcome).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.errors import NotFound
from shared.core.records import utcnow

CONTAINER = "alerts"
MAX_DELIVERY_ATTEMPTS = 12
# A "sending" mark older than this belongs to a sender that died mid-call.
SENDING_TIMEOUT = timedelta(minutes=10)
OPEN = frozenset({"pending", "retry"})


def record(store: Store, doc: dict[str, Any]) -> bool:
    """Log a new alert; False when its key is already logged (nothing changes)."""
    now = utcnow().isoformat()
    return store.create(
        CONTAINER,
        {**doc, "status": overall(doc["deliveries"]), "created_at": now, "updated_at": now},
    )


def of_day(store: Store, day: str) -> list[dict[str, Any]]:
    rows = store.query(
        CONTAINER, "SELECT * FROM c WHERE c.day = @day", [("@day", day)], partition_key=day
    )
    return [_clean(d) for d in rows]


def get(store: Store, alert_id: str, day: str) -> dict[str, Any]:
    doc = store.read_or_none(CONTAINER, alert_id, day)
    if doc is None:
        raise NotFound(f"no alert {alert_id!r} on {day}")
    return doc


def change(
    store: Store, alert_id: str, day: str, mutate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    """Apply ``mutate`` to the stored alert with its ETag, re-reading on a race
    (``Store.update``); ``mutate`` returns False to leave it as it is (None is returned then)."""

    def apply(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is None:
            raise NotFound(f"no alert {alert_id!r} on {day}")
        doc = _clean(current)
        if not mutate(doc):
            return None
        doc["status"] = overall(doc["deliveries"])
        doc["updated_at"] = utcnow().isoformat()
        return doc

    written = store.update(CONTAINER, alert_id, day, apply)
    return None if written is None else _clean(written)


def overall(deliveries: list[dict[str, Any]]) -> str:
    if not deliveries:
        return "no_recipients"
    states = {d["status"] for d in deliveries}
    if states == {"sent"}:
        return "sent"
    if states <= {"failed", "unconfirmed"}:
        return "failed"
    if "sent" in states and not states & {"pending", "sending", "retry"}:
        return "partial"
    return "pending"


def stale_sending(delivery: dict[str, Any], now: datetime) -> bool:
    since = delivery.get("updated_at")
    return delivery["status"] == "sending" and (
        since is None or now - datetime.fromisoformat(since) > SENDING_TIMEOUT
    )


def recent(
    store: Store, *, limit: int, day: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    where: list[str] = []
    params: list[tuple[str, Any]] = [("@n", limit)]
    if day:
        where.append("c.day = @day")
        params.append(("@day", day))
    if status:
        where.append("c.status = @status")
        params.append(("@status", status))
    sql = "SELECT TOP @n * FROM c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.query(CONTAINER, sql + " ORDER BY c.created_at DESC", params)
    return [_clean(r) for r in rows]


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}
