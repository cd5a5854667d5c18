"""Alert delivery against the local Cosmos server and the fake Graph API: deduplication,
rate limits retried and bounded, invalid recipients and a refused token logged with their
codes and never retried, two runs at once sending each message once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from devhost.__main__ import serve_in_thread
from devhost.services import free_port
from devhost.whatsapp_service import create_app
from shared.adapters.whatsapp import WhatsAppClient
from shared.alerts import inbound, log, workflow
from shared.core.errors import ServiceUnavailable
from shared.core.settings import get_settings
from shared.inventory import daily
from tests.integration.jobs_helpers import (
    CO_FOUNDER,
    FOUNDER,
    MANAGER_S1,
    PHONE_ID,
    RECIPIENTS,
)

pytestmark = pytest.mark.integration
TOKEN = "delivery-token"


@pytest.fixture(scope="module")
def graph(env, monkeypatch_module) -> Iterator[str]:
    monkeypatch_module.setenv("ALERT_RECIPIENTS", json.dumps(RECIPIENTS))
    port = free_port()
    server = serve_in_thread(create_app(TOKEN, PHONE_ID), port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True


@pytest.fixture
def fake(graph) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=graph, timeout=10) as c:
        c.delete("/_fake/messages")
        c.delete("/_fake/errors")
        yield c


def client(graph: str, sleeps: list[float] | None = None) -> WhatsAppClient:
    return WhatsAppClient(
        f"{graph}/v22.0", PHONE_ID, TOKEN, sleep=(sleeps if sleeps is not None else []).append
    )


def plant(store, day: date, count: int, store_id: str = "S1") -> None:
    """Snapshot rows of ``day`` whose level changed since the day before."""
    for n in range(count):
        item = f"AL-{day:%m%d}-{n}"
        store.upsert(
            daily.CONTAINER,
            {
                "id": f"{day}:{store_id}:{item}",
                "day": day.isoformat(),
                "store_id": store_id,
                "store_name": "Jaipur",
                "item_id": item,
                "title": f"Item {n}",
                "image": None,
                "units": 5,
                "capital": 5000.0,
                "days_since_sale": 61,
                "danger": "HIGH",
                "previous_danger": "EARLY",
                "level_changed": True,
            },
        )


def run(store, day: date, c: WhatsAppClient) -> dict:
    get_settings.cache_clear()
    return workflow.run(store, get_settings(), day, send=True, client=c, images=None)


def received(fake: httpx.Client) -> list[dict]:
    return fake.get("/_fake/messages").json()["messages"]


def deliveries(store, day: date) -> dict[tuple[str, str], dict]:
    return {
        (a["item_id"], d["phone"]): d for a in log.of_day(store, str(day)) for d in a["deliveries"]
    }


def test_one_alert_per_item_and_level_change_per_day(store, graph, fake):
    day = date(2026, 1, 10)
    plant(store, day, 2)
    first = run(store, day, client(graph))
    assert (first["created"], first["sent"]) == (2, 6)  # founder, co-founder, S1's manager
    second = run(store, day, client(graph))
    assert (second["created"], second["duplicates"], second["sent"]) == (0, 2, 0)
    assert len(received(fake)) == 6
    # the level changes again the same day: a new alert
    row = next(d for d in daily.day_docs(store, day) if d["item_id"].endswith("-0"))
    store.upsert(daily.CONTAINER, {**row, "danger": "CRITICAL"})
    third = run(store, day, client(graph))
    assert (third["created"], third["sent"]) == (1, 3)


def test_a_rate_limit_is_retried_with_backoff(store, graph, fake):
    day = date(2026, 1, 11)
    plant(store, day, 1)
    fake.post("/_fake/errors", json={"errors": [{"code": 130429, "times": 2, "to": FOUNDER}]})
    sleeps: list[float] = []
    assert run(store, day, client(graph, sleeps))["sent"] == 3
    assert sleeps == [1.0, 2.0]
    founder = deliveries(store, day)[("AL-0111-0", f"+{FOUNDER}")]
    assert founder["status"] == "sent" and founder["attempts"] == 3


def test_a_rate_limit_that_never_ends_is_bounded(store, graph, fake):
    day = date(2026, 1, 12)
    plant(store, day, 1)
    fake.post("/_fake/errors", json={"errors": [{"code": 130429, "times": 1000, "to": MANAGER_S1}]})
    statuses = []
    for _ in range(5):
        run(store, day, client(graph))
        d = deliveries(store, day)[("AL-0112-0", MANAGER_S1)]
        statuses.append((d["status"], d["attempts"]))
    # 4 calls per run, at most 12 in all, then failed with the code and left alone
    assert statuses == [("retry", 4), ("retry", 8), ("failed", 12), ("failed", 12), ("failed", 12)]
    assert d["error_code"] == 130429
    assert len(received(fake)) == 2  # the founders' messages went out


@pytest.mark.parametrize("code", [131026, 100])
def test_an_invalid_recipient_is_logged_with_its_code_and_not_retried(store, graph, fake, code):
    day = date(2026, 1, 13) if code == 100 else date(2026, 1, 14)
    plant(store, day, 2)
    fake.post("/_fake/errors", json={"errors": [{"code": code, "times": 1000, "to": CO_FOUNDER}]})
    sleeps: list[float] = []
    summary = run(store, day, client(graph, sleeps))
    assert (summary["sent"], summary["failed"]) == (4, 2) and sleeps == []
    for item in ("0", "1"):
        d = deliveries(store, day)[(f"AL-{day:%m%d}-{item}", CO_FOUNDER)]
        assert (d["status"], d["error_code"], d["attempts"]) == ("failed", code, 1)
    again = run(store, day, client(graph, sleeps))
    assert (again["sent"], again["failed"]) == (0, 0)
    statuses = {a["status"] for a in log.of_day(store, str(day))}
    assert statuses == {"partial"}


def test_a_refused_token_stops_the_run_and_is_never_retried(store, graph, fake):
    day = date(2026, 1, 15)
    plant(store, day, 3)
    expired = WhatsAppClient(f"{graph}/v22.0", PHONE_ID, "expired", sleep=lambda s: None)
    summary = run(store, day, expired)
    assert summary["failed"] == 9 and summary["sent"] == 0
    all_ = list(deliveries(store, day).values())
    assert {d["error_code"] for d in all_} == {190}
    assert sum(d["attempts"] for d in all_) == 1  # one call, the rest not tried
    assert run(store, day, client(graph))["sent"] == 0  # failed stays failed
    assert received(fake) == []


def test_two_runs_at_once_send_each_message_once(store, graph, fake):
    day = date(2026, 1, 16)
    plant(store, day, 4)
    get_settings.cache_clear()
    settings = get_settings()
    for row in daily.day_docs(store, day):
        log.record(store, workflow.new_alert(row, settings))
    threads = [
        threading.Thread(
            target=workflow.deliver, args=(store, settings, str(day), client(graph), None)
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    messages = received(fake)
    assert len(messages) == 12
    assert {d["status"] for d in deliveries(store, day).values()} == {"sent"}


def test_inside_the_24_hour_window_the_alert_is_free_text(store, graph, fake):
    day = date(2026, 1, 17)
    plant(store, day, 1)
    now = datetime.now(UTC)
    # the founder wrote an hour ago (the app and WhatsApp agree); the co-founder wrote a day
    # and a half ago; the app thinks S1's manager wrote, but WhatsApp says the window closed
    inbound.opened(store, FOUNDER, now - timedelta(hours=1))
    inbound.opened(store, CO_FOUNDER, now - timedelta(hours=36))
    inbound.opened(store, MANAGER_S1, now - timedelta(hours=2))
    fake.post("/_fake/inbound", json={"from": FOUNDER})
    summary = run(store, day, client(graph))
    assert summary["sent"] == 3
    got = {m["payload"]["to"]: m["payload"] for m in received(fake)}
    assert got[FOUNDER]["type"] == "text"
    assert got[FOUNDER]["text"]["body"].startswith("HIGH stock alert: Item 0 at Jaipur")
    assert got[CO_FOUNDER]["type"] == "template"
    assert got[MANAGER_S1]["type"] == "template"  # 131047 on the text: the template went
    kinds = {p: d["message_type"] for (_, p), d in deliveries(store, day).items()}
    assert kinds == {f"+{FOUNDER}": "text", CO_FOUNDER: "template", MANAGER_S1: "template"}


def test_statuses_from_the_webhook_update_the_log_once(store, graph, fake):
    day = date(2026, 1, 18)
    plant(store, day, 1)
    run(store, day, client(graph))
    sent = deliveries(store, day)
    founder = sent[("AL-0118-0", f"+{FOUNDER}")]["message_id"]
    co_founder = sent[("AL-0118-0", CO_FOUNDER)]["message_id"]

    def note(message_id: str, status: str, **extra) -> dict:
        value = {
            "statuses": [{"id": message_id, "status": status, "timestamp": "1796200000", **extra}]
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": value}]}],
        }

    counts = inbound.handle(store, note(founder, "read"))
    assert counts == {"messages": 0, "statuses": 1, "unknown_statuses": 0}
    inbound.handle(store, note(founder, "delivered"))  # late and older: ignored
    failed = note(co_founder, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    inbound.handle(store, failed)
    inbound.handle(store, failed)  # redelivered
    assert inbound.handle(store, note("wamid.unknown", "read"))["unknown_statuses"] == 1
    fresh = note("wamid.unknown", "read")
    fresh["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = str(int(time.time()))
    with pytest.raises(ServiceUnavailable):  # Meta sends it again later
        inbound.handle(store, fresh)
    after = deliveries(store, day)
    assert after[("AL-0118-0", f"+{FOUNDER}")]["delivery"] == "read"
    co = after[("AL-0118-0", CO_FOUNDER)]
    assert (co["status"], co["delivery"], co["error_code"]) == ("failed", "failed", 131026)
    (alert,) = log.of_day(store, str(day))
    assert alert["status"] == "partial"
