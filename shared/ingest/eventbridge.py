"""Amazon notifications as an EventBridge API destination delivers them.

A rule on the seller's event bus sends each SP-API notification to the Amazon webhook. The body is
the EventBridge event (``version``, ``id``, ``detail-type``, ``source``, ``account``, ``time``,
``region``, ``resources``, ``detail``; structure:
https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html) whose ``detail``
is the notification, or the bare notification when the rule's input transformer sends only
``$.detail``. Either way the events get the ids the notification alone gives them
(``shared.ingest.marketplaces.amazon``), so an EventBridge retry, the same notification bare, or
the same notification through a signing relay are all duplicates of the first delivery.

Notifications of the types ReSight takes are validated against the JSON Schemas Amazon publishes
(``sp_api_schemas/``, copied from amzn/selling-partner-api-models, see ``tests/contracts/
SOURCE.md``) whenever they come from EventBridge: in an envelope, or authorised by the token
header. Signed (HMAC) bodies keep the looser contract of docs/webhooks.md (either casing), because
relays and the simulator reshape them. A notification of another type is not an error: the
subscription may include types ReSight does not use, and a 4xx would only park it in the rule's
dead-letter queue, so it is answered 200 and recorded as ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from shared.core.errors import ValidationFailed
from shared.ingest.marketplaces import amazon
from shared.ingest.marketplaces.common import body_digest, first_key

# Every SP-API partner event source is named aws.partner/sellingpartnerapi.amazon.com/<app id>.
SOURCE_PREFIX = "aws.partner/sellingpartnerapi.amazon.com/"
SCHEMA_DIR = Path(__file__).resolve().parent / "marketplaces" / "sp_api_schemas"
# The notification types ReSight normalises, each with Amazon's schema for it.
SCHEMA_FILES = {
    "ORDER_CHANGE": "OrderChangeNotification.json",
    "ITEM_SALES_EVENT_CHANGE": "ItemSalesEventChangeNotification.json",
    "DETAIL_PAGE_TRAFFIC_EVENT": "DetailPageTrafficEventNotification.json",
    "ANY_OFFER_CHANGED": "AnyOfferChangedNotification.json",
}
assert set(SCHEMA_FILES) == amazon.NOTIFICATION_TYPES, "a normalised type without its schema"

# The envelope as EventBridge documents it; ``detail`` is checked by the notification's own schema.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ],
    "properties": {
        "version": {"type": "string"},
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "detail-type": {"type": "string"},
        "source": {"type": "string", "pattern": "^aws\\.partner/sellingpartnerapi\\.amazon\\.com/"},
        "account": {"type": "string"},
        "time": {"type": "string"},
        "region": {"type": "string"},
        "resources": {"type": "array", "items": {"type": "string"}},
        "detail": {"type": "object"},
    },
}
# Built once per process: the schemas are the app's own files and never change while it runs.
VALIDATORS = {
    ntype: Draft7Validator(json.loads((SCHEMA_DIR / name).read_text()))
    for ntype, name in SCHEMA_FILES.items()
}
ENVELOPE = Draft7Validator(ENVELOPE_SCHEMA)
MESSAGE_LIMIT = 300  # a schema error quotes the offending value, which may be a whole object


@dataclass(frozen=True)
class Ignored:
    """A notification of a type ReSight does not take."""

    notification_type: str
    notification_id: str


@dataclass(frozen=True)
class Delivery:
    body: dict[str, Any]  # the notification, or a simple payload (no envelope, no type)
    envelope_id: str | None = None
    ignored: Ignored | None = None


def is_envelope(payload: dict[str, Any]) -> bool:
    return "detail-type" in payload or "detail" in payload


def read(payload: dict[str, Any], *, strict: bool) -> Delivery:
    """The notification in ``payload``; ``strict`` (the token authorised it): validate a known
    type against Amazon's schema even without an envelope. Raises ``ValidationFailed``."""
    prefix = ""
    envelope_id = None
    body = payload
    if is_envelope(payload):
        _check(ENVELOPE, payload, "", "the EventBridge event")
        envelope_id, body, prefix, strict = payload["id"], payload["detail"], "detail.", True
    type_key = first_key(body, "NotificationType", "notificationType")
    if type_key is None:
        if prefix:
            raise ValidationFailed(
                "'detail' is not an SP-API notification: no notificationType",
                field="detail.notificationType",
            )
        return Delivery(body)  # the simple payload, normalised as before
    ntype = body[type_key]
    if not isinstance(ntype, str) or not ntype:
        raise ValidationFailed(f"'{type_key}' must be a string", field=prefix + type_key)
    if ntype not in SCHEMA_FILES:
        return Delivery(body, envelope_id, Ignored(ntype, _notification_id(body, envelope_id)))
    if strict:
        _check(VALIDATORS[ntype], body, prefix, f"{ntype} notification")
    return Delivery(body, envelope_id)


def _notification_id(body: dict[str, Any], envelope_id: str | None) -> str:
    """What identifies a notification of an unknown type: its metadata id as every SP-API
    notification carries it, else the EventBridge event id, else the body's hash."""
    meta = body.get(first_key(body, "NotificationMetadata", "notificationMetadata") or "")
    if isinstance(meta, dict):
        found = meta.get(first_key(meta, "NotificationId", "notificationId") or "")
        if isinstance(found, str) and found:
            return found[:200]
    return envelope_id or body_digest(body)


def _check(validator: Draft7Validator, instance: Any, prefix: str, what: str) -> None:
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.validator_value, list):
        # A missing property is named itself, not the object that lacks it.
        missing = next((p for p in error.validator_value if p not in error.instance), None)
        if missing is not None:
            parts.append(missing)
    name = (prefix + ".".join(parts)).rstrip(".") or "body"
    raise ValidationFailed(
        f"{what} does not match Amazon's schema at {name!r}: {error.message[:MESSAGE_LIMIT]}",
        field=name,
    )
