"""Local stand-in for the Azure SignalR Service data plane (serverless mode).

It speaks just enough of the service for the app and the real ``@microsoft/signalr`` client:

- REST 2022-06-01: ``POST /api/hubs/{hub}/:send`` and ``POST /api/hubs/{hub}/users/{user}/:send``
  with ``?api-version=2022-06-01``, ``HEAD /api/health``. Bearer JWT (HS256, the access key,
  ``aud`` = request URL without query or trailing slash) or 401; body over 1 MB -> 413;
  accepted -> 202.
- Client negotiate: ``POST /client/negotiate?hub=<hub>&negotiateVersion=1`` with the token from
  the app's ``/api/negotiate`` (``aud`` = ``{endpoint}/client/?hub=<hub>``, user in ``nameid``).
- WebSocket ``/client/?hub=<hub>&id=<connectionToken>`` (token in ``Authorization`` or
  ``access_token``): the JSON hub protocol, records ended by 0x1e. Handshake, invocations
  pushed to the client, pings both ways, close. Clients only listen, as in serverless mode:
  a client that invokes a hub method is closed with an error.

Each connection owns a bounded queue drained by its own task, so a broadcast only enqueues and
a slow browser never holds up the REST call; a client that falls too far behind is dropped and
reconnects, as the real service does.

Run it with ``create_app(access_key)`` under uvicorn, or ``python -m devhost.signalr_service``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

log = logging.getLogger(__name__)

API_VERSION = "2022-06-01"
MAX_BODY_BYTES = 1024 * 1024
RS = "\x1e"
PING_RECORD = json.dumps({"type": 6}) + RS
# Same defaults as the SignalR clients: ping every 15 s, give up after 30 s of silence.
PING_INTERVAL = 15.0
CLIENT_TIMEOUT = 30.0
QUEUE_LIMIT = 1000
NEGOTIATION_TTL = 120.0  # a connection token must be used this soon after negotiate

_HUB_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class _Connection:
    connection_id: str
    hub: str
    user_id: str | None
    queue: asyncio.Queue[str | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_LIMIT)
    )


@dataclass
class _Pending:
    connection_id: str
    hub: str
    user_id: str | None
    created: float


class Registry:
    """Connections per hub; all access happens on the server's event loop."""

    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.hubs: dict[str, dict[str, _Connection]] = {}

    def negotiate(self, hub: str, user_id: str | None) -> tuple[str, str]:
        now = time.monotonic()
        for token in [t for t, p in self.pending.items() if now - p.created > NEGOTIATION_TTL]:
            del self.pending[token]
        connection_id = secrets.token_urlsafe(16)
        token = secrets.token_urlsafe(24)
        self.pending[token] = _Pending(connection_id, hub, user_id, now)
        return connection_id, token

    def claim(self, token: str, hub: str) -> _Pending | None:
        pending = self.pending.pop(token, None)
        if pending is None or pending.hub != hub:
            return None
        if time.monotonic() - pending.created > NEGOTIATION_TTL:
            return None
        return pending

    def add(self, conn: _Connection) -> None:
        self.hubs.setdefault(conn.hub, {})[conn.connection_id] = conn

    def remove(self, conn: _Connection) -> None:
        self.hubs.get(conn.hub, {}).pop(conn.connection_id, None)

    def count(self, hub: str) -> int:
        return len(self.hubs.get(hub.lower(), {}))

    def publish(self, hub: str, record: str, user_id: str | None = None) -> int:
        delivered = 0
        for conn in list(self.hubs.get(hub, {}).values()):
            if user_id is not None and conn.user_id != user_id:
                continue
            try:
                conn.queue.put_nowait(record)
                delivered += 1
            except asyncio.QueueFull:
                log.warning("SignalR connection %s is too slow; dropping it", conn.connection_id)
                self.remove(conn)
                _wake_for_close(conn)
        return delivered


