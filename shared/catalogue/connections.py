"""Marketplace connections: whether each marketplace is really sending, and its webhook secret.

A marketplace counts as connected when signed webhook events from it arrived in the last
``RECEIVING_SECONDS``; an admin may also switch one on by hand (demos). That is all the mode
(live or mock) says: whether the demo's simulated shoppers run is the demo's own lifecycle
(``shared.catalogue.demo``), which real data ends for good.

Refused deliveries (bad signature, stale timestamp, invalid payload) are counted per
marketplace, reason and minute in the ``deliveries`` container (diagnostics with a week's TTL,
never business state), so the Stores page can say why a marketplace's events are not landing.
Notifications of a type ReSight does not take are answered 200 and recorded there too, one
document per notification (a redelivery is not counted twice).

Secret rotation: a new secret is generated and kept in the marketplace's ``stores`` document;
the previous one (at first, the configured ``Webhooks__<marketplace>Secret``) stays valid for
``SECRET_GRACE`` so the marketplace can be switched over without losing deliveries.

The static ``X-ReSight-Token`` header (EventBridge API destinations, ``shared.ingest.signature``)
is this same secret, not a second one: it grants nothing the signing key does not, the seller
keeps one value per marketplace, and one rotation with one grace covers relays and EventBridge.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.core.errors import NotFound
from shared.core.records import MARKETPLACES, utcnow
from shared.core.settings import Settings

DISPLAY = {"amazon": "Amazon.in", "myntra": "Myntra", "meesho": "Meesho"}
RECEIVING_SECONDS = 120
RATE_WINDOW_SECONDS = 300  # events per minute: the average over the last five minutes
REJECTED_WINDOW = timedelta(hours=24)
SECRET_GRACE = timedelta(hours=24)
SECRETS_TTL_SECONDS = 30.0  # how long an instance trusts its copy of the secrets


def webhook_path(marketplace: str) -> str:
    return f"/api/integrations/{marketplace}/webhook"


def _saved(store: Store) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in store.query("stores", "SELECT * FROM c")}


def _webhook_events(store: Store, since: int, marketplace: str | None = None) -> int:
    sql = "SELECT VALUE COUNT(1) FROM c WHERE c.source = 'webhook' AND c._ts >= @since"
    params: list[tuple[str, Any]] = [("@since", since)]
    if marketplace is not None:
        sql += " AND c.marketplace = @mp"
        params.append(("@mp", marketplace))
    found: Any = next(store.query("events", sql, params), 0)
    return int(found)


def receiving(store: Store) -> bool:
    """Are signed webhook events arriving from any marketplace right now?"""
    return _webhook_events(store, int(time.time()) - RECEIVING_SECONDS) > 0


def mode(store: Store) -> str:
    """``live`` while a marketplace sends (or is switched on by hand), else ``mock``."""
    manual = any(d.get("connected") for d in _saved(store).values())
    return "live" if manual or receiving(store) else "mock"


def _last_event_at(store: Store, marketplace: str) -> str | None:
    rows = store.query(
        "events",
        "SELECT TOP 1 c.received_at FROM c WHERE c.source = 'webhook' AND c.marketplace = @mp "
        "ORDER BY c._ts DESC",
        [("@mp", marketplace)],
    )
    row = next(rows, None)
    return None if row is None else row.get("received_at")


def _deliveries(
    store: Store, marketplace: str, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The last day's refused deliveries by reason, and ignored notifications by type."""
    since = (now - REJECTED_WINDOW).strftime("%Y%m%d%H%M")
    rows = store.query(
        "deliveries",
        # The partition key in the filter too: the local server ignores the query option.
        "SELECT c.reason, c.count, c.minute, c.ignored_type FROM c "
        "WHERE c.marketplace = @mp AND c.minute >= @since",
        [("@since", since), ("@mp", marketplace)],
        partition_key=marketplace,
    )
    by_reason: dict[str, dict[str, Any]] = {}
    by_type: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.get("ignored_type") is not None:
            name, key, groups, count = row["ignored_type"], "notification_type", by_type, 1
        else:
            name, key, groups = row["reason"], "reason", by_reason
            count = int(row.get("count", 0))
        entry = groups.setdefault(name, {key: name, "count": 0})
        entry["count"] += count
        entry["last_minute"] = max(entry.get("last_minute", ""), row["minute"])
    return (
        sorted(by_reason.values(), key=lambda r: -r["count"]),
        sorted(by_type.values(), key=lambda r: -r["count"]),
    )


def record_rejection(store: Store, marketplace: str, reason: str, now: datetime) -> None:
    """Count one refused delivery (one document per marketplace, reason and minute)."""
    minute = now.strftime("%Y%m%d%H%M")
    doc = {
        "id": f"{reason}:{minute}",
        "marketplace": marketplace,
        "reason": reason,
        "minute": minute,
    }
    store.increment("deliveries", doc, marketplace, "count")


