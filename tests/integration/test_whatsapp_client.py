"""The WhatsApp client against the fake Graph API: message shapes as the Cloud API documents
them, retries of rate limits, final errors with their codes, the 24-hour window."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devhost.__main__ import serve_in_thread
from devhost.services import free_port
from devhost.whatsapp_service import create_app
from shared.adapters.whatsapp import WhatsAppClient, template_message, text_message

pytestmark = pytest.mark.integration

TOKEN, PHONE_ID = "test-token", "100000000000001"
TO = "919812345678"


class Fake:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=10)

    def client(self, token: str = TOKEN, sleeps: list[float] | None = None) -> WhatsAppClient:
        record = sleeps if sleeps is not None else []
        return WhatsAppClient(f"{self.base}/v22.0", PHONE_ID, token, sleep=record.append)

    def received(self) -> list[dict]:
        return self.http.get("/_fake/messages").json()["messages"]

    def fail_next(self, **rule) -> None:
        self.http.post("/_fake/errors", json={"errors": [rule]}).raise_for_status()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    srv = serve_in_thread(create_app(TOKEN, PHONE_ID), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


@pytest.fixture
def fake(server) -> Iterator[Fake]:
    f = Fake(server)
    f.http.delete("/_fake/messages")
    f.http.delete("/_fake/errors")
    yield f
    f.http.close()


def alert(to: str = TO, link: str | None = None) -> dict:
    body = ["CRITICAL", "Kurta", "Jaipur", "95", "₹12,000", "8", "markdown 20%"]
    name = "inventory_danger_alert" if link else "inventory_danger_alert_text"
    return template_message(to, name, "en", body, header_image=link)


def test_a_template_with_an_image_header_has_the_documented_shape(fake):
    link = f"{fake.base}/_fake/messages"  # any fetchable URL
    result = fake.client().send(alert("+91 98123 45678", link))
    assert result.status == "sent" and result.message_id.startswith("wamid.")
    (got,) = fake.received()
    payload = got["payload"]
    assert payload["messaging_product"] == "whatsapp"
    assert payload["to"] == TO and payload["type"] == "template"
    template = payload["template"]
    assert template["name"] == "inventory_danger_alert"
    assert template["language"] == {"code": "en"}
    header, body = template["components"]
    assert header == {"type": "header", "parameters": [{"type": "image", "image": {"link": link}}]}
    assert body["type"] == "body"
    assert [p["type"] for p in body["parameters"]] == ["text"] * 7
    assert body["parameters"][0]["text"] == "CRITICAL"
    assert got["media"]["status"] == 200  # the link was fetchable


def test_a_malformed_template_is_refused_with_code_100_or_132000(fake):
    msg = alert()
    msg["template"]["components"][0]["parameters"].pop()
    result = fake.client().send(msg)
    assert (result.status, result.error_code, result.attempts) == ("failed", 132000, 1)
    no_product = {**alert()}
    no_product.pop("messaging_product")
    assert fake.client().send(no_product).error_code == 100
    assert fake.received() == []


def test_rate_limits_back_off_and_retry(fake):
    sleeps: list[float] = []
    fake.fail_next(code=130429, status=400, times=2, message="Rate limit hit")
    result = fake.client(sleeps=sleeps).send(alert())
    assert result.status == "sent" and result.attempts == 3
    assert sleeps == [1.0, 2.0]
    assert len(fake.received()) == 1


def test_http_429_that_outlasts_the_retries_is_left_retryable(fake):
    sleeps: list[float] = []
    fake.fail_next(code=4, status=429, times=10, message="Application request limit reached")
    result = fake.client(sleeps=sleeps).send(alert())
    assert (result.status, result.error_code, result.retryable) == ("failed", 4, True)
    assert result.attempts == 4 and sleeps == [1.0, 2.0, 4.0]
    assert fake.received() == []


@pytest.mark.parametrize(
    ("code", "status"), [(131026, 400), (100, 400)], ids=["undeliverable", "invalid-parameter"]
)
def test_an_invalid_recipient_is_final_at_once(fake, code, status):
    sleeps: list[float] = []
    fake.fail_next(code=code, status=status, to=TO, message="Message undeliverable")
    result = fake.client(sleeps=sleeps).send(alert())
    assert (result.status, result.error_code, result.retryable) == ("failed", code, False)
    assert result.attempts == 1 and sleeps == []
    # another number is unaffected
    assert fake.client().send(alert("919800000001")).status == "sent"


def test_an_expired_token_is_code_190_and_never_retried(fake):
    sleeps: list[float] = []
    result = fake.client(token="expired", sleeps=sleeps).send(alert())
    assert (result.status, result.error_code, result.http_status) == ("failed", 190, 401)
    assert result.token_rejected and not result.retryable and sleeps == []


def test_free_text_needs_the_24_hour_window(fake):
    result = fake.client().send(text_message(TO, "hello"))
    assert (result.status, result.error_code) == ("failed", 131047)
    fake.http.post("/_fake/inbound", json={"from": TO}).raise_for_status()
    assert fake.client().send(text_message(TO, "hello")).status == "sent"
    (got,) = fake.received()
    assert got["payload"]["text"] == {"preview_url": False, "body": "hello"}


def test_the_network_being_down_is_retried_then_reported():
    sleeps: list[float] = []
    client = WhatsAppClient(
        f"http://127.0.0.1:{free_port()}/v22.0", PHONE_ID, TOKEN, sleep=sleeps.append
    )
    result = client.send(alert())
    assert result.status == "failed" and result.retryable and result.attempts == 4
    assert result.error_code is None and "network" in (result.error or "")
