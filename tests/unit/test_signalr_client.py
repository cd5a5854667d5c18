"""shared.adapters.signalr with the network swapped for a scripted requests adapter."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from requests.adapters import BaseAdapter

from shared.adapters import signalr
from shared.adapters.signalr import (
    MAX_MESSAGE_BYTES,
    ConnectionString,
    SignalRClient,
    encode_message,
    fit_message,
)
from shared.core.errors import InvalidConnectionString, InvalidValue, ServiceUnavailable
from shared.core.settings import Settings, SignalRConnection
from tests.fakes import FakeTime

pytestmark = pytest.mark.unit

KEY = "k" * 20 + "Zm9vYmFyYmF6cXV4cXV1eA=="  # 44 chars, like an Azure access key
CONN_TEXT = f"Endpoint=https://demo.service.signalr.net;AccessKey={KEY};Version=1.0;"


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted step: (status, text) or an exception."""

    def __init__(
        self, *steps: tuple[int, str] | Exception, default: tuple[int, str] | Exception = (202, "")
    ):
        super().__init__()
        self.steps = list(steps)
        self.default = default
        self.calls: list[tuple[requests.PreparedRequest, object]] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.calls.append((request, timeout))
        step = self.steps.pop(0) if self.steps else self.default
        if isinstance(step, Exception):
            raise step
        status, text = step
        response = requests.Response()
        response.status_code = status
        response._content = text.encode()
        response.request = request
        response.url = request.url
        return response

    def close(self) -> None:
        pass


def make_client(adapter: ScriptedAdapter, **kwargs) -> SignalRClient:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return SignalRClient(ConnectionString.parse(CONN_TEXT), "resight", session, **kwargs)


# -- connection string -----------------------------------------------------------------------


def test_parse_reads_endpoint_key_and_version():
    conn = ConnectionString.parse(CONN_TEXT)
    assert conn.endpoint == "https://demo.service.signalr.net"
    assert conn.access_key == KEY
    assert conn.version == "1.0"
    assert KEY not in repr(conn)


def test_parse_keys_are_case_insensitive_and_port_overrides_endpoint():
    conn = ConnectionString.parse(f"endpoint=http://127.0.0.1:8888/;ACCESSKEY={KEY};port=18888")
    assert conn.endpoint == "http://127.0.0.1:18888"
    assert conn.version == "1.0"


def test_parse_keeps_equals_signs_inside_the_key():
    conn = ConnectionString.parse("Endpoint=https://a.service.signalr.net;AccessKey=ab==;")
    assert conn.access_key == "ab=="


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "Endpoint and AccessKey"),
        (f"AccessKey={KEY};Version=1.0;", "Endpoint"),
        ("Endpoint=https://a.service.signalr.net;Version=1.0;", "AccessKey"),
        ("Endpoint=https://a.service.signalr.net;AccessKey=;", "AccessKey"),
        (f"Endpoint=https://a.service.signalr.net;AccessKey={KEY};Version=2.0;", "Version=2.0"),
        (f"Endpoint=https://a.service.signalr.net;AccessKey={KEY};Port=70000;", "Port=70000"),
        (f"Endpoint=ftp://a.service.signalr.net;AccessKey={KEY};", "Endpoint"),
        (f"Endpoint=a.service.signalr.net;AccessKey={KEY};", "Endpoint"),
        (f"Endpoint=https://a;endpoint=https://b;AccessKey={KEY};", "duplicate"),
        (f"Endpoint=https://a.service.signalr.net;AuthType=aad;AccessKey={KEY};", "AuthType"),
        (f"Endpoint=https://a.service.signalr.net;AccessKey={KEY};garbage;", "garbage"),
    ],
)
def test_parse_rejects_bad_strings_naming_the_part(text, named):
    with pytest.raises(InvalidConnectionString, match=named) as info:
        ConnectionString.parse(text)
    assert isinstance(info.value, ServiceUnavailable)  # in the one error tree: an API answers 503
    assert KEY not in str(info.value)
    assert info.value.to_dict() == {
        "error": "service_unavailable",
        "message": "SignalR__connectionString is not a valid connection string",
    }