def record_ignored(
    store: Store, marketplace: str, notification_type: str, notification_id: str, now: datetime
) -> bool:
    """Record one notification of a type ReSight does not take; False when a redelivery of it
    was already recorded (the document id is the notification's)."""
    digest = hashlib.sha256(f"{notification_type}\n{notification_id}".encode()).hexdigest()
    doc = {
        "id": f"ignored:{digest[:32]}",  # any notification id, made a valid document id
        "marketplace": marketplace,
        "ignored_type": notification_type[:100],
        "notification_id": notification_id[:200],
        "minute": now.strftime("%Y%m%d%H%M"),
        "received_at": now.isoformat(),
    }
    return store.create("deliveries", doc)


def list_stores(store: Store) -> list[dict[str, Any]]:
    now = utcnow()
    saved = _saved(store)
    cutoff = int(time.time())
    out = []
    for mp in MARKETPLACES:
        doc = saved.get(mp, {})
        recent = _webhook_events(store, cutoff - RATE_WINDOW_SECONDS, mp)
        live_now = _webhook_events(store, cutoff - RECEIVING_SECONDS, mp) > 0
        rejected, ignored = _deliveries(store, mp, now)
        out.append(
            {
                "marketplace": mp,
                "display_name": DISPLAY[mp],
                "connected": bool(doc.get("connected")) or live_now,
                "manual": bool(doc.get("connected")),
                "receiving": live_now,
                "connected_at": doc.get("connected_at"),
                "webhook_path": webhook_path(mp),
                "last_event_at": _last_event_at(store, mp),
                "events_per_minute": round(recent / (RATE_WINDOW_SECONDS / 60), 2),
                "rejected": rejected,
                "rejected_24h": sum(r["count"] for r in rejected),
                "ignored": ignored,
                "ignored_24h": sum(r["count"] for r in ignored),
                "secret_rotated_at": doc.get("secret_rotated_at"),
                "previous_secret_valid_until": doc.get("previous_valid_until"),
            }
        )
    return out


def payload(store: Store) -> dict[str, Any]:
    stores = list_stores(store)
    return {"mode": "live" if any(s["connected"] for s in stores) else "mock", "stores": stores}


def _check(marketplace: str) -> None:
    if marketplace not in MARKETPLACES:
        raise NotFound(f"unknown marketplace {marketplace!r}; one of {list(MARKETPLACES)}")


def set_connected(store: Store, marketplace: str, connected: bool, actor: str) -> dict[str, Any]:
    """The manual switch (demos): live mode without real traffic, or back to automatic."""
    _check(marketplace)
    before = _saved(store).get(marketplace, {"id": marketplace})
    doc = {
        **{k: v for k, v in before.items() if not k.startswith("_")},
        "connected": connected,
        "connected_at": utcnow().isoformat() if connected else None,
    }
    store.upsert("stores", doc)
    trail.record(
        store,
        "store.connect" if connected else "store.disconnect",
        actor,
        before={"connected": bool(before.get("connected"))},
        after={"connected": connected},
        details={"marketplace": marketplace},
    )
    return payload(store)


def rotate_secret(store: Store, marketplace: str, actor: str, settings: Settings) -> dict[str, Any]:
    """A new webhook secret (shown once); the one it replaces stays valid for the grace."""
    _check(marketplace)
    now = utcnow()
    before = _saved(store).get(marketplace, {"id": marketplace})
    configured = getattr(settings.webhooks, marketplace)
    previous = before.get("secret") or (configured.get_secret_value() if configured else None)
    new = secrets.token_urlsafe(32)
    valid_until = (now + SECRET_GRACE).isoformat()
    doc = {
        **{k: v for k, v in before.items() if not k.startswith("_")},
        "secret": new,
        "secret_rotated_at": now.isoformat(),
        "previous_secret": previous,
        "previous_valid_until": valid_until,
    }
    store.upsert("stores", doc)
    trail.record(
        store,
        "store.rotate_secret",
        actor,
        before={"secret_rotated_at": before.get("secret_rotated_at")},
        after={"secret_rotated_at": doc["secret_rotated_at"], "previous_valid_until": valid_until},
        details={"marketplace": marketplace},
    )
    return {
        "marketplace": marketplace,
        "secret": new,
        "rotated_at": doc["secret_rotated_at"],
        "previous_valid_until": valid_until,
    }


class SecretBook:
    """The secrets a webhook of each marketplace may be signed with, cached per instance for
    ``SECRETS_TTL_SECONDS`` (a rotation reaches other instances within that time)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._saved: dict[str, dict[str, Any]] | None = None
        self._loaded_at = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._saved = None

    def _docs(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._saved is None or self._clock() - self._loaded_at > SECRETS_TTL_SECONDS:
                self._saved = _saved(self._store)
                self._loaded_at = self._clock()
            return self._saved

    def valid(self, marketplace: str, settings: Settings, now: datetime) -> list[str]:
        """The active secret first, then the previous one while its grace lasts."""
        doc = self._docs().get(marketplace, {})
        configured = getattr(settings.webhooks, marketplace, None)
        if not doc.get("secret"):
            return [configured.get_secret_value()] if configured else []
        out = [doc["secret"]]
        until = doc.get("previous_valid_until")
        if doc.get("previous_secret") and until and now.isoformat() < until:
            out.append(doc["previous_secret"])
        return out

    def active(self, marketplace: str, settings: Settings) -> str | None:
        found = self.valid(marketplace, settings, utcnow())
        return found[0] if found else None
