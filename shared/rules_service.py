"""Rule changes: validate, store, audit (old and new), re-rank and broadcast."""

from __future__ import annotations

from typing import Any

from shared import audit, broadcast
from shared.errors import NotFound
from shared.live import live
from shared.models import utcnow
from shared.ranking import rules as rule_models
from shared.store import get_store


def list_payload() -> dict[str, Any]:
    now = utcnow()
    rules = live().active_rules()
    return {"rules": [{**r.to_doc(), "active": r.active(now)} for r in rules]}


def create(kind: str, body: dict[str, Any], actor: str) -> dict[str, Any]:
    rule = rule_models.parse_rule(kind, {**body, "created_by": actor})
    doc = rule.to_doc()
    store = get_store()
    store.create("rules", doc)
    audit.record(
        store,
        f"rule.create.{doc['type']}",
        actor,
        item_id=doc.get("item_id"),
        before=None,
        after=doc,
    )
    _changed()
    return {**doc, "active": rule.active(utcnow())}


def delete(rule_id: str, actor: str) -> None:
    store = get_store()
    # A query, not a point read: the local Cosmos server fails point reads of missing ids in
    # /id-partitioned containers instead of answering 404.
    before = next(
        store.query("rules", "SELECT * FROM c WHERE c.id = @id", [("@id", rule_id)]), None
    )
    if before is None:
        raise NotFound(f"no rule {rule_id!r}")
    store.delete("rules", rule_id, rule_id)
    clean = {k: v for k, v in before.items() if not k.startswith("_")}
    audit.record(
        store,
        f"rule.delete.{clean.get('type')}",
        actor,
        item_id=clean.get("item_id"),
        before=clean,
        after=None,
    )
    _changed()


def _changed() -> None:
    """A rule change re-ranks: push the new rules and ranking to every dashboard."""
    from shared.pipeline import flush

    broadcast.send("rules", list_payload())
    flush()
