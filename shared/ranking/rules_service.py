"""Rule changes: validate, store and audit (old and new).

The caller re-ranks and broadcasts (``shared.live.triggers.rules_changed``), which keeps this
service below the live loop.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.cosmos import Store
from shared.audit import trail
from shared.core.records import utcnow
from shared.ranking import rule_models


def active_rules(store: Store) -> list[rule_models.Rule]:
    return [rule_models.rule_from_doc(d) for d in store.query("rules", "SELECT * FROM c")]


def list_payload(store: Store) -> dict[str, Any]:
    now = utcnow()
    return {"rules": [{**r.to_doc(), "active": r.active(now)} for r in active_rules(store)]}


def create(store: Store, kind: str, body: dict[str, Any], actor: str) -> dict[str, Any]:
    rule = rule_models.parse_rule(kind, body, created_by=actor)
    doc = rule.to_doc()
    store.create("rules", doc)
    trail.record(
        store,
        f"rule.create.{doc['type']}",
        actor,
        item_id=doc.get("item_id"),
        before=None,
        after=doc,
    )
    return {**doc, "active": rule.active(utcnow())}


def delete(store: Store, rule_id: str, actor: str) -> None:
    before = store.read("rules", rule_id, rule_id)  # NotFound when there is no such rule
    store.delete("rules", rule_id, rule_id)
    clean = {k: v for k, v in before.items() if not k.startswith("_")}
    trail.record(
        store,
        f"rule.delete.{clean.get('type')}",
        actor,
        item_id=clean.get("item_id"),
        before=clean,
        after=None,
    )
