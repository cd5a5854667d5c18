"""Training and holdout history read from Cosmos documents as they are really written."""

from __future__ import annotations

import pytest

from shared.ml.cosmos_source import load_history

pytestmark = pytest.mark.unit


class _Store:
    def __init__(self, products: list[dict], events: list[dict]) -> None:
        self.docs = {"products": products, "events": events}

    def query(self, container: str, sql: str):
        return iter(self.docs[container])


def _product(item_id: str, **fields) -> dict:
    doc = {"id": item_id, "item_id": item_id, "title": item_id, "category": "kurta",
           "marketplace": "myntra", "price": 799.0, "mrp": 999.0, "stock": 10}  # fmt: skip
    return {**doc, **fields}


def test_a_product_with_null_rating_is_ranked_with_the_defaults_and_an_incomplete_one_left_out():
    store = _Store(
        [
            _product("SKU-EDITOR", rating=None, review_count=None),  # the catalogue editor's
            _product("SKU-BROKEN", price=None),  # no price: nothing to rank it by
        ],
        [{"id": "e1", "item_id": "SKU-EDITOR", "stock_delta": -2}],
    )
    catalogue, events = load_history(store)
    assert [p["item_id"] for p in catalogue] == ["SKU-EDITOR"]
    assert catalogue[0]["rating"] == 4.0 and catalogue[0]["review_count"] == 0
    assert catalogue[0]["stock"] == 12  # today's stock plus what the log took out
    assert len(events) == 1