def _wake_for_close(conn: _Connection) -> None:
    # Make room for the sentinel that tells the sender to close.
    with contextlib.suppress(asyncio.QueueEmpty):
        conn.queue.get_nowait()
    conn.queue.put_nowait(None)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def _base_url(conn: HTTPConnection) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    return f"{scheme}://{conn.url.netloc}"


def _bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return conn.query_params.get("access_token")


def _verify(token: str | None, key: str, audience: str | list[str]) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["exp", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        log.info("SignalR emulator refused a token for %s: %s", audience, exc)
        return None


def _hub(raw: str | None) -> str | None:
    return raw.lower() if raw and _HUB_RE.match(raw) else None


def create_app(
    access_key: str,
    *,
    ping_interval: float = PING_INTERVAL,
    client_timeout: float = CLIENT_TIMEOUT,
) -> Starlette:
    """The emulator as an ASGI app; the connection string is
    ``Endpoint=http://<host>:<port>;AccessKey=<access_key>;Version=1.0;``."""
    if len(access_key) < 32:
        # HS256 keys shorter than the hash are weak (RFC 7518 3.2); Azure's keys are 44 chars.
        raise ValueError("SignalR emulator access_key must be at least 32 characters")
    registry = Registry()

    async def send(request: Request) -> Response:
        if request.query_params.get("api-version") != API_VERSION:
            return _error(400, f"api-version must be {API_VERSION}")
        hub = _hub(request.path_params["hub"])
        if hub is None:
            return _error(400, "hub must start with a letter and contain only [A-Za-z0-9_]")
        # The sender signs the URL as it wrote it (user ids percent-encoded); accept the
        # decoded spelling too.
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        audience = [_base_url(request) + p.rstrip("/") for p in {raw_path, request.url.path}]
        if _verify(_bearer(request), access_key, audience) is None:
            return _error(401, "invalid or missing access token")

        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _error(413, f"body exceeds {MAX_BODY_BYTES} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _error(413, f"body exceeds {MAX_BODY_BYTES} bytes")
        try:
            message = json.loads(body)
        except ValueError:
            return _error(400, "body is not JSON")
        if not isinstance(message, dict):
            return _error(400, "body must be a JSON object")
        target = message.get("target")
        arguments = message.get("arguments", [])
        if not isinstance(target, str) or not target:
            return _error(400, "target must be a non-empty string")
        if not isinstance(arguments, list):
            return _error(400, "arguments must be an array")

        record = (
            json.dumps(
                {"type": 1, "target": target, "arguments": arguments},
                separators=(",", ":"),
                ensure_ascii=False,
            )
            + RS
        )
        registry.publish(hub, record, request.path_params.get("user"))
        return Response(status_code=202)

    async def health(request: Request) -> Response:
        return Response(status_code=200)

    async def negotiate(request: Request) -> Response:
        hub = _hub(request.query_params.get("hub"))
        if hub is None:
            return _error(400, "query parameter hub is missing or invalid")
        claims = _verify(
            _bearer(request),
            access_key,
            f"{_base_url(request)}/client/?hub={request.query_params['hub']}",
        )
        if claims is None:
            return _error(401, "invalid or missing access token")
        connection_id, token = registry.negotiate(hub, claims.get("nameid"))
        body: dict[str, Any] = {
            "connectionId": connection_id,
            "availableTransports": [
                {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
            ],
        }
        version = request.query_params.get("negotiateVersion", "0")
        if version.isdigit() and int(version) >= 1:
            body.update(negotiateVersion=1, connectionToken=token)
        else:
            # Version 0 clients connect with the connection id itself.
            registry.pending[connection_id] = registry.pending.pop(token)
            body["negotiateVersion"] = 0
        return JSONResponse(body)

    async def client_socket(websocket: WebSocket) -> None:
        raw_hub = websocket.query_params.get("hub")
        hub = _hub(raw_hub)
        claims = None
        if hub is not None:
            claims = _verify(
                _bearer(websocket), access_key, f"{_base_url(websocket)}/client/?hub={raw_hub}"
            )
        if hub is None or claims is None:
            await websocket.close(code=1008)  # before accept: the client sees HTTP 403
            return
        token = websocket.query_params.get("id")
        if token:
            pending = registry.claim(token, hub)
            if pending is None:
                await websocket.close(code=1008)
                return
            conn = _Connection(pending.connection_id, hub, pending.user_id)
        else:  # skipNegotiation clients get a connection on the spot
            conn = _Connection(secrets.token_urlsafe(16), hub, claims.get("nameid"))

        await websocket.accept()
        if not await _handshake(websocket, client_timeout):
            return
        registry.add(conn)
        sender = asyncio.create_task(_pump(websocket, conn, ping_interval))
        try:
            await _listen(websocket, client_timeout)
        finally:
            registry.remove(conn)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            with contextlib.suppress(Exception):
                await websocket.close()

    app = Starlette(
        routes=[
            Route("/api/health", health, methods=["GET", "HEAD"]),
            Route("/api/hubs/{hub}/:send", send, methods=["POST"]),
            Route("/api/hubs/{hub}/users/{user}/:send", send, methods=["POST"]),
            Route("/client/negotiate", negotiate, methods=["POST"]),
            WebSocketRoute("/client/", client_socket),
            WebSocketRoute("/client", client_socket),
        ],
        # The dashboard connects from another origin with credentials, as it does in Azure.
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origin_regex=".*",
                allow_credentials=True,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["*"],
            )
        ],
    )
    app.state.registry = registry
    return app


async def _handshake(websocket: WebSocket, timeout: float) -> bool:
    buffered = ""
    try:
        while RS not in buffered:
            buffered += await asyncio.wait_for(_receive_text(websocket), timeout)
    except (TimeoutError, WebSocketDisconnect):
        return False
    request_text, _, _rest = buffered.partition(RS)
    try:
        request = json.loads(request_text)
    except ValueError:
        request = {}
    if (
        not isinstance(request, dict)
        or request.get("protocol") != "json"
        or request.get("version") != 1
    ):
        reply = {"error": "only the json hub protocol version 1 is supported"}
        await websocket.send_text(json.dumps(reply) + RS)
        await websocket.close(code=1002)
        return False
    await websocket.send_text("{}" + RS)
    return True


async def _receive_text(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is not None:
        return str(message["text"])
    return bytes(message.get("bytes") or b"").decode("utf-8")


async def _pump(websocket: WebSocket, conn: _Connection, ping_interval: float) -> None:
    """Drain the connection's queue; ping when idle so the client's server timeout holds."""
    while True:
        try:
            record = await asyncio.wait_for(conn.queue.get(), ping_interval)
        except TimeoutError:
            record = PING_RECORD
        if record is None:
            await websocket.close(code=1008)
            return
        await websocket.send_text(record)


async def _listen(websocket: WebSocket, timeout: float) -> None:
    """Read client records until it closes, goes silent, or breaks the listen-only rule."""
    while True:
        try:
            text = await asyncio.wait_for(_receive_text(websocket), timeout)
        except (TimeoutError, WebSocketDisconnect):
            return
        for raw in text.split(RS):
            if not raw.strip():
                continue
            try:
                kind = json.loads(raw).get("type")
            except (ValueError, AttributeError):
                kind = None
            if kind == 6:  # ping: any traffic already counts as alive
                continue
            if kind == 7:
                return
            if kind in (1, 4, 5):
                error = "serverless hubs are listen-only: clients cannot invoke hub methods"
            else:
                error = "malformed hub protocol message"
            close = {"type": 7, "error": error, "allowReconnect": False}
            with contextlib.suppress(Exception):
                await websocket.send_text(json.dumps(close) + RS)
            return


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Local Azure SignalR Service emulation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--access-key", required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.access_key), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
