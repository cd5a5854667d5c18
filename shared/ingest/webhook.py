"""Webhook ingestion: size -> signature or token -> JSON -> normalise -> idempotent append.

Nothing is written until the whole payload has been verified and normalised, so every
rejection (413, 401, 400, 422) leaves the stores untouched. Appending an event whose id already
exists is a no-op (a redelivery). Projections (stock, counters, ranking) follow from the
``events`` change feed, so a crash after the append loses nothing: the feed delivers the event
again. The audit entry of an order is created with an id derived from the event id and is
re-ensured on redelivery, so a crash between the two writes is repaired by the retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.catalogue import connections
from shared.catalogue.connections import SecretBook
from shared.core import sales, telemetry
from shared.core.errors import AuthError, PayloadTooLarge, ReSightError
from shared.core.records import Event, Marketplace, utcnow
from shared.core.schema import DAY_SECONDS
from shared.core.settings import Settings, get_settings
from shared.core.validation import json_object
from shared.ingest import eventbridge, signature
from shared.ingest.eventbridge import Ignored
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.marketplaces import NORMALISERS
from shared.ingest.marketplaces.amazon import adopt_report_lines

log = logging.getLogger("resight.ingest")
AUDITED_KINDS = {"order", "cancel"}


@dataclass
class IngestResult:
    recorded: list[Event] = field(default_factory=list)
    duplicates: list[Event] = field(default_factory=list)
    ignored: Ignored | None = None

    def to_dict(self) -> dict[str, Any]:
        status = "duplicate" if self.duplicates and not self.recorded else "recorded"
        answer: dict[str, Any] = {
            "status": "ignored" if self.ignored else status,
            "recorded": [_summary(e) for e in self.recorded],
            "duplicates": [_summary(e) for e in self.duplicates],
        }
        if self.ignored:
            answer["ignored"] = {
                "notification_type": self.ignored.notification_type,
                "notification_id": self.ignored.notification_id,
            }
        return answer


@dataclass(frozen=True)
class Parsed:
    events: list[Event]
    ignored: Ignored | None = None


def verify_and_parse(
    marketplace: Marketplace,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
    *,
    secrets: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[Event]:
    """Everything but storage: the CPU cost of one webhook (benchmarked in bench/)."""
    return verify_and_read(marketplace, body, headers, settings, secrets=secrets, now=now).events


def verify_and_read(
    marketplace: Marketplace,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
    *,
    secrets: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Parsed:
    """Authenticate, parse and normalise one delivery, or say which notification is ignored.

    ``secrets``: those the signature or token may use (a rotation's grace); default the
    configured one.
    """
    if len(body) > settings.max_body_bytes:  # checked before any CPU is spent on it
        raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {settings.max_body_bytes}")
    if secrets is None:
        configured = getattr(settings.webhooks, marketplace)
        secrets = [configured.get_secret_value()] if configured is not None else []
    if not secrets:
        raise AuthError(f"no webhook secret configured for {marketplace}")
    lower = {k.lower(): v for k, v in headers.items()}
    by_token = _authenticate(marketplace, body, lower, settings, secrets)
    payload = json_object(body, settings.max_body_bytes)
    if marketplace == "amazon":
        delivery = eventbridge.read(payload, strict=by_token)
        if delivery.ignored is not None:
            return Parsed([], delivery.ignored)
        payload = delivery.body
    return Parsed(NORMALISERS[marketplace](payload, now or utcnow()))


def _authenticate(
    marketplace: Marketplace,
    body: bytes,
    lower: dict[str, str],
    settings: Settings,
    secrets: Sequence[str],
) -> bool:
    """The HMAC signature, or the token where the marketplace takes one; True for the token."""
    token = lower.get(signature.TOKEN_HEADER)
    if token is None:
        signature.verify(
            secrets,
            body,
            lower.get(signature.TIMESTAMP_HEADER),
            lower.get(signature.SIGNATURE_HEADER),
            max_age=settings.webhook_max_age_seconds,
        )
        return False
    if marketplace not in settings.webhook_token_marketplaces:
        raise AuthError(
            f"X-ReSight-Token is not accepted for {marketplace}: sign the body "
            "(X-ReSight-Signature), or add the marketplace to WEBHOOK_TOKEN_MARKETPLACES"
        )
    signature.verify_token(secrets, token)
    return True


def append(store: Store, events: list[Event], *, source: str = "webhook") -> IngestResult:
    """Append events idempotently and audit stock-moving ones."""
    result = IngestResult()
    # Per-document TTL (the container's default is the schema's): events only need to outlive
    # the longest feature window, and EVENTS_TTL_DAYS lets a seller keep them longer.
    ttl = get_settings().events_ttl_days * DAY_SECONDS

    def stored(event_id: str, item_id: str) -> dict[str, Any] | None:
        return store.read_or_none("events", event_id, item_id)

    for event in events:
        if source != event.source:
            event = event.model_copy(update={"source": source})
        event = match_order_line(store, event, stored)
        created = store.create("events", {**event.to_doc(), "ttl": ttl})
        (result.recorded if created else result.duplicates).append(event)
        if event.kind in AUDITED_KINDS and source != "backfill":
            trail.record_event(store, event)
        if created:
            telemetry.record_ingested(event.marketplace)
        else:
            telemetry.record_duplicate(event.marketplace)
        telemetry.log_ingest(
            log,
            event.id,
            event.marketplace,
            "recorded" if created else "duplicate",
            kind=event.kind,
            item_id=event.item_id,
        )
    return result


# Every normaliser names an order line's cancellation as the line's own id with ``cancel`` in
# place of ``order`` (``amazon:cancel:<order>:<line>``), so each can find the other.
_LINE_KINDS = {"order": ("order", "cancel"), "cancel": ("cancel", "order")}


# The stored event of an id in an item's partition, or None: a point read for one webhook, a
# lookup in what one query found for a file of orders (``shared.ingest.bulk.order_writer``).
StoredEvent = Callable[[str, str], dict[str, Any] | None]


def match_order_line(store: Store, event: Event, stored: StoredEvent) -> Event:
    """A cancellation returns stock only for an order line that was recorded. Either may come
    first: whichever arrives second sees the other, and an unmatched pair moves nothing."""
    if event.kind not in _LINE_KINDS or f":{event.kind}:" not in event.id:
        return event
    own, other = _LINE_KINDS[event.kind]
    partner_id = event.id.replace(f":{own}:", f":{other}:", 1)
    partner = stored(partner_id, event.item_id)
    # A cancel with no order to undo, or an order whose cancel came first (and so undid
    # nothing): the pair nets to zero, so neither moves stock or counters.
    unmatched = partner is None if event.kind == "cancel" else partner is not None
    if not unmatched:
        return _priced(store, event, partner)
    return event.model_copy(update={"stock_delta": 0, "orders": 0, "units": 0, "revenue": 0.0})


def _priced(store: Store, event: Event, partner: dict[str, Any] | None) -> Event:
    """An SP-API ``ORDER_CHANGE`` line carries no price: it is recorded with its units and the
    listing price in force when it was placed (``shared.core.sales``); its cancellation with the
    line's own units and revenue, negated. Other lines carry theirs."""
    if not (
        event.marketplace == "amazon"
        and event.price is None
        and event.units == 0
        and event.revenue == 0
        and event.stock_delta != 0
    ):
        return event
    if event.kind == "cancel":
        assert partner is not None  # a matched cancellation
        units, revenue = -int(partner.get("units") or 0), -float(partner.get("revenue") or 0.0)
        return event.model_copy(update={"units": units, "revenue": round(revenue, 2)})
    units = -event.stock_delta
    product = store.read_or_none("products", event.item_id, event.item_id)
    price = sales.price_at(product, event.occurred_at)
    return event.model_copy(update={"units": units, "revenue": sales.priced_line(units, price)})


def ingest_webhook(
    marketplace: Marketplace,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
    store: Store,
    *,
    listings: AsinIndex,
    secrets: SecretBook,
    source: str = "webhook",
) -> IngestResult:
    now = utcnow()
    try:
        valid = secrets.valid(marketplace, settings, now)
        parsed = verify_and_read(marketplace, body, headers, settings, secrets=valid, now=now)
    except ReSightError as exc:
        telemetry.record_rejected(marketplace, exc.code)
        log.warning("webhook rejected", extra={"marketplace": marketplace, "reason": exc.code})
        try:
            connections.record_rejection(store, marketplace, exc.code, now)
        except ReSightError:  # diagnostics must never change the answer
            log.warning("could not count a rejected delivery", exc_info=True)
        raise
    if parsed.ignored is not None:
        _record_ignored(store, marketplace, parsed.ignored, now)
        return IngestResult(ignored=parsed.ignored)
    events = listings.resolve(parsed.events)
    if marketplace == "amazon":
        # A line imported from Amazon's all-orders report first keeps the report's id.
        events = adopt_report_lines(events, lambda i, p: store.read_or_none("events", i, p))
    return append(store, events, source=source)


def _record_ignored(
    store: Store, marketplace: Marketplace, ignored: Ignored, now: datetime
) -> None:
    """Count a notification of a type ReSight does not take. Never fails the delivery: there is
    nothing of it to keep, and an error would make the sender retry it for nothing."""
    try:
        first = connections.record_ignored(
            store, marketplace, ignored.notification_type, ignored.notification_id, now
        )
    except ReSightError:
        log.warning("could not record an ignored notification", exc_info=True)
        first = True
    if first:
        telemetry.record_ignored(marketplace, ignored.notification_type)
    log.info(
        "notification ignored",
        extra={
            "marketplace": marketplace,
            "notification_type": ignored.notification_type,
            "notification_id": ignored.notification_id,
        },
    )


def _summary(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "item_id": event.item_id,
        "kind": event.kind,
        "units": event.units,
        "revenue": event.revenue,
    }
