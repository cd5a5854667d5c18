"""The SignalR emulation checked with the real @microsoft/signalr client running in Node.

The emulator runs under uvicorn in a thread on 127.0.0.1:18888; messages are sent with
shared.adapters.signalr exactly as the function app sends them, and received by
tests/integration/signalr_client.mjs.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from devhost.signalr_service import create_app
from shared.adapters.signalr import ConnectionString, SignalRClient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "integration" / "signalr_client.mjs"
HOST = "127.0.0.1"
PORT = 18888
DEAD_PORT = 18889  # nothing listens here
APP_PORT = 18890  # a stand-in for the function app's /api/negotiate
KEY = "emulator-test-key-0123456789abcdefghijklmnop"
WRONG_KEY = "not-the-emulator-key-0123456789abcdefghijklm"
ENDPOINT = f"http://{HOST}:{PORT}"
CONN = ConnectionString.parse(f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;")
RS = "\x1e"


def serve(app, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(
        app, host=HOST, port=port, log_level="warning", ws="websockets-sansio", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), f"server did not start on {HOST}:{port} (port in use?)"
        assert time.monotonic() < deadline, f"server did not start on {HOST}:{port} within 10 s"
        time.sleep(0.02)  # a poll of server.started, not a fixed wait
    return server, thread


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def service() -> Iterator[Starlette]:
    app = create_app(KEY, ping_interval=0.5)
    running = serve(app, PORT)
    yield app
    stop(*running)


@pytest.fixture
def client(service) -> Iterator[SignalRClient]:
    with requests.Session() as session:
        yield SignalRClient(CONN, "resight", session, timeout=2.0)


class NodeListener:
    """One run of signalr_client.mjs; its stdout lines arrive as parsed JSON objects."""

    def __init__(self, *args: str) -> None:
        node = shutil.which("node")
        assert node, "node (v20) is required for the SignalR integration tests"
        self.proc = subprocess.Popen(
            [node, str(SCRIPT), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, timeout: float = 10.0) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no output from the SignalR client within {timeout} s")
        assert line is not None, f"SignalR client exited early: {self.stderr()}"
        return line

    def wait_connected(self) -> None:
        line = self.next()
        assert line["event"] == "connected", f"{line} / {self.stderr()}"

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def listen() -> Iterator:
    started: list[NodeListener] = []

    def start(negotiated: dict, *targets: str, count: int = 1, timeout_ms: int = 10_000):
        listener = NodeListener(
            "--url",
            negotiated["url"],
            "--token",
            negotiated["accessToken"],
            "--count",
            str(count),
            "--timeout-ms",
            str(timeout_ms),
            *targets,
        )
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.close()


def rest_token(audience: str, key: str = KEY, lifetime: int = 60) -> str:
    now = int(time.time())
    return jwt.encode({"aud": audience, "exp": now + lifetime}, key, algorithm="HS256")


SEND_URL = f"{ENDPOINT}/api/hubs/resight/:send"


def test_real_client_receives_broadcast_target_and_arguments(client, listen):
    node = listen(client.negotiate(), "kpis", "ranking", count=2)
    node.wait_connected()

    kpis = [{"revenue": 2499.5, "orders": 3, "title": "कुर्ता सेट", "low_stock": None}]
    ranking = [{"items": [{"item_id": "SKU-1", "rank": 1, "change": 2}]}, "v7"]
    # How soon a broadcast arrives is bench/bench_resilience.py's figure (signalr_emulator).
    assert client.broadcast("kpis", kpis) is True
    assert node.next() == {"target": "kpis", "arguments": kpis}
    assert client.broadcast("ranking", ranking) is True
    assert node.next() == {"target": "ranking", "arguments": ranking}
    assert node.next() == {"event": "done", "received": 2}


def test_two_clients_both_receive_a_broadcast(client, listen, service):
    first = listen(client.negotiate(), "stores")
    second = listen(client.negotiate(), "stores")
    first.wait_connected()
    second.wait_connected()
    assert service.state.registry.count("resight") == 2

    assert client.broadcast("stores", [{"amazon": "connected"}]) is True
    expected = {"target": "stores", "arguments": [{"amazon": "connected"}]}
    assert first.next() == expected
    assert second.next() == expected


def test_user_send_reaches_only_that_users_connections(client, listen):
    seller = listen(client.negotiate(user_id="seller-7"), "rules", "model", count=2)
    other = listen(client.negotiate(), "rules", "model")
    seller.wait_connected()
    other.wait_connected()

    assert client.send_to_user("seller-7", "rules", [{"pinned": "SKU-9"}]) is True
    assert client.broadcast("model", ["v8"]) is True
    assert seller.next() == {"target": "rules", "arguments": [{"pinned": "SKU-9"}]}
    assert seller.next() == {"target": "model", "arguments": ["v8"]}
    # The other client's first message is the broadcast: the user message never reached it.
    assert other.next() == {"target": "model", "arguments": ["v8"]}


def test_rest_call_with_bad_token_gets_401(service):
    body = {"target": "kpis", "arguments": []}
    params = {"api-version": "2022-06-01"}
    cases = {
        "wrong key": rest_token(SEND_URL, WRONG_KEY),
        "wrong audience": rest_token(f"{ENDPOINT}/api/hubs/other/:send"),
        "expired": rest_token(SEND_URL, lifetime=-30),
    }
    for name, token in cases.items():
        response = requests.post(
            SEND_URL,
            params=params,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert response.status_code == 401, name
    assert requests.post(SEND_URL, params=params, json=body, timeout=5).status_code == 401

    good = {"Authorization": f"Bearer {rest_token(SEND_URL)}"}
    assert (
        requests.post(SEND_URL, params=params, json=body, headers=good, timeout=5).status_code
        == 202
    )
    old_api = requests.post(
        SEND_URL, params={"api-version": "1.0"}, json=body, headers=good, timeout=5
    )
    assert old_api.status_code == 400


def test_client_with_wrong_key_is_refused(service, listen):
    with requests.Session() as session:
        wrong = SignalRClient(
            ConnectionString.parse(f"Endpoint={ENDPOINT};AccessKey={WRONG_KEY};Version=1.0;"),
            "resight",
            session,
        )
        assert wrong.broadcast("kpis", [1]) is False
        node = listen(wrong.negotiate(), "kpis")
        line = node.next()
    assert line["event"] == "error"
    assert "401" in line["message"]
    assert node.proc.wait(timeout=10) == 1


def test_websocket_with_bad_token_or_unknown_connection_is_refused(client):
    good = client.negotiate()["accessToken"]
    negotiate = requests.post(
        f"{ENDPOINT}/client/negotiate",
        params={"hub": "resight", "negotiateVersion": "1"},
        headers={"Authorization": f"Bearer {good}"},
        timeout=5,
    )
    assert negotiate.status_code == 200
    connection_token = negotiate.json()["connectionToken"]
    ws_url = f"ws://{HOST}:{PORT}/client/?hub=resight&id={connection_token}"

    bad = rest_token(client.client_url, WRONG_KEY)
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(ws_url, additional_headers={"Authorization": f"Bearer {bad}"}, open_timeout=5)
    assert refused.value.response.status_code == 403

    unknown = f"ws://{HOST}:{PORT}/client/?hub=resight&id=never-negotiated"
    with pytest.raises(InvalidStatus):
        ws_connect(unknown, additional_headers={"Authorization": f"Bearer {good}"}, open_timeout=5)


def test_hub_protocol_handshake_pings_and_listen_only(client):
    token = client.negotiate()["accessToken"]
    negotiated = requests.post(
        f"{ENDPOINT}/client/negotiate?hub=resight&negotiateVersion=1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert negotiated["negotiateVersion"] == 1
    assert negotiated["availableTransports"] == [
        {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
    ]
    assert negotiated["connectionId"] != negotiated["connectionToken"]

    url = f"ws://{HOST}:{PORT}/client/?hub=resight&id={negotiated['connectionToken']}"
    with ws_connect(url + f"&access_token={token}", open_timeout=5) as ws:
        ws.send('{"protocol":"json","version":1}' + RS)
        assert ws.recv(timeout=5) == "{}" + RS
        assert json.loads(ws.recv(timeout=5).rstrip(RS)) == {"type": 6}  # idle ping
        ws.send('{"type":1,"target":"Echo","arguments":["hi"]}' + RS)
        close = json.loads(ws.recv(timeout=5).rstrip(RS))
        assert close["type"] == 7
        assert "listen-only" in close["error"]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def test_oversized_body_gets_413(service):
    body = b'{"target":"kpis","arguments":["' + b"x" * (1024 * 1024) + b'"]}'
    response = requests.post(
        SEND_URL,
        params={"api-version": "2022-06-01"},
        data=body,
        headers={
            "Authorization": f"Bearer {rest_token(SEND_URL)}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert response.status_code == 413


class CountingAdapter(requests.adapters.HTTPAdapter):
    """The real transport, counting the requests that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request, **kwargs):
        self.sent += 1
        return super().send(request, **kwargs)


