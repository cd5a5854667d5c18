"""Marketplace store connections. While none is connected, the mock generator feeds the app."""

from __future__ import annotations

from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.core.errors import NotFound
from shared.core.records import MARKETPLACES, utcnow

DISPLAY = {"amazon": "Amazon.in", "myntra": "Myntra", "meesho": "Meesho"}


def list_stores(store: Store) -> list[dict[str, Any]]:
    saved = {d["id"]: d for d in store.query("stores", "SELECT * FROM c")}
    out = []
    for mp in MARKETPLACES:
        doc = saved.get(mp, {})
        out.append(
            {
                "marketplace": mp,
                "display_name": DISPLAY[mp],
                "connected": bool(doc.get("connected")),
                "connected_at": doc.get("connected_at"),
            }
        )
    return out


def mode(stores: list[dict[str, Any]]) -> str:
    return "live" if any(s["connected"] for s in stores) else "mock"


def payload(store: Store) -> dict[str, Any]:
    stores = list_stores(store)
    return {"mode": mode(stores), "stores": stores}


def set_connected(store: Store, marketplace: str, connected: bool, actor: str) -> dict[str, Any]:
    if marketplace not in MARKETPLACES:
        raise NotFound(f"unknown marketplace {marketplace!r}; one of {list(MARKETPLACES)}")
    before = next(s for s in list_stores(store) if s["marketplace"] == marketplace)
    doc = {
        "id": marketplace,
        "connected": connected,
        "connected_at": utcnow().isoformat() if connected else None,
    }
    store.upsert("stores", doc)
    trail.record(
        store,
        "store.connect" if connected else "store.disconnect",
        actor,
        before={"connected": bool(before and before.get("connected"))},
        after={"connected": connected},
        details={"marketplace": marketplace},
    )
    return payload(store)