def test_hub_name_is_validated():
    with pytest.raises(ValueError, match="hub"):
        SignalRClient(ConnectionString.parse(CONN_TEXT), "my-hub")


# -- tokens ----------------------------------------------------------------------------------


def test_negotiate_returns_client_url_and_a_token_for_it():
    client = make_client(ScriptedAdapter())
    result = client.negotiate(user_id="seller-7")
    assert result["url"] == "https://demo.service.signalr.net/client/?hub=resight"
    claims = jwt.decode(result["accessToken"], KEY, algorithms=["HS256"], audience=result["url"])
    assert claims["nameid"] == "seller-7"
    assert 3500 <= claims["exp"] - time.time() <= 3600
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(result["accessToken"], "x" * 44, algorithms=["HS256"], audience=result["url"])


def test_negotiate_without_user_has_no_nameid():
    claims = jwt.decode(
        make_client(ScriptedAdapter()).negotiate()["accessToken"],
        options={"verify_signature": False},
    )
    assert "nameid" not in claims


# -- broadcast -------------------------------------------------------------------------------


def test_broadcast_posts_the_documented_request():
    adapter = ScriptedAdapter((202, ""))
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert make_client(adapter).broadcast("kpis", [{"revenue": 12.5, "at": stamp}, 3]) is True

    ((request, timeout),) = adapter.calls
    parts = urlsplit(request.url)
    assert request.method == "POST"
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://demo.service.signalr.net/api/hubs/resight/:send"
    )
    assert parse_qs(parts.query) == {"api-version": ["2022-06-01"]}
    assert json.loads(request.body) == {
        "target": "kpis",
        "arguments": [{"revenue": 12.5, "at": "2025-01-02T03:04:05+00:00"}, 3],
    }
    assert request.headers["Content-Type"].startswith("application/json")
    scheme, token = request.headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(
        token,
        KEY,
        algorithms=["HS256"],
        audience="https://demo.service.signalr.net/api/hubs/resight/:send",
    )
    assert 0 < claims["exp"] - time.time() <= 300
    assert 0 < timeout <= 2.0


def test_send_to_user_signs_the_encoded_user_path():
    adapter = ScriptedAdapter((202, ""))
    assert make_client(adapter).send_to_user("a b/c", "rules", []) is True
    request = adapter.calls[0][0]
    path = urlsplit(request.url).path
    assert path == "/api/hubs/resight/users/a%20b%2Fc/:send"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    jwt.decode(token, KEY, algorithms=["HS256"], audience=f"https://demo.service.signalr.net{path}")


def test_transient_failures_are_retried_until_accepted():
    adapter = ScriptedAdapter((503, "busy"), (429, "slow down"), (202, ""))
    assert make_client(adapter, backoff=0.001).broadcast("kpis", [1]) is True
    assert len(adapter.calls) == 3


def test_non_transient_failure_is_not_retried(caplog):
    adapter = ScriptedAdapter((401, "bad token"))
    with caplog.at_level(logging.WARNING, logger="shared.adapters.signalr"):
        assert make_client(adapter).broadcast("kpis", [1]) is False
    assert len(adapter.calls) == 1
    assert "HTTP 401" in caplog.text


def test_service_down_returns_false_after_its_pauses_and_warns_once(caplog):
    # How long this takes on a real clock is bench/bench_resilience.py's figure.
    clock = FakeTime()
    adapter = ScriptedAdapter(default=requests.ConnectionError("connection refused"))
    client = make_client(adapter, timeout=1.0, cooldown=0.0, clock=clock.clock, sleep=clock.sleep)
    with caplog.at_level(logging.WARNING, logger="shared.adapters.signalr"):
        started = clock.now
        assert client.broadcast("kpis", [1]) is False
        assert clock.sleeps == [0.05, 0.1]  # 3 attempts, doubling pauses between them
        assert clock.now - started == pytest.approx(0.15)  # inside the 1 s budget
        assert client.broadcast("kpis", [2]) is False
    assert len(adapter.calls) == 2 * client.attempts
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