def test_signalr_down_does_not_raise_and_the_breaker_skips_the_network():
    # How long the first send takes to give up, and a skipped one, are
    # bench/bench_resilience.py's figures (signalr_down); here, what happens.
    dead = ConnectionString.parse(
        f"Endpoint=http://{HOST}:{DEAD_PORT};AccessKey={KEY};Version=1.0;"
    )
    with requests.Session() as session:
        transport = CountingAdapter()
        session.mount("http://", transport)
        down = SignalRClient(dead, "resight", session, timeout=1.0)
        assert down.broadcast("kpis", [{"revenue": 1}]) is False
        assert transport.sent == down.attempts  # refused each time, retried to the last
        assert down.broadcast("kpis", [{"revenue": 2}]) is False  # breaker open: no network
        assert transport.sent == down.attempts
    assert down.skipped == 1


def test_app_negotiate_redirect_flow_as_the_dashboard_uses_it(client, service):
    # The dashboard calls withUrl("<app>/api"): the client POSTs /api/negotiate, gets
    # {url, accessToken} and follows it to the service. negotiate() must be that answer.
    seen: list[str] = []

    async def app_negotiate(request: Request) -> JSONResponse:
        seen.append(request.headers.get("x-functions-key", ""))
        return JSONResponse(client.negotiate())

    app = Starlette(routes=[Route("/api/negotiate", app_negotiate, methods=["POST"])])
    running = serve(app, APP_PORT)
    node = NodeListener(
        "--url",
        f"http://{HOST}:{APP_PORT}/api",
        "--header",
        "x-functions-key=local-key",
        "--timeout-ms",
        "10000",
        "event",
    )
    try:
        node.wait_connected()
        assert client.broadcast("event", [{"type": "order", "item_id": "SKU-3"}]) is True
        assert node.next() == {
            "target": "event",
            "arguments": [{"type": "order", "item_id": "SKU-3"}],
        }
    finally:
        node.close()
        stop(*running)
    assert seen == ["local-key"]


def test_browser_preflight_is_allowed_with_credentials(service):
    origin = "http://127.0.0.1:7071"
    response = requests.options(
        f"{ENDPOINT}/client/negotiate?hub=resight&negotiateVersion=1",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-requested-with,x-signalr-user-agent",
        },
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "x-signalr-user-agent" in allowed
