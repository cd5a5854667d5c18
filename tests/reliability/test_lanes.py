"""The harness runs parts side by side (``make reliability``): fuzzing lanes on hosts of their
own, the crashes beside them. Each must see only its own work."""

from __future__ import annotations

import threading

import pytest

from reliability import fuzz
from reliability.stack import stack_env

pytestmark = pytest.mark.unit


class _Services:
    def env(self) -> dict[str, str]:
        return {"CosmosDB__endpoint": "https://127.0.0.1:1/", "ModelStorage": "x"}


def test_every_operation_is_claimed_by_exactly_one_lane():
    claims, taken = fuzz.Claims(), []
    lock = threading.Lock()

    def lane() -> None:
        while (number := claims()) < 500:
            with lock:
                taken.append(number)

    threads = [threading.Thread(target=lane) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(500))


def test_stacks_side_by_side_share_no_database_and_no_file_container():
    # Two hosts watching one imports container import each other's uploads into the wrong
    # database (a crash run beside the fuzzing lost 127 sales-file rows that way).
    first, second = stack_env(_Services()), stack_env(_Services())
    for setting in ("COSMOS_DATABASE_NAME", "IMPORTS_CONTAINER", "LAKE_CONTAINER"):
        assert first[setting] != second[setting]
    assert "modelsContainer" not in first  # the model is shared: trained once
