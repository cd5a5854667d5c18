"""What WhatsApp tells the business: messages people send (which open their 24-hour window)
and the statuses of messages sent (delivered, read, or failed later with an error code).

Meta POSTs ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {"messages": [{"from", "id", "timestamp", ...}], "statuses": [{"id",
"status", "timestamp", "recipient_id", "errors": [{"code", "title"}]?}]}}]}]}`` signed with the
app secret (``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``) and
delivers at least once, so both updates are idempotent: a window only moves forward, and a
status only replaces an earlier one of the same message. A fresh status whose message id is
not in the alert log yet (it overtook the sender's write) gets a 503, so Meta sends it again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.adapters.whatsapp import wa_number
from shared.alerts import log
from shared.core.errors import AuthError, ServiceUnavailable, ValidationFailed

CONTACTS = "contacts"
WINDOW = timedelta(hours=24)
# How long a status for a message id not (yet) in the alert log is worth redelivering.
RETRY_UNKNOWN = timedelta(minutes=5)
# Later statuses win; "failed" can follow any of them.
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def verify(app_secret: str, body: bytes, header: str | None) -> None:
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(expected, header.strip()):
        raise AuthError("bad or missing X-Hub-Signature-256")


def sign(app_secret: str, body: bytes) -> str:
    """The header Meta sends (for the fake Graph API and the tests)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def handle(store: Store, payload: Any) -> dict[str, int]:
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise ValidationFailed("not a WhatsApp Business Account notification", field="object")
    counts = {"messages": 0, "statuses": 0, "unknown_statuses": 0}
    fresh_unknown = 0
    for value in _values(payload):
        for message in value.get("messages") or []:
            opened(store, str(message["from"]), _time(message.get("timestamp")))
            counts["messages"] += 1
        for status in value.get("statuses") or []:
            if _apply_status(store, status):
                counts["statuses"] += 1
            else:
                counts["unknown_statuses"] += 1
                fresh_unknown += datetime.now(UTC) - _time(status.get("timestamp")) < RETRY_UNKNOWN
    if fresh_unknown:
        # A status can overtake the sender's record of its message id: answer 503 so Meta
        # delivers the notification again (all of it is idempotent); an old one is dropped.
        raise ServiceUnavailable(f"{fresh_unknown} status(es) for messages not recorded yet")
    return counts


def opened(store: Store, phone: str, at: datetime) -> None:
    """``phone`` wrote at ``at``: its window runs 24 hours from its newest message."""
    number = wa_number(phone)
    current = store.read_or_none(CONTACTS, number, number)
    if current is not None and current["last_inbound_at"] >= at.isoformat():
        return
    store.upsert(CONTACTS, {"id": number, "last_inbound_at": at.isoformat()})


def window_open(store: Store, phone: str, now: datetime) -> bool:
    number = wa_number(phone)
    contact = store.read_or_none(CONTACTS, number, number)
    if contact is None:
        return False
    return now - datetime.fromisoformat(contact["last_inbound_at"]) < WINDOW


def _apply_status(store: Store, status: dict[str, Any]) -> bool:
    message_id = str(status.get("id"))
    rows = list(
        store.query(
            log.CONTAINER,
            "SELECT c.id, c.day FROM c WHERE ARRAY_CONTAINS(c.message_ids, @id)",
            [("@id", message_id)],
        )
    )
    if not rows:
        return False
    errors = status.get("errors") or [{}]

    def mark(doc: dict[str, Any]) -> bool:
        for delivery in doc["deliveries"]:
            if delivery.get("message_id") != message_id:
                continue
            new = str(status.get("status"))
            if STATUS_ORDER.get(new, 0) <= STATUS_ORDER.get(delivery.get("delivery") or "", 0):
                return False  # a redelivered or older status
            delivery["delivery"] = new
            delivery[f"{new}_at"] = _time(status.get("timestamp")).isoformat()
            if new == "failed":
                delivery.update(
                    status="failed",
                    error_code=errors[0].get("code"),
                    error=errors[0].get("title") or errors[0].get("message"),
                )
            return True
        return False

    log.change(store, rows[0]["id"], rows[0]["day"], mark)
    return True


def _values(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") == "messages" and isinstance(change.get("value"), dict):
                yield change["value"]


def _time(stamp: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(stamp), UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)
