"""Amazon notifications from an EventBridge API destination: the envelope, Amazon's schemas, the
token header (pure, no services)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from shared.core.errors import AuthError, ValidationFailed
from shared.core.settings import Settings
from shared.ingest import eventbridge, signature
from shared.ingest.marketplaces import NORMALISERS
from shared.ingest.webhook import verify_and_parse, verify_and_read

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
SECRET = "token-0123456789"


def example(notification_type: str) -> dict:
    """Amazon's own example of the type, from the schema it publishes."""
    schema = json.loads(
        (eventbridge.SCHEMA_DIR / eventbridge.SCHEMA_FILES[notification_type]).read_text()
    )
    return copy.deepcopy(schema["examples"][0])


def envelope(detail: dict, event_id: str = "8a3e7c2d-0000-4000-8000-000000000001") -> dict:
    """An EventBridge event as the API destination posts it (no input transformer)."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "SP-API notification",
        "source": "aws.partner/sellingpartnerapi.amazon.com/amzn1.sellingpartnerapi.test",
        "account": "123456789012",
        "time": "2026-11-21T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


def settings(**update) -> Settings:
    return Settings().model_copy(update=update)


def token_headers(token: str = SECRET) -> dict[str, str]:
    return {"X-ReSight-Token": token, "Content-Type": "application/json"}


@pytest.mark.parametrize("ntype", sorted(eventbridge.SCHEMA_FILES))
def test_each_type_we_take_arrives_enveloped_or_bare_with_the_same_event_ids(ntype):
    detail = example(ntype)
    wrapped = eventbridge.read(envelope(detail), strict=False)
    bare = eventbridge.read(detail, strict=True)
    assert wrapped.ignored is None and wrapped.envelope_id is not None
    assert wrapped.body == bare.body == detail
    from_envelope = NORMALISERS["amazon"](wrapped.body, NOW)
    from_bare = NORMALISERS["amazon"](bare.body, NOW)
    assert from_envelope and [e.id for e in from_envelope] == [e.id for e in from_bare]


def test_an_enveloped_order_change_keeps_the_order_line_identity():
    parsed = verify_and_read(
        "amazon",
        json.dumps(envelope(example("ORDER_CHANGE"))).encode(),
        token_headers(),
        settings(),
        secrets=[SECRET],
        now=NOW,
    )
    assert [e.id for e in parsed.events] == ["amazon:order:903-8868176-2219830:OIID34853450"]
    assert (parsed.events[0].item_id, parsed.events[0].stock_delta) == ("SellerSKUID1", -10)


def test_a_known_type_that_breaks_amazons_schema_is_a_422_naming_the_field():
    detail = example("ORDER_CHANGE")
    del detail["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
    with pytest.raises(ValidationFailed) as err:
        eventbridge.read(envelope(detail), strict=False)
    assert err.value.field == "detail.Payload.OrderChangeNotification.AmazonOrderId"
    assert "ORDER_CHANGE" in err.value.message
    detail = example("ITEM_SALES_EVENT_CHANGE")
    detail["payload"]["itemSalesEventChanges"][0]["orderedUnits"] = "three"
    with pytest.raises(ValidationFailed) as err:
        eventbridge.read(detail, strict=True)
    assert err.value.field == "payload.itemSalesEventChanges.0.orderedUnits"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.pop("id"), "id"),
        (lambda e: e.pop("account"), "account"),
        (lambda e: e.update(source="aws.partner/someone.else.com/x"), "source"),
        (lambda e: e.update(resources="none"), "resources"),
        (lambda e: e.update(detail=[1]), "detail"),
    ],
)
def test_an_envelope_that_is_not_an_sp_api_event_is_refused(change, field):
    event = envelope(example("ORDER_CHANGE"))
    change(event)
    with pytest.raises(ValidationFailed) as err:
        eventbridge.read(event, strict=False)
    assert err.value.field == field


def test_an_envelope_must_carry_a_notification():
    with pytest.raises(ValidationFailed) as err:
        eventbridge.read(envelope({"hello": "world"}), strict=False)
    assert err.value.field == "detail.notificationType"


def test_a_missing_top_level_field_of_the_notification_is_named_under_detail():
    detail = example("ANY_OFFER_CHANGED")
    del detail["NotificationMetadata"]
    with pytest.raises(ValidationFailed) as err:
        eventbridge.read(envelope(detail), strict=False)
    assert err.value.field == "detail.NotificationMetadata"


def test_unknown_types_are_ignored_with_their_notification_id():
    fee = {
        "notificationVersion": "1.0",
        "notificationType": "FEE_PROMOTION",
        "payloadVersion": "1.0",
        "eventTime": "2026-11-21T10:00:00Z",
        "notificationMetadata": {"notificationId": "n-fee-1"},
        "payload": {"anything": True},
    }
    assert eventbridge.read(envelope(fee), strict=False).ignored == eventbridge.Ignored(
        "FEE_PROMOTION", "n-fee-1"
    )
    del fee["notificationMetadata"]
    ignored = eventbridge.read(envelope(fee, event_id="ev-7"), strict=False).ignored
    assert ignored == eventbridge.Ignored("FEE_PROMOTION", "ev-7")
    bare = eventbridge.read(fee, strict=True).ignored
    assert bare is not None and bare == eventbridge.read(fee, strict=True).ignored
    parsed = verify_and_read(
        "amazon", json.dumps(envelope(fee)).encode(), token_headers(), settings(), secrets=[SECRET]
    )
    assert parsed.events == [] and parsed.ignored is not None


def test_signed_relays_keep_the_looser_contract():
    """A signed (HMAC) bare notification is not held to Amazon's schema: relays and the
    simulator send the fields ReSight reads, in either casing."""
    loose = {
        "NotificationType": "ANY_OFFER_CHANGED",
        "NotificationMetadata": {"NotificationId": "n-1"},
        "Payload": {
            "AnyOfferChangedNotification": {
                "SellerId": "ME",
                "OfferChangeTrigger": {"ASIN": "B0TESTAS1N"},
                "Offers": [{"SellerId": "RIVAL", "ListingPrice": {"Amount": 10}}],
            }
        },
    }
    body = json.dumps(loose).encode()
    events = verify_and_parse(
        "amazon", body, signature.signed_headers(SECRET, body), settings(), secrets=[SECRET]
    )
    assert [e.id for e in events] == ["amazon:offer:n-1"]
    with pytest.raises(ValidationFailed):  # the same body from EventBridge is held to the schema
        verify_and_parse("amazon", body, token_headers(), settings(), secrets=[SECRET])


def test_the_simple_payload_is_unchanged_by_the_token():
    body = json.dumps(
        {"eventType": "VIEW", "asin": "SKU-1", "eventId": "v-1", "region": "IN"}
    ).encode()
    (view,) = verify_and_parse("amazon", body, token_headers(), settings(), secrets=[SECRET])
    assert view.id == "amazon:view:v-1"


def test_token_checks():
    signature.verify_token(SECRET, SECRET)
    signature.verify_token(["new-one", SECRET], f" {SECRET} ")  # the previous one, in its grace
    for wrong in ("", None, SECRET[:-1], SECRET + "x", "new-one "[:3]):
        with pytest.raises(AuthError):
            signature.verify_token([SECRET, "new-one"], wrong)
    with pytest.raises(AuthError):
        signature.verify_token([], SECRET)


def test_every_secret_is_compared_in_constant_time(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature.hmac, "compare_digest", spy)
    signature.verify_token([SECRET, "previous-secret"], SECRET)
    # The match is the first candidate, and the second is compared all the same.
    assert calls == [(SECRET.encode(), SECRET.encode()), (b"previous-secret", SECRET.encode())]


def test_the_token_is_refused_where_the_marketplace_has_not_enabled_it():
    order = {
        "event": "ORDER_CREATED",
        "order": {
            "orderId": "MYN-1",
            "status": "CREATED",
            "lines": [{"lineId": "1", "sellerSku": "SKU-A", "quantity": 1, "sellingPrice": 9.0}],
        },
    }
    body = json.dumps(order).encode()
    with pytest.raises(AuthError, match="WEBHOOK_TOKEN_MARKETPLACES"):
        verify_and_parse("myntra", body, token_headers(), settings(), secrets=[SECRET])
    enabled = settings(webhook_token_marketplaces=["amazon", "myntra"])
    (event,) = verify_and_parse("myntra", body, token_headers(), enabled, secrets=[SECRET])
    assert event.id == "myntra:order:MYN-1:1"
    with pytest.raises(AuthError):
        verify_and_parse("myntra", body, token_headers("wrong"), enabled, secrets=[SECRET])


def test_a_wrong_token_is_refused_before_the_body_is_read():
    with pytest.raises(AuthError):
        verify_and_parse("amazon", b"not json", token_headers("nope"), settings(), secrets=[SECRET])


def test_the_default_enables_the_token_on_amazon_only():
    assert Settings().webhook_token_marketplaces == ["amazon"]


def test_the_schemas_are_amazons_files_unchanged():
    """Each copy is byte for byte the file at the commit tests/contracts/SOURCE.md names: its git
    blob id, recorded there, is recomputed from the copy."""
    source = (ROOT / "tests/contracts/SOURCE.md").read_text()
    recorded = dict(re.findall(r"`(\w+Notification\.json)` \| `([0-9a-f]{40})`", source))
    assert set(recorded) == set(eventbridge.SCHEMA_FILES.values())
    for name, blob in recorded.items():
        data = (eventbridge.SCHEMA_DIR / name).read_bytes()
        digest = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        assert digest == blob, name


@pytest.mark.parametrize("ntype", sorted(eventbridge.SCHEMA_FILES))
def test_amazons_examples_validate_against_their_schema(ntype):
    Draft7Validator.check_schema(eventbridge.VALIDATORS[ntype].schema)
    delivery = eventbridge.read(example(ntype), strict=True)
    assert delivery.ignored is None and delivery.envelope_id is None


def test_sales_revenue_as_amazon_sends_it_a_number_beside_the_currency():
    events = NORMALISERS["amazon"](example("ITEM_SALES_EVENT_CHANGE"), NOW)
    assert [(e.item_id, e.units, e.revenue) for e in events] == [
        ("B00032HE0O", 9, 80.91),
        ("B00094A20U", 5, 527.6),
    ]