def test_each_attempt_gets_only_the_remaining_budget():
    clock = FakeTime()

    class SlowAdapter(ScriptedAdapter):
        def send(self, request, **kwargs):
            clock.now += 0.15  # what a socket timeout would cost
            return super().send(request, **kwargs)

    adapter = SlowAdapter(default=(503, "busy"))
    client = make_client(
        adapter, timeout=0.4, attempts=5, backoff=0.01, clock=clock.clock, sleep=clock.sleep
    )
    started = clock.now
    assert client.broadcast("kpis", [1]) is False
    # 0.4 s; 0.15 spent and a 0.01 pause: 0.24 left; 0.15 and 0.02 more: 0.07 left. The next
    # pause would end past the deadline, so no fourth attempt.
    timeouts = [t for _, t in adapter.calls]
    assert timeouts == pytest.approx([0.4, 0.24, 0.07])
    assert clock.sleeps == pytest.approx([0.01, 0.02])
    # Only the last attempt, started inside the budget, may run past it.
    assert clock.now - started == pytest.approx(0.4 + 0.08)


def test_circuit_breaker_skips_sends_until_cooldown_passes(caplog):
    clock = FakeTime()
    adapter = ScriptedAdapter(requests.ConnectionError("down"), (202, ""))
    client = make_client(adapter, attempts=1, cooldown=5.0, clock=clock.clock)
    with caplog.at_level(logging.INFO, logger="shared.adapters.signalr"):
        assert client.broadcast("kpis", [1]) is False
        clock.now += 4.9
        assert client.broadcast("kpis", [2]) is False
        assert client.broadcast("ranking", [3]) is False
        assert len(adapter.calls) == 1
        assert client.skipped == 2
        clock.now += 0.2
        assert client.broadcast("kpis", [4]) is True
    assert len(adapter.calls) == 2
    assert client.skipped == 0
    assert "reachable again (2 sends skipped" in caplog.text


def test_oversized_message_is_not_sent(caplog):
    adapter = ScriptedAdapter()
    client = make_client(adapter)
    with caplog.at_level(logging.ERROR, logger="shared.adapters.signalr"):
        assert client.broadcast("ranking", ["x" * MAX_MESSAGE_BYTES]) is False
    assert adapter.calls == []
    assert "over the 1048576 byte limit" in caplog.text
    # Not a service failure: the breaker stays closed.
    assert client.broadcast("ranking", ["small"]) is True


def test_bad_arguments_are_a_caller_error():
    client = make_client(ScriptedAdapter())
    with pytest.raises(InvalidValue, match="must be a list"):
        client.broadcast("kpis", "not a list")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="is not JSON"):
        client.broadcast("kpis", [object()])
    with pytest.raises(InvalidValue, match="target"):
        client.broadcast("", [])


def test_fit_message_keeps_the_longest_prefix_that_fits():
    items = [{"item_id": f"SKU-{i:05d}", "score": i / 7} for i in range(500)]

    def build(prefix):
        return [{"items": list(prefix), "version": "v3"}]

    limit = 8_000
    arguments, kept = fit_message("ranking", items, build, limit)
    assert 0 < kept < len(items)
    assert arguments == build(items[:kept])
    assert len(encode_message("ranking", arguments)) <= limit
    assert len(encode_message("ranking", build(items[: kept + 1]))) > limit

    assert fit_message("ranking", items[:3], build, limit) == (build(items[:3]), 3)
    with pytest.raises(ValueError, match="even with no items"):
        fit_message("ranking", items, build, limit=10)


# -- settings --------------------------------------------------------------------------------


def test_from_settings_is_none_when_unset_and_cached_when_set():
    signalr.clear_client_cache()
    assert signalr.from_settings(Settings(SignalR=SignalRConnection())) is None

    settings = Settings(SignalR=SignalRConnection(connectionString=CONN_TEXT, hub="live"))
    client = signalr.from_settings(settings)
    assert client is not None
    assert client.hub == "live"
    assert client.conn.endpoint == "https://demo.service.signalr.net"
    assert signalr.from_settings(settings) is client
    signalr.clear_client_cache()
