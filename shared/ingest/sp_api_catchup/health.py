"""What the Stores page shows of Amazon's three paths: notifications (EventBridge straight to the
webhook), the SP-API catch-up and the history backfill; per SP-API operation, the last pull,
the lag, the waits on the usage plan and the errors; and whether the LWA fields are set (never
their values)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.adapters.sp_api import SpApiClient
from shared.catalogue import connections
from shared.core.errors import ReSightError
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.ingest import sp_api_history
from shared.ingest.sp_api_catchup import PATH as CATCHUP
from shared.ingest.sp_api_catchup import RAW_TYPE, state

# A catch-up whose checkpoint is further behind than this is late (it runs every 5 minutes,
# each window ends 2 minutes before its run).
CATCHUP_LATE = timedelta(minutes=30)
# Notifications count as flowing when one arrived within this.
NOTIFICATIONS_QUIET = timedelta(hours=24)
LWA_FIELDS = {
    "lwaClientId": "lwa_client_id",
    "lwaClientSecret": "lwa_client_secret",
    "refreshToken": "refresh_token",
}
# EventBridge's partner event source for SP-API notifications (docs/amazon.md).
EVENT_SOURCE_PREFIX = "aws.partner/sellingpartnerapi.amazon.com/"


def status(store: Store, settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    conn = settings.amazon_sp_api
    unresolved = set(settings.unresolved_settings)
    lwa = {}
    for alias, attr in LWA_FIELDS.items():
        name = f"AmazonSpApi__{alias}"
        value = getattr(conn, attr)
        lwa[alias] = (
            "unresolved"
            if name in unresolved
            else "set"
            if value is not None and value.get_secret_value()
            else "missing"
        )
    catchup = state.read(store, CATCHUP, conn.marketplace_id)
    backfill = state.read(store, sp_api_history.PATH, conn.marketplace_id)
    operations = state.merge_operations((catchup or {}).get("operations") or {}, {})
    for name, stats in ((backfill or {}).get("operations") or {}).items():
        operations[name] = stats
    for stats in operations.values():
        stats["lag_seconds"] = _since(stats.get("last_ok_at"), now)
    return {
        "marketplace_id": conn.marketplace_id,
        "endpoint": conn.endpoint,
        "configured": conn.configured,
        "lwa": lwa,
        "eventbridge": {
            # The API destination connection's header name, as the seller types it (HTTP header
            # names are case-insensitive; signature.TOKEN_HEADER is its lower-case form).
            "token_header": "X-ReSight-Token",
            "webhook_path": connections.webhook_path("amazon"),
            "event_source_prefix": EVENT_SOURCE_PREFIX,
            "token_accepted": "amazon" in settings.webhook_token_marketplaces,
        },
        "operations": operations,
        "paths": {
            "notifications": _notifications(store, now),
            "catchup": _catchup(catchup, conn.configured, lwa, now),
            "backfill": _backfill(backfill, store, conn.configured),
        },
    }


def _notifications(store: Store, now: datetime) -> dict[str, Any]:
    last = next(
        store.query(
            "events",
            "SELECT TOP 1 c.received_at FROM c WHERE c.marketplace = 'amazon' "
            "AND c.source = 'webhook' AND c.raw_type != @catchup ORDER BY c.received_at DESC",
            [("@catchup", RAW_TYPE)],
        ),
        None,
    )
    amazon = next(s for s in connections.list_stores(store) if s["marketplace"] == "amazon")
    last_at = (last or {}).get("received_at")
    refused = amazon["rejected_24h"]
    reasons = ", ".join(sorted({r["reason"] for r in amazon["rejected"]}))
    if last_at is None:
        healthy, why = False, "no notification has arrived yet: set up the EventBridge rule"
    elif now - _parse(last_at) > NOTIFICATIONS_QUIET:
        healthy, why = False, "no notification for more than 24 hours"
    else:
        healthy, why = True, "notifications are arriving"
    if refused:
        healthy = False
        why += f"; {refused} deliveries refused in 24 hours ({reasons})"
    return {"healthy": healthy, "why": why, "last_at": last_at, "refused_24h": refused}


def _catchup(
    doc: dict[str, Any] | None, configured: bool, lwa: dict[str, str], now: datetime
) -> dict[str, Any]:
    if not configured:
        missing = [f"AmazonSpApi__{k}" for k, v in lwa.items() if v != "set"]
        return {"healthy": False, "why": "not configured: set " + ", ".join(missing)}
    if doc is None:
        return {"healthy": False, "why": "has not run yet (it runs every 5 minutes)"}
    lag = _since(doc.get("checkpoint"), now)
    out = {
        "checkpoint": doc.get("checkpoint"),
        "lag_seconds": lag,
        "last_run_at": doc.get("last_run_at"),
        "last_status": doc.get("last_status"),
        "last_error": doc.get("last_error"),
        "orders": doc.get("orders", 0),
        "recorded": doc.get("recorded", 0),
        "duplicates": doc.get("duplicates", 0),
    }
    if doc.get("last_status") == "failed":
        return {**out, "healthy": False, "why": f"the last run failed: {doc.get('last_error')}"}
    if lag is not None and lag > CATCHUP_LATE.total_seconds():
        return {**out, "healthy": False, "why": f"{lag // 60} minutes behind Amazon"}
    return {**out, "healthy": True, "why": "up to date"}


def _backfill(doc: dict[str, Any] | None, store: Store, configured: bool) -> dict[str, Any]:
    shown = sp_api_history.progress(doc, store)
    if shown is None:
        why = "starts on the first run with credentials" if configured else "not configured"
        return {"healthy": configured, "why": why, "progress": None}
    if shown["status"] == "failed" or shown["failed"]:
        reasons = "; ".join(f"{f['start'][:10]}: {f['reason']}" for f in shown["failed"])
        return {"healthy": False, "why": f"chunks failed ({reasons})", "progress": shown}
    if shown["error"]:
        return {"healthy": False, "why": shown["error"], "progress": shown}
    done = shown["chunks"].get("imported", 0) + shown["chunks"].get("empty", 0)
    if shown["status"] == "done":
        return {
            "healthy": True,
            "why": f"{shown['rows_imported']} lines imported",
            "progress": shown,
        }
    return {
        "healthy": True,
        "why": f"{done} of {shown['chunks_total']} chunks imported",
        "progress": shown,
    }


def test_connection(settings: Settings) -> dict[str, Any]:
    """getMarketplaceParticipations with the configured credentials: whether they work and the
    configured marketplace is among the seller's."""
    conn = settings.amazon_sp_api
    try:
        client = SpApiClient(conn, attempts=2, max_wait=5.0)
        participations = client.get_marketplace_participations()
    except ReSightError as exc:
        return {"ok": False, "error": exc.message}
    marketplaces = [
        {
            "id": p["marketplace"]["id"],
            "name": p["marketplace"]["name"],
            "participating": p["participation"]["isParticipating"],
            "store_name": p.get("storeName"),
        }
        for p in participations
    ]
    found = any(m["id"] == conn.marketplace_id and m["participating"] for m in marketplaces)
    return {
        "ok": found,
        "error": None if found else f"the seller does not sell on {conn.marketplace_id}",
        "marketplaces": marketplaces,
    }


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _since(text: Any, now: datetime) -> int | None:
    if not text:
        return None
    return max(0, int((now - _parse(text)).total_seconds()))
