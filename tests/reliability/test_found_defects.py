"""Defects the fuzzing found, as unit tests: at the Cosmos boundary (the container stands in for
the SDK's, running the SDK's own id check, what raised before anything was sent) and in the
webhook normalisers. Their original inputs are replayed against devhost from
``reliability/corpus/``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from azure.cosmos._base import _validate_resource

from reliability import corpus
from shared.adapters.cosmos import Store
from shared.core.errors import ValidationFailed
from shared.ingest.marketplaces.common import as_time
from shared.inventory.actions import PriceUpdate

pytestmark = pytest.mark.unit


class _Container:
    def create_item(self, doc):
        _validate_resource(doc)

    upsert_item = create_item

    def query_items(self, *args, **kwargs):
        raise AssertionError("nothing may be sent")


@pytest.fixture()
def store(monkeypatch):
    s = Store(None, "db")  # type: ignore[arg-type]
    monkeypatch.setattr(s, "container", lambda name: _Container())
    return s


@pytest.mark.parametrize("bad", ["a\nb", "tab\there", "trailing ", "a/b", "q?", "h#"])
def test_an_id_cosmos_refuses_is_a_422_not_a_500(store, bad):
    with pytest.raises(ValidationFailed) as found:
        store.create("products", {"id": bad, "item_id": bad})
    assert found.value.field == "id"
    with pytest.raises(ValidationFailed):
        store.upsert("products", {"id": bad, "item_id": bad})


@pytest.mark.parametrize("token", ["\u00c5\U000af561[:{", " r0", "r0 ", "a\x7fb", "a\rb"], ids=repr)
def test_a_continuation_token_that_cannot_be_a_header_is_a_422(store, token):
    # Leading whitespace was answered 503 "no answer": the HTTP library refused the header.
    with pytest.raises(ValidationFailed) as found:
        store.query_page("audit", "SELECT * FROM c", page_size=10, continuation=token)
    assert found.value.field == "continuation"


@pytest.mark.parametrize("stamp", [1e308, -1e308, float("nan"), float("inf"), 10**20])
def test_a_webhook_time_out_of_range_is_a_422_naming_the_field(stamp):
    # {"eventTime": 1e+308} made the Amazon and Myntra webhooks answer 500 (OverflowError).
    with pytest.raises(ValidationFailed) as found:
        as_time(stamp, "eventTime", datetime(2026, 12, 2, tzinfo=UTC))
    assert found.value.field == "eventTime"
    assert as_time(1_764_633_600, "eventTime", datetime(2026, 12, 2, tzinfo=UTC)).year == 2025


def test_the_price_update_names_the_item_id_cosmos_would_refuse():
    with pytest.raises(ValueError, match="item_id"):
        PriceUpdate(item_id="ab\nS-", price=10)
    assert PriceUpdate(item_id="SKU 1", price=10).item_id == "SKU 1"


class _Silent:
    """A container whose requests get no answer (what the fault seam's timeouts do)."""

    def _fail(self, *args, **kwargs):
        from azure.core.exceptions import ServiceResponseError

        raise ServiceResponseError("no answer in time")

    create_item = upsert_item = read_item = delete_item = patch_item = query_items = _fail


def test_a_request_cosmos_never_answers_is_a_503_not_a_500(monkeypatch):
    """Found by the timeout storm: the webhooks answered 500 (an unhandled transport error)."""
    from shared.core.errors import ServiceUnavailable

    s = Store(None, "db")  # type: ignore[arg-type]
    monkeypatch.setattr(s, "container", lambda name: _Silent())
    for call in (
        lambda: s.create("events", {"id": "a"}),
        lambda: s.upsert("events", {"id": "a"}),
        lambda: s.read("events", "a", "a"),
        lambda: s.delete("events", "a", "a"),
        lambda: s.increment("deliveries", {"id": "a"}, "a", "n"),
        lambda: list(s.query("events", "SELECT * FROM c")),
        lambda: s.query_page("events", "SELECT * FROM c", page_size=1),
    ):
        with pytest.raises(ServiceUnavailable):
            call()


def test_a_broadcast_that_did_not_get_through_is_sent_again_later():
    """Found by the SignalR outage: after SignalR came back, the dashboard kept the old KPIs
    until the next event, as nothing asked for another broadcast."""
    import threading

    from shared.live.broadcast import Coalescer

    ran = threading.Event()
    calls = []
    coalescer = Coalescer(lambda: (calls.append(1), ran.set()), interval=0.01)
    coalescer.request_later(0.05)
    coalescer.request_later(0.05)  # one pending resend at a time
    assert ran.wait(5)
    threading.Event().wait(0.2)
    assert len(calls) == 1


WEBHOOK_CORPUS = [(n, e) for n, e in corpus.load() if e["kind"] == "webhook"]


@pytest.mark.parametrize("name, entry", WEBHOOK_CORPUS or [("none", None)])
def test_every_webhook_found_failing_is_normalised_or_refused_by_name(name, entry):
    """Found by the webhook fuzzing: Amazon notifications whose metadata was not an object,
    or whose change rows held a value of another type, answered 500."""
    import base64
    import json
    from datetime import UTC, datetime

    from shared.ingest.marketplaces import NORMALISERS

    if entry is None:
        return
    body = json.loads(base64.b64decode(entry["body"]["base64"]))
    try:
        NORMALISERS[entry["marketplace"]](body, datetime.now(UTC))
    except ValidationFailed as refused:
        assert refused.field


@pytest.mark.parametrize(
    "sql", ["\u001dg'", '"\u0016x', "\u00b6\u00f8L\u00a0Ui'\u0006\b\u00e7C#", '\U0001fdc6"']
)
def test_sql_the_tokenizer_cannot_read_is_refused_with_a_400(sql):
    """Found by the API fuzzing: POST /api/analyst/sql with an unterminated quote answered 500
    (sqlglot's TokenError, or an IndexError from its tokenizer, passed the guard)."""
    from shared.analytics.guard import guard
    from shared.core.errors import QueryRefused

    with pytest.raises(QueryRefused) as refused:
        guard(sql, max_rows=10)
    assert refused.value.status == 400 and refused.value.field == "sql"
