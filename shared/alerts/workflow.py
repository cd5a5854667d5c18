"""The alerts run for one IST day: snapshot rows -> alert log -> WhatsApp.

1. Read the day's inventory snapshot rows and keep those ``alert_criteria.alertable`` says.
2. Record each as an alert with one delivery per recipient (``alert_criteria.recipients_for``); the
   create is the deduplication: an alert already logged changes nothing.
3. Deliver every open delivery of the day's alerts: the approved template with the product
   image as its header (a short-lived SAS link to the Blob image) or the text-only template
   when the item has no image. Each delivery is marked ``sending`` (ETag) before the call, so
   two runs never send the same one, and its outcome is written with the API's error code.
   A rejected token (190, ...) fails every other open delivery of the day at once with that
   code instead of trying each; a rate limit that outlasts the client's retries leaves the
   delivery for the next run, at most ``log.MAX_DELIVERY_ATTEMPTS`` calls in all.

With ``send=False`` nothing is written or sent: the answer lists what would be alerted.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from shared.adapters.blob import BlobStore
from shared.adapters.cosmos import Store
from shared.adapters.whatsapp import (
    OUTSIDE_WINDOW_CODE,
    Delivery,
    WhatsAppClient,
    image_message,
    template_message,
    text_message,
)
from shared.alerts import alert_criteria, inbound, log, message
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.ingest.bulk.images import PREFIX as IMAGES
from shared.inventory import daily

logger = logging.getLogger("resight.alerts")
# Long enough for WhatsApp to fetch the image when it accepts the message, short enough that
# a forwarded link soon stops working.
IMAGE_LINK_TTL = timedelta(hours=1)


def run(
    store: Store,
    settings: Settings,
    day: date,
    *,
    send: bool,
    client: WhatsAppClient | None,
    images: BlobStore | None,
) -> dict[str, Any]:
    rows = [r for r in daily.day_docs(store, day) if alert_criteria.alertable(r)]
    summary: dict[str, Any] = {
        "day": day.isoformat(),
        "send_notifications": send,
        "candidates": len(rows),
    }
    if not send:
        logged = {a["id"] for a in log.of_day(store, day.isoformat())}
        summary["would_alert"] = [
            public(new_alert(r, settings)) for r in rows if _key(r) not in logged
        ]
        return summary
    created = 0
    for row in rows:
        created += log.record(store, new_alert(row, settings))
    summary.update(created=created, duplicates=len(rows) - created)
    summary.update(deliver(store, settings, day.isoformat(), client, images))
    return summary


def new_alert(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    recipients = alert_criteria.recipients_for(row["store_id"], settings.alert_recipients)
    return {
        "id": _key(row),
        "day": row["day"],
        "kind": "danger",
        "snapshot_id": row.get("id"),
        "item_id": row["item_id"],
        "store_id": row["store_id"],
        "store_name": row.get("store_name"),
        "title": row.get("title"),
        "level": row["danger"],
        "previous_level": row.get("previous_danger"),
        "capital": row.get("capital"),
        "units": row.get("units"),
        "days_since_sale": row.get("days_since_sale"),
        "image": row.get("image"),
        "body": message.body_values(row),
        "deliveries": [
            {
                "phone": r.phone,
                "role": r.role,
                "name": r.name,
                "store_id": r.store_id,
                "status": "pending",
                "attempts": 0,
            }
            for r in recipients
        ],
    }


def deliver(
    store: Store,
    settings: Settings,
    day: str,
    client: WhatsAppClient | None,
    images: BlobStore | None,
) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "retry": 0, "unconfirmed": 0, "not_configured": 0}
    now = utcnow()
    rejected: Delivery | None = None
    for alert in log.of_day(store, day):
        for phone in _expired_sends(alert, now):
            _finish(store, alert, phone, {"status": "unconfirmed"})
            counts["unconfirmed"] += 1
        open_phones = [d["phone"] for d in alert["deliveries"] if d["status"] in log.OPEN]
        if not open_phones:
            continue
        if client is None:
            counts["not_configured"] += len(open_phones)
            continue
        if rejected is not None:
            for phone in open_phones:
                _finish(store, alert, phone, _outcome(rejected, not_tried=True))
                counts["failed"] += 1
            continue
        link = image_link(images, alert.get("image"))
        for phone in open_phones:
            if not _take(store, alert, phone):
                continue  # another run has it
            if rejected is not None:
                _finish(store, alert, phone, _outcome(rejected, not_tried=True))
                counts["failed"] += 1
                continue
            result, fields = _send(store, settings, client, alert, phone, link, now)
            if result.status == "failed" and result.retryable:
                attempts = _attempts(store, alert, phone) + result.attempts
                fields["status"] = "retry" if attempts < log.MAX_DELIVERY_ATTEMPTS else "failed"
            _finish(store, alert, phone, fields, calls=result.attempts)
            counts[fields["status"]] += 1
            if result.token_rejected:
                rejected = result
                logger.error(
                    "WhatsApp refused the access token (code %s): %s; no more alerts are sent "
                    "until it is replaced",
                    result.error_code,
                    result.error,
                )
    return counts


def _send(
    store: Store,
    settings: Settings,
    client: WhatsAppClient,
    alert: dict[str, Any],
    phone: str,
    link: str | None,
    now: datetime,
) -> tuple[Delivery, dict[str, Any]]:
    """Free text (or the image with the text as caption) inside the person's 24-hour window,
    else the approved template; a window that turns out closed (131047) gets the template."""
    if inbound.window_open(store, phone, now):
        words = message.text(alert["body"])
        free = image_message(phone, link, words) if link else text_message(phone, words)
        result = client.send(free)
        if result.error_code != OUTSIDE_WINDOW_CODE:
            return result, _outcome(result) | {"message_type": free["type"], "template": None}
    conn = settings.whatsapp
    name = conn.template_name if link else conn.text_template_name
    msg = template_message(phone, name, conn.template_language, alert["body"], header_image=link)
    result = client.send(msg)
    return result, _outcome(result) | {"message_type": "template", "template": name}


def image_link(images: BlobStore | None, value: Any) -> str | None:
    """A link WhatsApp can fetch: a URL as it is, a stored product image by a SAS link."""
    if not value:
        return None
    text = str(value)
    if text.startswith(("https://", "http://")):
        return text
    name = text if text.startswith(IMAGES) else f"{IMAGES}{text}"
    if images is None or images.info(name) is None:
        return None
    return images.read_link(name, IMAGE_LINK_TTL)


def _key(row: dict[str, Any]) -> str:
    return alert_criteria.alert_id(row["day"], row["store_id"], row["item_id"], row["danger"])


def _outcome(result: Delivery, *, not_tried: bool = False) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "status": result.status,
        "message_id": result.message_id,
        "error_code": result.error_code,
        "error": result.error,
        "http_status": result.http_status,
    }
    if result.status == "sent":
        fields["sent_at"] = utcnow().isoformat()
    if not_tried:
        fields["error"] = f"not sent: the access token was refused ({result.error})"
    return fields


def _expired_sends(alert: dict[str, Any], now: datetime) -> list[str]:
    return [d["phone"] for d in alert["deliveries"] if log.stale_sending(d, now)]


def _take(store: Store, alert: dict[str, Any], phone: str) -> bool:
    def mark(doc: dict[str, Any]) -> bool:
        delivery = _delivery(doc, phone)
        if delivery["status"] not in log.OPEN:
            return False
        delivery.update(status="sending", updated_at=utcnow().isoformat())
        return True

    return log.change(store, alert["id"], alert["day"], mark) is not None


def _finish(
    store: Store, alert: dict[str, Any], phone: str, fields: dict[str, Any], calls: int = 0
) -> None:
    def mark(doc: dict[str, Any]) -> bool:
        delivery = _delivery(doc, phone)
        delivery.update(fields, updated_at=utcnow().isoformat())
        delivery["attempts"] = int(delivery.get("attempts") or 0) + calls
        if fields.get("message_id"):
            # what a status notification finds the alert by (shared.alerts.inbound)
            doc["message_ids"] = [*doc.get("message_ids", []), fields["message_id"]]
        return True

    log.change(store, alert["id"], alert["day"], mark)


def _attempts(store: Store, alert: dict[str, Any], phone: str) -> int:
    stored = log.get(store, alert["id"], alert["day"])
    return int(_delivery(stored, phone).get("attempts") or 0)


def _delivery(doc: dict[str, Any], phone: str) -> dict[str, Any]:
    return next(d for d in doc["deliveries"] if d["phone"] == phone)


def public(alert: dict[str, Any]) -> dict[str, Any]:
    return {
        **alert,
        "deliveries": [{**d, "phone": mask(d["phone"])} for d in alert["deliveries"]],
    }


def mask(phone: str) -> str:
    """Numbers in API answers: enough to tell recipients apart, not to dial them."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+{digits[:2]}{'•' * max(0, len(digits) - 6)}{digits[-4:]}"
