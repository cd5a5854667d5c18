"""Per-item isolation in the projection loop (``shared.projection.apply``): a lasting failure of
one item dead-letters its events and the batch goes on; a store that does not answer or
throttles fails the batch instead (it is delivered again), so an outage never dead-letters good
events."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ServiceResponseError
from azure.cosmos import exceptions

from shared.adapters import cosmos
from shared.core.errors import ServiceUnavailable
from shared.projection import apply

pytestmark = pytest.mark.unit

EVENTS = [{"id": "e1", "item_id": "BAD"}, {"id": "e2", "item_id": "GOOD"}]


def _from(cause: BaseException) -> ServiceUnavailable:
    """What the Cosmos adapter raises for ``cause``."""
    try:
        raise ServiceUnavailable("cannot read products") from cause
    except ServiceUnavailable as exc:
        return exc


def _cosmos(status: int) -> exceptions.CosmosHttpResponseError:
    return exceptions.CosmosHttpResponseError(status_code=status, message=f"status {status}")


@pytest.fixture()
def loop(monkeypatch):
    """``project_batch`` with the item ``BAD`` failing with ``loop.error``; records dead letters."""

    class Loop:
        error: BaseException = ValueError("not a time")
        dead: list[str] = []
        projected: list[str] = []

    def project_item(store, item_id, docs):
        if item_id == "BAD":
            raise Loop.error
        Loop.projected.append(item_id)
        return {"item_id": item_id}

    monkeypatch.setattr(apply, "project_item", project_item)
    monkeypatch.setattr(apply, "RETRY_PAUSES", (0.0,))
    monkeypatch.setattr(
        apply.dead_letters,
        "record",
        lambda store, item, docs, exc, attempts: Loop.dead.append(item),
    )
    Loop.dead, Loop.projected = [], []
    return Loop


@pytest.mark.parametrize(
    "error",
    [ValueError("not a time"), _from(_cosmos(400)), _from(_cosmos(413))],
    ids=["a bug", "cosmos 400", "cosmos 413"],
)
def test_a_lasting_failure_dead_letters_the_item_and_the_batch_goes_on(loop, error):
    loop.error = error
    changed = apply.project_batch(None, EVENTS)  # type: ignore[arg-type]
    assert loop.dead == ["BAD"]
    assert [s["item_id"] for s in changed] == ["GOOD"]


@pytest.mark.parametrize(
    "cause",
    [_cosmos(503), _cosmos(429), _cosmos(408), ServiceResponseError("timed out")],
    ids=["503", "429 after the SDK's retries", "408", "no answer"],
)
def test_a_store_that_does_not_answer_fails_the_batch_and_dead_letters_nothing(loop, cause):
    # With half of the Cosmos requests answered 503 for 10 s, an order the marketplace saw
    # acknowledged was missing from the counters: its item had been dead-lettered.
    loop.error = _from(cause)
    with pytest.raises(ServiceUnavailable):
        apply.project_batch(None, EVENTS)  # type: ignore[arg-type]
    assert loop.dead == []
    assert cosmos.unreachable(loop.error)
