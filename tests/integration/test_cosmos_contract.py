"""The Cosmos adapter's contract, asserted the same way against every container of the schema
on the real local server: whatever the server's quirks, callers see one behaviour."""

from __future__ import annotations

import uuid

import pytest

from shared.core.errors import Conflict, NotFound
from shared.core.schema import CONTAINERS

pytestmark = pytest.mark.integration


def _doc(spec, doc_id: str) -> dict:
    key = spec.partition_key.lstrip("/")
    return {"id": doc_id, key: doc_id if key == "id" else f"pk-{doc_id}", "n": 1}


def _pk(spec, doc: dict):
    return doc[spec.partition_key.lstrip("/")]


@pytest.mark.parametrize("spec", CONTAINERS, ids=lambda s: s.name)
def test_missing_documents_read_as_not_found(store, spec):
    missing = _doc(spec, f"missing-{uuid.uuid4().hex}")
    with pytest.raises(NotFound):
        store.read(spec.name, missing["id"], _pk(spec, missing))
    assert store.read_or_none(spec.name, missing["id"], _pk(spec, missing)) is None
    assert store.delete(spec.name, missing["id"], _pk(spec, missing)) is False


@pytest.mark.parametrize("spec", CONTAINERS, ids=lambda s: s.name)
def test_create_is_idempotent_and_etags_guard_replaces(store, spec):
    doc = _doc(spec, f"doc-{uuid.uuid4().hex}")
    assert store.create(spec.name, dict(doc)) is True
    assert store.create(spec.name, dict(doc)) is False
    stored = store.read(spec.name, doc["id"], _pk(spec, doc))
    assert stored["n"] == 1
    store.upsert(spec.name, {**doc, "n": 2}, etag=stored["_etag"])
    with pytest.raises(Conflict):
        store.upsert(spec.name, {**doc, "n": 3}, etag=stored["_etag"])
    assert store.read(spec.name, doc["id"], _pk(spec, doc))["n"] == 2
    assert store.delete(spec.name, doc["id"], _pk(spec, doc)) is True


def test_update_creates_changes_and_leaves_alone(store):
    """``Store.update``: the one read-modify-write. A missing document is offered as None."""
    doc_id = f"upd-{uuid.uuid4().hex}"
    seen: list[dict | None] = []

    def bump(current):
        seen.append(current)
        n = 0 if current is None else current["n"]
        return {"id": doc_id, "item_id": doc_id, "n": n + 1} if n < 2 else None

    assert store.update("products", doc_id, doc_id, bump)["n"] == 1
    assert seen[0] is None
    assert store.update("products", doc_id, doc_id, bump)["n"] == 2
    assert store.update("products", doc_id, doc_id, bump) is None  # "no change": nothing written
    assert store.read("products", doc_id, doc_id)["n"] == 2


def test_update_applies_the_change_again_after_a_lost_race(store):
    doc_id = f"race-{uuid.uuid4().hex}"
    store.create("products", {"id": doc_id, "item_id": doc_id, "n": 0, "log": []})
    calls = 0

    def append(current):
        nonlocal calls
        calls += 1
        if calls == 1:  # another writer gets in between this read and this write
            other = store.read("products", doc_id, doc_id)
            store.upsert("products", {**other, "log": [*other["log"], "other"]})
        return {**current, "log": [*current["log"], "mine"]}

    written = store.update("products", doc_id, doc_id, append)
    assert calls == 2 and written["log"] == ["other", "mine"]


def test_update_gives_up_with_kept_changing_and_a_concurrent_create_counts_as_a_race(store):
    from shared.adapters.cosmos import UPDATE_ATTEMPTS
    from shared.core.errors import KeptChanging

    doc_id = f"busy-{uuid.uuid4().hex}"
    calls = 0

    def always_beaten(current):
        nonlocal calls
        calls += 1
        # Someone else writes (the first time: creates) before each of these writes lands.
        store.upsert("products", {"id": doc_id, "item_id": doc_id, "n": calls})
        return {"id": doc_id, "item_id": doc_id, "n": -1}

    with pytest.raises(KeptChanging) as raised:
        store.update("products", doc_id, doc_id, always_beaten)
    assert isinstance(raised.value, Conflict) and calls == UPDATE_ATTEMPTS
    assert store.read("products", doc_id, doc_id)["n"] == UPDATE_ATTEMPTS


def test_create_many_writes_what_is_new_and_answers_each_duplicate(store):
    """Batched creates answer as ``create`` does, one flag per document: ids already taken
    (before the call, or twice within it) are False and change nothing; the rest are written,
    across more than one transactional batch."""
    pk = f"item-{uuid.uuid4().hex}"
    taken = {"id": f"{pk}-7", "item_id": pk, "n": "first"}
    assert store.create("events", dict(taken))
    docs = [{"id": f"{pk}-{i}", "item_id": pk, "n": i} for i in range(250)]
    docs.insert(120, {"id": f"{pk}-3", "item_id": pk, "n": "again"})  # in the second batch
    created = store.create_many("events", pk, docs)
    assert [d["id"] for d, new in zip(docs, created, strict=True) if not new] == [
        f"{pk}-7",
        f"{pk}-3",
    ]
    stored = {
        r["id"]: r["n"]
        for r in store.query(
            "events", "SELECT c.id, c.n FROM c WHERE c.item_id = @pk", [("@pk", pk)]
        )
    }
    assert len(stored) == 250
    assert stored[f"{pk}-7"] == "first" and stored[f"{pk}-3"] == 3
