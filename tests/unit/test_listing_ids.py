"""ASINs in Amazon notifications are re-keyed to the seller's item id; SKUs pass through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.ingest.listing_ids import MISS_TTL, AsinIndex
from shared.ingest.marketplaces import NORMALISERS

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def offer(asin: str) -> dict:
    return {
        "NotificationType": "ANY_OFFER_CHANGED",
        "NotificationMetadata": {"NotificationId": "n"},
        "Payload": {
            "AnyOfferChangedNotification": {
                "SellerId": "ME",
                "OfferChangeTrigger": {"ASIN": asin},
                "Offers": [{"SellerId": "C", "ListingPrice": {"Amount": 900}}],
            }
        },
    }


def test_known_asin_is_rekeyed_and_unknown_is_rechecked_later():
    catalogue = {"B0ABCDEF12": "SKU-ELA-0001"}
    calls: list[str] = []
    now = [0.0]

    def lookup(asin: str) -> str | None:
        calls.append(asin)
        return catalogue.get(asin)

    index = AsinIndex(lookup, clock=lambda: now[0])
    (ev,) = index.resolve(NORMALISERS["amazon"](offer("B0ABCDEF12"), NOW))
    assert (ev.item_id, ev.competitor_price, ev.id) == ("SKU-ELA-0001", 900.0, "amazon:offer:n")
    (unknown,) = index.resolve(NORMALISERS["amazon"](offer("B0ZZZZZZZZ"), NOW))
    assert unknown.item_id == "B0ZZZZZZZZ"
    index.resolve(NORMALISERS["amazon"](offer("B0ZZZZZZZZ"), NOW))
    assert calls == ["B0ABCDEF12", "B0ZZZZZZZZ"]  # hit and miss both cached
    catalogue["B0ZZZZZZZZ"] = "SKU-NEW-0001"
    now[0] = MISS_TTL + 1
    (later,) = index.resolve(NORMALISERS["amazon"](offer("B0ZZZZZZZZ"), NOW))
    assert later.item_id == "SKU-NEW-0001"


def test_skus_are_not_looked_up():
    index = AsinIndex(lambda asin: pytest.fail(f"looked up {asin}"))
    body = {"eventType": "VIEW", "asin": "SKU-ETH-0001", "eventId": "v"}
    (ev,) = index.resolve(NORMALISERS["amazon"](body, NOW))
    assert ev.item_id == "SKU-ETH-0001"
