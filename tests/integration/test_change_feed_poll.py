"""devhost's change-feed poll against the real local Cosmos server: every document delivered
at least once, a failing batch delivered again, and the server's ``_ts`` index answering the
poll's query with exactly what a scan answers while examining only recent documents."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from devhost.triggers import ChangeFeedPoller

pytestmark = pytest.mark.integration


def _poller(store, fn, *, max_items=100, retries=-1):
    binding = {
        "containerName": "events",
        "databaseName": store._db_name,
        "name": "docs",
        "maxItemsPerInvocation": max_items,
        "retryPolicy": {"max_retry_count": retries},
    }
    return ChangeFeedPoller("test", binding, fn, store, threading.Event())


def _event(i: int, item: str = "feed-item") -> dict:
    return {"id": f"feed-{i}-{time.time_ns()}", "item_id": f"{item}-{i % 7}", "n": i}


def _stats(services) -> dict:
    return httpx.get(f"{services.cosmos_endpoint}/_emulator/stats", verify=False).json()


def test_every_document_is_delivered_across_seconds_and_small_batches(store):
    delivered: list[str] = []
    poller = _poller(store, lambda docs: delivered.extend(d["id"] for d in docs), max_items=3)
    poller.run_once()
    delivered.clear()
    written = []
    for second in range(3):
        for i in range(5):
            doc = _event(second * 10 + i)
            store.create("events", doc)
            written.append(doc["id"])
        poller.poll_once()  # part of a second's writes, the rest in the next polls
        time.sleep(0.6)  # _ts counts whole seconds: the writes must span several
    poller.run_once()
    assert sorted(set(delivered)) == sorted(written)


def test_a_failing_batch_is_delivered_again(store):
    poller = _poller(store, lambda docs: None)
    poller.run_once()
    doc = _event(1, "retried")
    store.create("events", doc)
    calls: list[list[str]] = []

    def flaky(docs):
        calls.append([d["id"] for d in docs])
        if len(calls) == 1:
            raise RuntimeError("the store blinked")

    poller.fn = flaky
    with pytest.raises(RuntimeError):
        poller.poll_once()
    poller.run_once()
    assert calls[0] == calls[1] == [doc["id"]]


def test_the_ts_query_is_answered_from_the_index_with_the_scans_answer(store, services):
    for i in range(40):
        store.create("events", _event(i, "indexed"))
    time.sleep(1.1)  # into the next _ts second, so "since" leaves the 40 above out
    since = int(time.time())
    fresh = [_event(100 + i, "indexed") for i in range(5)]
    for doc in fresh:
        store.create("events", doc)
    # A document written before ``since`` and replaced after it moves into the answer.
    old = next(iter(store.query("events", "SELECT * FROM c WHERE c.n = 0")))
    store.upsert("events", {**old, "touched": True})
    before = _stats(services)
    indexed = list(store.query("events", "SELECT * FROM c WHERE c._ts >= @ts", [("@ts", since)]))
    after = _stats(services)
    # The same filter in a shape the index does not take: the package's own scan.
    scanned = list(
        store.query(
            "events", "SELECT * FROM c WHERE c._ts >= @ts AND IS_DEFINED(c.id)", [("@ts", since)]
        )
    )
    assert [d["_rid"] for d in indexed] == [d["_rid"] for d in scanned]
    assert {d["id"] for d in fresh} | {old["id"]} <= {d["id"] for d in indexed}
    assert after["indexed_queries"] > before["indexed_queries"]
    examined = after["docs_examined"] - before["docs_examined"]
    container_size = len(list(store.query("events", "SELECT c.id FROM c")))
    assert examined < container_size


def test_a_backlog_is_read_once_and_delivered_batch_after_batch(store):
    """A bulk import leaves thousands of documents behind the cursor: the poll reads them once
    and delivers them a batch at a time, instead of reading the whole backlog for every batch
    (which made the local change feed quadratic in the backlog)."""
    delivered: list[str] = []
    poller = _poller(store, lambda docs: delivered.extend(d["id"] for d in docs), max_items=50)
    poller.run_once()
    delivered.clear()
    written = []
    for i in range(420):
        doc = _event(i, "backlog")
        store.create("events", doc)
        written.append(doc["id"])
    reads: list[str] = []
    query = store.query

    def counted(container, sql, *args, **kwargs):
        reads.append(sql)
        return query(container, sql, *args, **kwargs)

    store.query = counted
    try:
        poller.run_once()
    finally:
        del store.query
    assert sorted(delivered) == sorted(written)
    assert len(reads) <= 4, reads  # a fetch, then the empty window and log that end it
