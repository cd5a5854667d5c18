"""The daily job end to end on the local stack: the timer's tick runs the inventory steps and
the alerts, the fake WhatsApp Graph API receives correctly shaped template messages (the
image header by a SAS link it can fetch), the run ledger and the alert log say what
happened, and nothing is sent twice however often the job or the alerts run again."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shared.alerts import log
from shared.alerts.inbound import sign
from shared.inventory import daily
from tests.integration.conftest import DevHost, eventually, stop_devhost
from tests.integration.helpers import principal
from tests.integration.jobs_helpers import (
    CO_FOUNDER,
    FOUNDER,
    MANAGER_S1,
    MANAGER_S2,
    GraphFake,
    seed_danger,
    start_job_devhost,
    today,
)

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")


@pytest.fixture(scope="module")
def host(env, store, monkeypatch_module, tmp_path_factory) -> Iterator[DevHost]:
    h = start_job_devhost(env, monkeypatch_module, tmp_path_factory.mktemp("jobs"))
    yield h
    stop_devhost(h)


@pytest.fixture(scope="module")
def graph(host) -> GraphFake:
    return GraphFake(host.env["WhatsApp__baseUrl"])


@pytest.fixture(scope="module")
def items(store, host) -> dict[str, str]:
    return seed_danger(store, "E2E")


@pytest.fixture(scope="module")
def first_run(host, graph, items) -> dict:
    """The timer fires once (as the host's admin API runs a timer)."""
    with host.client() as c:
        fired = c.post(
            "/admin/functions/daily_job", headers={"x-functions-key": host.keys["master"]}
        )
        assert fired.status_code == 202
        runs = c.get("/api/jobs", headers=ANALYST).json()["runs"]
    return runs[0]


def by_phone(messages: list[dict]) -> dict[str, dict]:
    return {m["payload"]["to"]: m["payload"] for m in messages}


def test_the_tick_runs_every_step_of_the_day_once(first_run, host):
    assert first_run["id"] == f"daily:{today()}" and first_run["status"] == "succeeded"
    names = [s["name"] for s in first_run["steps"]]
    assert names[0] == "snapshot" and names[-1] == "alerts"
    assert all(s["status"] == "done" and s["attempt"] == 1 for s in first_run["steps"])
    alerts_step = first_run["steps"][-1]["result"]
    assert alerts_step["created"] == 2 and alerts_step["sent"] == 6


def test_the_snapshot_has_one_document_per_store_and_item(first_run, store, items):
    docs = list(daily.day_docs(store, today()))
    ours = {d["item_id"]: d for d in docs if d["item_id"] in items.values()}
    assert len(ours) == 3 and len({d["id"] for d in docs}) == len(docs)
    assert ours[items["HIGH"]]["danger"] == "HIGH"
    assert ours[items["CRITICAL"]]["danger"] == "CRITICAL"
    assert ours[items["NONE"]]["danger"] is None


def test_each_recipient_gets_the_approved_template(first_run, graph, items):
    got = by_phone(graph.messages())
    # founders hear about both stores, each manager about their own
    assert sorted(got) == sorted([FOUNDER, CO_FOUNDER, MANAGER_S1, MANAGER_S2])
    assert len(graph.messages()) == 6
    s1 = [m["payload"] for m in graph.messages() if m["payload"]["to"] == MANAGER_S1]
    (msg,) = s1
    assert msg["messaging_product"] == "whatsapp" and msg["type"] == "template"
    template = msg["template"]
    assert template["name"] == "inventory_danger_alert"
    assert template["language"] == {"code": "en"}
    header, body = template["components"]
    assert header["type"] == "header"
    (param,) = header["parameters"]
    assert param["type"] == "image"
    link = param["image"]["link"]
    assert f"/imports/images/{items['HIGH']}.png?" in link and "sig=" in link
    assert body["type"] == "body"
    texts = [p["text"] for p in body["parameters"]]
    assert texts[0] == "HIGH" and texts[1] == "Silk saree" and texts[3] == "40"
    assert {p["type"] for p in body["parameters"]} == {"text"}


def test_the_image_link_is_fetchable_and_an_item_without_image_gets_the_text_template(
    first_run, graph
):
    messages = graph.messages()
    with_image = [
        m for m in messages if m["payload"]["template"]["name"] == "inventory_danger_alert"
    ]
    assert len(with_image) == 3
    assert all(m["media"]["status"] == 200 and m["media"]["bytes"] > 0 for m in with_image)
    text_only = [m["payload"] for m in messages if m not in with_image]
    assert len(text_only) == 3
    for payload in text_only:
        assert payload["template"]["name"] == "inventory_danger_alert_text"
        assert [c["type"] for c in payload["template"]["components"]] == ["body"]
        assert payload["template"]["components"][0]["parameters"][0]["text"] == "CRITICAL"


def test_the_alert_log_has_each_delivery_with_its_status(first_run, host, items):
    with host.client() as c:
        alerts = c.get("/api/alerts", params={"day": str(today())}, headers=ANALYST).json()[
            "alerts"
        ]
    assert {a["item_id"] for a in alerts} == {items["HIGH"], items["CRITICAL"]}
    for alert in alerts:
        assert alert["status"] == "sent" and len(alert["deliveries"]) == 3
        for d in alert["deliveries"]:
            assert d["status"] == "sent" and d["message_id"].startswith("wamid.")
            assert "•" in d["phone"]  # numbers are masked in answers
        roles = sorted(d["role"] for d in alert["deliveries"])
        assert roles == ["co-founder", "founder", "store_manager"]


def test_ticking_again_changes_nothing(first_run, host, graph):
    with host.client() as c:
        again = c.post(
            "/admin/functions/daily_job", headers={"x-functions-key": host.keys["master"]}
        )
        assert again.status_code == 202
        (run,) = c.get("/api/jobs", headers=ANALYST).json()["runs"]
    assert run["attempt"] == 1 and run["heartbeat_at"] == first_run["heartbeat_at"]
    assert len(graph.messages()) == 6


def test_running_the_alerts_again_sends_nothing_twice(first_run, host, graph, store):
    with host.client() as c:
        dry = c.post("/api/alerts/run?send_notifications=false", headers=ADMIN).json()
        assert dry["candidates"] == 2 and dry["would_alert"] == []
        for _ in range(2):
            again = c.post("/api/alerts/run?send_notifications=true", headers=ADMIN)
            assert again.status_code == 200
            body = again.json()
            assert (body["created"], body["duplicates"], body["sent"]) == (0, 2, 0)
    assert len(graph.messages()) == 6
    assert len(log.of_day(store, str(today()))) == 2


def test_a_manual_rerun_rewrites_the_day_without_duplicates(first_run, host, graph, store, items):
    with host.client() as c:
        busy = c.post("/api/jobs/daily/run", headers=ADMIN)
        assert busy.status_code == 409 and "rerun=true" in busy.json()["message"]
        assert c.post("/api/jobs/daily/run", headers=ANALYST).status_code == 403
        started = c.post("/api/jobs/daily/run?rerun=true", headers=ADMIN)
        assert started.status_code == 202 and started.json()["run"]["status"] == "running"

        def finished():
            (run,) = c.get("/api/jobs", headers=ANALYST).json()["runs"]
            return run if run["status"] == "succeeded" else None

        run = eventually(finished, timeout=60)
    assert [a["outcome"] for a in run["attempts"]] == ["succeeded"]
    ours = [d for d in daily.day_docs(store, today()) if d["item_id"] in items.values()]
    assert len(ours) == 3
    assert len(graph.messages()) == 6  # the same changes on the same day: not alerted again


def test_bad_parameters_are_refused(host):
    with host.client() as c:
        bad = c.post("/api/alerts/run?send_notifications=maybe", headers=ADMIN)
        assert bad.status_code == 422 and bad.json()["field"] == "send_notifications"
        assert c.get("/api/jobs?limit=0", headers=ANALYST).status_code == 422
        assert c.get("/api/alerts?status=lost", headers=ANALYST).status_code == 422
        assert c.post("/api/alerts/run", headers=ANALYST).status_code == 403


def test_a_manual_message_reaches_only_an_open_window(host, graph, store):
    with host.client() as c:
        closed = c.post("/api/whatsapp/send", json={"to": FOUNDER, "text": "hi"}, headers=ADMIN)
        assert closed.status_code == 502
        assert closed.json()["details"]["error_code"] == 131047
        assert "24 h" in closed.json()["message"]
        httpx.post(f"{graph.root}/_fake/inbound", json={"from": FOUNDER}, timeout=10)
        # the fake told the app's webhook, as Meta would: the founder's window is open
        eventually(lambda: store.read_or_none("contacts", FOUNDER, FOUNDER))
        sent = c.post("/api/whatsapp/send", json={"to": FOUNDER, "text": "hi"}, headers=ADMIN)
        assert sent.status_code == 200 and sent.json()["status"] == "sent"
        bad = c.post("/api/whatsapp/send", json={"to": "12", "text": "hi"}, headers=ADMIN)
        assert bad.status_code == 422 and bad.json()["field"] == "to"
        manual = c.get("/api/alerts", headers=ANALYST).json()["alerts"]
        assert [a["deliveries"][0]["status"] for a in manual if a["kind"] == "manual"] == [
            "sent",
            "failed",
        ]
    last = graph.messages()[-1]["payload"]
    assert last["type"] == "text" and last["text"]["body"] == "hi" and last["to"] == FOUNDER


def test_delivery_statuses_come_back_through_the_webhook(first_run, host, store):
    def delivered():
        alerts = log.of_day(store, str(today()))
        states = [
            d.get("delivery") for a in alerts if a["kind"] == "danger" for d in a["deliveries"]
        ]
        return len(states) == 6 and set(states) == {"delivered"}

    eventually(delivered, timeout=30)


def test_the_whatsapp_webhook_checks_its_token_and_signature(host):
    url = f"/api/integrations/whatsapp/webhook?code={host.keys['default']}"
    check = {"hub.mode": "subscribe", "hub.challenge": "4711", "code": host.keys["default"]}
    with host.client() as c:
        ok = c.get(url, params={**check, "hub.verify_token": host.env["WhatsApp__verifyToken"]})
        assert ok.status_code == 200 and ok.text == "4711"
        assert c.get(url, params={**check, "hub.verify_token": "guess"}).status_code == 401
        body = b'{"object": "whatsapp_business_account", "entry": []}'
        unsigned = c.post(url, content=body)
        assert unsigned.status_code == 401
        forged = c.post(url, content=body, headers={"x-hub-signature-256": sign("guess", body)})
        assert forged.status_code == 401
        good = sign(host.env["WhatsApp__appSecret"], body)
        signed = c.post(url, content=body, headers={"x-hub-signature-256": good})
        assert signed.status_code == 200 and signed.json()["messages"] == 0
        no_key = c.post("/api/integrations/whatsapp/webhook", content=body)
        assert no_key.status_code == 401
