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
