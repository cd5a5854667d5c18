"""Client for the Azure SignalR Service data-plane REST API (serverless mode).

The function app never holds client connections: it signs a token for the browser
(``negotiate``) and pushes messages with REST calls (``broadcast``, ``send_to_user``). The same
code talks to Azure and to the local emulation in ``devhost``; only the connection string differs.

REST version 2022-06-01 (the current one in the service's data-plane reference)::

    POST {endpoint}/api/hubs/{hub}/:send?api-version=2022-06-01
    POST {endpoint}/api/hubs/{hub}/users/{user}/:send?api-version=2022-06-01
    body {"target": "<client method>", "arguments": [...]}  ->  202 Accepted

Every request carries an HS256 JWT signed with the AccessKey whose ``aud`` is the request URL
without query string or trailing slash. Client tokens use ``aud`` = the client URL
``{endpoint}/client/?hub={hub}`` and ``nameid`` for the user id.

Broadcasting is best effort by design: live updates are a convenience on top of state that is
already stored, so a SignalR outage must cost ingestion at most one short, bounded wait. After a
failure the client stops trying for ``cooldown`` seconds (circuit breaker), logs one warning per
outage and one info line when it recovers. ``broadcast`` returns ``False`` instead of raising.

Bodies over 1 MB are refused by the service; ``broadcast`` does not send them (logs an error
and returns ``False``). Callers with long lists trim them with ``fit_message``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import jwt
import requests

from shared.adapters import faults
from shared.core import retry
from shared.core.errors import InvalidConnectionString, InvalidValue

if TYPE_CHECKING:
    from shared.core.settings import Settings

log = logging.getLogger(__name__)

API_VERSION = "2022-06-01"
MAX_MESSAGE_BYTES = 1024 * 1024
REST_TOKEN_SECONDS = 300
CLIENT_TOKEN_SECONDS = 3600
# Statuses worth another attempt: throttling and server-side trouble. Anything else (401 bad key,
# 400 bad hub, 413) will fail the same way again.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_HUB_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_VERSION_RE = re.compile(r"^1\.\d+(?:[\w\-.]+)?$")

T = TypeVar("T")


def _invalid(message: str) -> InvalidConnectionString:
    """The SignalR connection string cannot be used; the message names the part at fault."""
    return InvalidConnectionString(message, setting="SignalR__connectionString")


@dataclass(frozen=True)
class ConnectionString:
    """``Endpoint=https://<name>.service.signalr.net;AccessKey=<key>;Version=1.0;[Port=<n>;]``"""

    endpoint: str
    access_key: str = field(repr=False)
    version: str = "1.0"

    @classmethod
    def parse(cls, text: str) -> ConnectionString:
        # Same rules as the service SDK's parser: keys are case-insensitive, duplicates are an
        # error, Version must be 1.x, Port overrides the endpoint's port.
        props: dict[str, str] = {}
        for part in (text or "").split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise _invalid(
                    f"SignalR connection string: {key.strip()!r} is not a key=value pair"
                )
            name = key.strip().lower()
            if name in props:
                raise _invalid(f"SignalR connection string: duplicate property {key.strip()!r}")
            props[name] = value.strip()

        missing = [
            n for n, k in (("Endpoint", "endpoint"), ("AccessKey", "accesskey")) if not props.get(k)
        ]
        if missing:
            raise _invalid(
                "SignalR connection string is missing "
                + " and ".join(missing)
                + " (expected 'Endpoint=https://<name>.service.signalr.net;AccessKey=<key>;"
                "Version=1.0;')"
            )
        auth_type = props.get("authtype")
        if auth_type and auth_type.lower() != "accesskey":
            raise _invalid(
                f"SignalR connection string: AuthType={auth_type} is not supported; "
                "use an AccessKey connection string"
            )

        version = props.get("version", "1.0")
        if not _VERSION_RE.match(version):
            raise _invalid(
                f"SignalR connection string: Version={version} is not supported (expected 1.x)"
            )

        parts = urlsplit(props["endpoint"].rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _invalid(
                "SignalR connection string: Endpoint must be an absolute http(s) URL, "
                f"got {props['endpoint']!r}"
            )
        if parts.query or parts.fragment:
            raise _invalid("SignalR connection string: Endpoint must not have a query or fragment")
        netloc = parts.netloc
        if "port" in props:
            port_text = props["port"]
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise _invalid(
                    f"SignalR connection string: Port={port_text} is not a port number (1-65535)"
                )
            host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            netloc = f"{host}:{int(port_text)}"
        endpoint = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        return cls(endpoint=endpoint, access_key=props["accesskey"], version=version)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise InvalidValue(f"SignalR message argument of type {type(value).__name__} is not JSON")


def encode_message(target: str, arguments: Sequence[Any]) -> bytes:
    """The REST body exactly as it is sent; its length is what the 1 MB limit applies to."""
    body = {"target": target, "arguments": list(arguments)}
    return json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def fit_message(
    target: str,
    items: Sequence[T],
    build: Callable[[Sequence[T]], list[Any]],
    limit: int = MAX_MESSAGE_BYTES,
) -> tuple[list[Any], int]:
    """Longest prefix of ``items`` whose message fits in ``limit`` bytes.

    ``build(prefix)`` turns a prefix into the message arguments (for example
    ``lambda top: [{"items": list(top), "version": v}]``). Returns ``(arguments, kept)``.
    Raises ``InvalidValue`` when even an empty prefix does not fit.
    """
    if len(encode_message(target, build(items))) <= limit:
        return build(items), len(items)
    low, high = 0, len(items) - 1  # invariant: prefix of `low` fits (checked below), `high+1` not
    if len(encode_message(target, build(items[:0]))) > limit:
        raise InvalidValue(f"SignalR message {target!r} exceeds {limit} bytes even with no items")
    while low < high:
        mid = (low + high + 1) // 2
        if len(encode_message(target, build(items[:mid]))) <= limit:
            low = mid
        else:
            high = mid - 1
    return build(items[:low]), low


class SignalRClient:
    """Sends hub messages over REST; cheap to call from hot paths (see module docstring)."""

    def __init__(
        self,
        conn: ConnectionString,
        hub: str,
        session: requests.Session | None = None,
        timeout: float = 2.0,
        *,
        attempts: int = 3,
        backoff: float = 0.05,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not _HUB_RE.match(hub or ""):
            raise InvalidValue(
                f"SignalR hub {hub!r} must start with a letter and contain only letters, "
                "digits and underscores"
            )
        if timeout <= 0 or attempts < 1 or backoff < 0 or cooldown < 0:
            raise InvalidValue("SignalR client: timeout > 0, attempts >= 1, backoff/cooldown >= 0")
        self.conn = conn
        self.hub = hub
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.cooldown = cooldown
        self._session = session or requests.Session()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failing = False
        self.skipped = 0  # sends not attempted because the breaker was open

    def close(self) -> None:
        self._session.close()

    # -- tokens -------------------------------------------------------------------------------

    @property
    def client_url(self) -> str:
        return f"{self.conn.endpoint}/client/?hub={self.hub}"

    def _sign(self, audience: str, lifetime: int, extra: dict[str, Any] | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"aud": audience, "iat": now, "nbf": now, "exp": now + lifetime}
        if extra:
            claims.update(extra)
        return jwt.encode(claims, self.conn.access_key, algorithm="HS256")

    def negotiate(self, user_id: str | None = None) -> dict[str, str]:
        """What ``POST /api/negotiate`` returns: the client URL and a token for it."""
        extra = {"nameid": user_id} if user_id else None
        return {
            "url": self.client_url,
            "accessToken": self._sign(self.client_url, CLIENT_TOKEN_SECONDS, extra),
        }

    # -- sending ------------------------------------------------------------------------------

    def broadcast(self, target: str, arguments: Sequence[Any]) -> bool:
        """Send ``target(*arguments)`` to every client of the hub. ``True`` if accepted."""
        return self._send(f"/api/hubs/{self.hub}/:send", target, arguments)

    def send_to_user(self, user_id: str, target: str, arguments: Sequence[Any]) -> bool:
        """Send to the connections whose token carried ``nameid`` = ``user_id``."""
        if not user_id:
            raise InvalidValue("SignalR send_to_user: user_id must not be empty")
        return self._send(
            f"/api/hubs/{self.hub}/users/{quote(user_id, safe='')}/:send", target, arguments
        )

    def _send(self, path: str, target: str, arguments: Sequence[Any]) -> bool:
        if not isinstance(target, str) or not target:
            raise InvalidValue("SignalR message target must be a non-empty string")
        if isinstance(arguments, str | bytes) or not isinstance(arguments, Sequence):
            raise InvalidValue("SignalR message arguments must be a list")
        body = encode_message(target, arguments)
        if len(body) > MAX_MESSAGE_BYTES:
            log.error(
                "SignalR message %r not sent: %d bytes is over the %d byte limit; "
                "trim it with fit_message()",
                target,
                len(body),
                MAX_MESSAGE_BYTES,
            )
            return False

        start = self._clock()
        with self._lock:
            if start < self._open_until:
                self.skipped += 1
                return False

        url = f"{self.conn.endpoint}{path}"
        problem = self._post_with_retries(url, body, deadline=start + self.timeout)
        self._record(problem, target)
        return problem is None

    def health_problem(self, timeout: float) -> str | None:
        """One ``HEAD /api/health`` to the service (its REST health API): None when it answers
        200, else a short reason without the endpoint or the key. For the app's /api/health."""
        url = f"{self.conn.endpoint}/api/health"
        try:
            response = self._session.head(
                url,
                params={"api-version": API_VERSION},
                headers={"Authorization": f"Bearer {self._sign(url, REST_TOKEN_SECONDS)}"},
                timeout=timeout,
            )
        except requests.RequestException as exc:
            return f"no answer ({type(exc).__name__})"
        return None if response.status_code == 200 else f"HTTP {response.status_code}"

    def _post_with_retries(self, url: str, body: bytes, deadline: float) -> str | None:
        """Returns None on success, else a short description of the last failure.

        Retried here (``shared.core.retry``) rather than by urllib3's Retry because the bound
        that matters is the wall-clock budget across attempts, which Retry does not enforce.
        """
        headers = {
            "Authorization": f"Bearer {self._sign(url, REST_TOKEN_SECONDS)}",
            "Content-Type": "application/json; charset=utf-8",
        }
        last = "no attempt made"

        def attempt() -> tuple[str | None, bool]:
            """(the failure or None, whether it is worth another attempt)"""
            nonlocal last
            remaining = deadline - self._clock()
            if remaining <= 0:
                return f"{last}; gave up after {self.timeout:.1f}s", False
            try:
                response = self._session.post(
                    url,
                    params={"api-version": API_VERSION},
                    data=body,
                    headers=headers,
                    timeout=remaining,
                )
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}: {exc}"
                return last, True
            if 200 <= response.status_code < 300:
                return None, False
            last = f"HTTP {response.status_code} {response.text[:200]!r}"
            return last, response.status_code in TRANSIENT_STATUSES

        problem, _ = retry.call(
            attempt,
            attempts=self.attempts,
            wait=retry.doubling(self.backoff),
            again=lambda outcome: outcome[1],
            deadline=deadline,
            clock=self._clock,
            sleep=self._sleep,
        )
        return problem

    def _record(self, problem: str | None, target: str) -> None:
        with self._lock:
            if problem is None:
                if self._failing:
                    log.info("SignalR reachable again (%d sends skipped meanwhile)", self.skipped)
                self._failing = False
                self.skipped = 0
                self._open_until = 0.0
                return
            self._open_until = self._clock() + self.cooldown
            first = not self._failing
            self._failing = True
        if first:
            log.warning(
                "SignalR send of %r to %s failed (%s); live updates paused, retrying every %.0fs",
                target,
                self.conn.endpoint,
                problem,
                self.cooldown,
            )
        else:
            log.debug("SignalR send of %r failed again: %s", target, problem)


@lru_cache(maxsize=4)
def _client(connection_string: str, hub: str) -> SignalRClient:
    return SignalRClient(
        ConnectionString.parse(connection_string), hub, session=faults.session("signalr")
    )


def from_settings(settings: Settings | None = None) -> SignalRClient | None:
    """The shared client for ``SignalR__connectionString``/``SignalR__hub``; None when unset."""
    if settings is None:
        from shared.core.settings import get_settings

        settings = get_settings()
    secret = settings.signalr.connection_string
    if secret is None or not secret.get_secret_value().strip():
        return None
    return _client(secret.get_secret_value(), settings.signalr.hub)


def clear_client_cache() -> None:
    """For tests that change the settings between cases."""
    _client.cache_clear()
