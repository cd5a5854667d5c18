"""Webhook ingestion: size -> signature -> JSON -> normalise -> idempotent append.

Nothing is written until the whole payload has been verified and normalised, so every
rejection (413, 401, 400, 422) leaves the stores untouched. Appending an event whose id already
exists is a no-op (a redelivery). Projections (stock, counters, ranking) follow from the
``events`` change feed, so a crash after the append loses nothing: the feed delivers the event
again. The audit entry of an order is created with an id derived from the event id and is
re-ensured on redelivery, so a crash between the two writes is repaired by the retry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.catalogue import connections
from shared.catalogue.connections import SecretBook
from shared.core import telemetry
from shared.core.errors import AuthError, PayloadTooLarge, ReSightError
from shared.core.records import Event, Marketplace, utcnow
from shared.core.schema import DAY_SECONDS
from shared.core.settings import Settings, get_settings
from shared.core.validation import json_object
from shared.ingest import signature
from shared.ingest.listing_ids import AsinIndex
from shared.ingest.marketplaces import NORMALISERS

log = logging.getLogger("resight.ingest")
AUDITED_KINDS = {"order", "cancel"}


@dataclass
class IngestResult:
    recorded: list[Event] = field(default_factory=list)
    duplicates: list[Event] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        status = "duplicate" if self.duplicates and not self.recorded else "recorded"
        return {
            "status": status,
            "recorded": [_summary(e) for e in self.recorded],
            "duplicates": [_summary(e) for e in self.duplicates],
        }


def verify_and_parse(
    marketplace: Marketplace,
    body: bytes,
    headers: dict[str, str],
    settings: Settings,
    *,
    secrets: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[Event]:
    """Everything but storage: the CPU cost of one webhook (benchmarked in bench/).

    ``secrets``: those the signature may use (a rotation's grace); default the configured one.
    """
    if len(body) > settings.max_body_bytes:  # checked before any CPU is spent on it
        raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {settings.max_body_bytes}")
    if secrets is None:
        configured = getattr(settings.webhooks, marketplace)
        secrets = [configured.get_secret_value()] if configured is not None else []
    if not secrets:
        raise AuthError(f"no webhook secret configured for {marketplace}")
    lower = {k.lower(): v for k, v in headers.items()}
    signature.verify(
        secrets,
        body,
        lower.get(signature.TIMESTAMP_HEADER),
        lower.get(signature.SIGNATURE_HEADER),
        max_age=settings.webhook_max_age_seconds,
    )
    payload = json_object(body, settings.max_body_bytes)
    return NORMALISERS[marketplace](payload, now or utcnow())


def append(store: Store, events: list[Event], *, source: str = "webhook") -> IngestResult:
    """Append events idempotently and audit stock-moving ones."""
    result = IngestResult()
    # Per-document TTL (the container's default is the schema's): events only need to outlive
    # the longest feature window, and EVENTS_TTL_DAYS lets a seller keep them longer.
    ttl = get_settings().events_ttl_days * DAY_SECONDS
    for event in events:
        if source != event.source:
            event = event.model_copy(update={"source": source})
        event = _match_order_line(store, event)
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


def _match_order_line(store: Store, event: Event) -> Event:
    """A cancellation returns stock only for an order line that was recorded. Either may come
    first: whichever arrives second sees the other, and an unmatched pair moves nothing."""
    if event.kind not in _LINE_KINDS or f":{event.kind}:" not in event.id:
        return event
    own, other = _LINE_KINDS[event.kind]
    partner_id = event.id.replace(f":{own}:", f":{other}:", 1)
    partner = store.read_or_none("events", partner_id, event.item_id)
    # A cancel with no order to undo, or an order whose cancel came first (and so undid
    # nothing): the pair nets to zero, so neither moves stock or counters.
    unmatched = partner is None if event.kind == "cancel" else partner is not None
    if not unmatched:
        return event
    return event.model_copy(update={"stock_delta": 0, "orders": 0, "units": 0, "revenue": 0.0})


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
        events = verify_and_parse(marketplace, body, headers, settings, secrets=valid, now=now)
    except ReSightError as exc:
        telemetry.record_rejected(marketplace, exc.code)
        log.warning("webhook rejected", extra={"marketplace": marketplace, "reason": exc.code})
        try:
            connections.record_rejection(store, marketplace, exc.code, now)
        except ReSightError:  # diagnostics must never change the answer
            log.warning("could not count a rejected delivery", exc_info=True)
        raise
    return append(store, listings.resolve(events), source=source)


def _summary(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "item_id": event.item_id,
        "kind": event.kind,
        "units": event.units,
        "revenue": event.revenue,
    }
