"""``Store.create_many`` against the two ways a batch with a taken id is answered."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ServiceResponseError
from azure.cosmos import exceptions

from shared.adapters.cosmos import Store
from shared.core.errors import ServiceUnavailable

pytestmark = pytest.mark.unit


class _Atomic:
    """A container answering as Cosmos DB does: a batch with a taken id writes nothing and
    answers 424 for every other operation."""

    def __init__(self, taken: set[str]) -> None:
        self.stored = set(taken)
        self.batches = 0

    def execute_item_batch(self, ops, partition_key):
        self.batches += 1
        ids = [op[1][0]["id"] for op in ops]
        statuses = [409 if i in self.stored else 201 for i in ids]
        if 409 in statuses:
            failed = statuses.index(409)
            responses = [{"statusCode": 409 if n == failed else 424} for n in range(len(ids))]
            raise exceptions.CosmosBatchOperationError(
                error_index=failed,
                headers={},
                status_code=409,
                message="conflict",
                operation_responses=responses,
            )
        self.stored.update(ids)
        return [{"statusCode": 201} for _ in ids]


class _Failing:
    def execute_item_batch(self, ops, partition_key):
        responses = [{"statusCode": 400}] + [{"statusCode": 424}] * (len(ops) - 1)
        raise exceptions.CosmosBatchOperationError(
            error_index=0,
            headers={},
            status_code=400,
            message="bad",
            operation_responses=responses,
        )


def _store(container) -> Store:
    store = Store.__new__(Store)
    store.container = lambda name: container  # type: ignore[method-assign]
    return store


def test_a_rolled_back_batch_is_sent_again_without_the_taken_id():
    container = _Atomic({"b", "d"})
    docs = [{"id": i, "pk": "p"} for i in "abcde"]
    assert _store(container).create_many("events", "p", docs) == [True, False, True, False, True]
    assert container.stored == set("abcde")
    assert container.batches == 3  # two conflicts, then the rest at once


def test_another_failure_in_a_batch_is_an_error_not_a_duplicate():
    with pytest.raises(ServiceUnavailable, match="400"):
        _store(_Failing()).create_many("events", "p", [{"id": "a"}, {"id": "b"}])


class _DroppedOnce(_Atomic):
    """The local server under load: the first request's connection is dropped unanswered."""

    def execute_item_batch(self, ops, partition_key):
        if self.batches == 0:
            self.batches += 1
            raise ServiceResponseError("Remote end closed connection without response")
        return super().execute_item_batch(ops, partition_key)


def test_a_batch_that_got_no_answer_is_sent_again():
    container = _DroppedOnce(set())
    docs = [{"id": i, "pk": "p"} for i in "abc"]
    assert _store(container).create_many("events", "p", docs) == [True, True, True]
    assert container.stored == set("abc") and container.batches == 2
