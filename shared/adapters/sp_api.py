"""Client for Amazon's Selling Partner API: Login with Amazon tokens, the Orders, Reports and
Sellers operations ReSight uses, each operation's usage plan, and what a throttled call costs.

Operations (Amazon's models, ``amzn/selling-partner-api-models``; copies and commit in
``tests/contracts/SOURCE.md``)::

    getOrders                     GET  /orders/v0/orders                      0.0167/s, burst 20
    getOrderItems                 GET  /orders/v0/orders/{orderId}/orderItems  0.5/s,    burst 30
    getMarketplaceParticipations  GET  /sellers/v1/marketplaceParticipations   0.016/s,  burst 15
    createReport                  POST /reports/2021-06-30/reports             0.0167/s, burst 15
    getReport                     GET  /reports/2021-06-30/reports/{reportId}  2/s,      burst 15
    getReportDocument             GET  /reports/2021-06-30/documents/{id}      0.0167/s, burst 15

Every call carries ``x-amz-access-token``: an access token from the LWA token endpoint
(``grant_type=refresh_token``), cached until a minute before it expires, and fetched again at
once when Amazon says it has expired (a 403 ``Unauthorized``). Each operation has its own
token bucket at the documented rate and burst; a response's ``x-amzn-RateLimit-Limit`` (the
rate the seller's usage plan really has) replaces the rate. A 429 or a 5xx is tried again after
a jittered, doubling pause (``shared.core.retry``); what still fails raises ``SpApiError``
(or ``SpApiThrottled``). ``stats`` keeps, per operation, what the Stores page shows: calls,
the last call and success, waits on the bucket, 429s and errors. No secret and no token is ever
logged or kept in ``stats``.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests

from shared.core import retry
from shared.core.errors import NotConfigured, SpApiError, SpApiThrottled
from shared.core.settings import SpApiConnection

log = logging.getLogger(__name__)

# Amazon reports an expired or revoked access token as 403 with this error code.
EXPIRED_TOKEN_CODE = "Unauthorized"
TOKEN_MARGIN_SECONDS = 60.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    rate: float  # requests per second, from the model's "Usage Plan" table
    burst: int


# The usage plans as each operation's description in Amazon's model states them
# (tests/unit/test_sp_api.py reads the tables from the model copies and compares).
OPERATIONS = {
    op.name: op
    for op in (
        Operation("getOrders", "GET", "/orders/v0/orders", 0.0167, 20),
        Operation("getOrderItems", "GET", "/orders/v0/orders/{orderId}/orderItems", 0.5, 30),
        Operation(
            "getMarketplaceParticipations",
            "GET",
            "/sellers/v1/marketplaceParticipations",
            0.016,
            15,
        ),
        Operation("createReport", "POST", "/reports/2021-06-30/reports", 0.0167, 15),
        Operation("getReport", "GET", "/reports/2021-06-30/reports/{reportId}", 2.0, 15),
        Operation(
            "getReportDocument",
            "GET",
            "/reports/2021-06-30/documents/{reportDocumentId}",
            0.0167,
            15,
        ),
    )
}


class TokenBucket:
    """Amazon's usage plans are token buckets (a rate and a burst: "Usage Plans and Rate Limits"
    in the SP-API docs). The rate-limit libraries at hand count requests in fixed or sliding
    windows (pyrate-limiter, limits), which after a burst would hold back far longer than
    Amazon does, so the bucket is written here: ``take`` waits until a token is there."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._clock, self._sleep = clock, sleep
        self._at = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self, max_wait: float | None = None) -> float:
        """Take one token, sleeping until there is one; the seconds waited. With ``max_wait``,
        a wait longer than that raises ``SpApiThrottled`` instead (nothing is taken)."""
        with self._lock:
            self._refill()
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            if max_wait is not None and wait > max_wait:
                raise SpApiThrottled(
                    f"the usage plan allows the next call in {wait:.0f} s", wait_seconds=wait
                )
            self._tokens -= 1  # may go negative: the wait below pays it back
        if wait > 0:
            self._sleep(wait)
        return wait

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self._refill()
            self.rate = rate

    def drain(self) -> None:
        """After a 429 Amazon's bucket is empty whatever ours says."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


@dataclass
class OperationStats:
    calls: int = 0
    ok: int = 0
    throttled: int = 0
    errors: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    last_call_at: str | None = None
    last_ok_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    rate: float = 0.0
    burst: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


@dataclass
class Stats:
    operations: dict[str, OperationStats] = field(default_factory=dict)

    def of(self, name: str) -> OperationStats:
        return self.operations.setdefault(name, OperationStats())

    def to_dict(self) -> dict[str, Any]:
        return {name: s.to_dict() for name, s in sorted(self.operations.items())}


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class LwaTokens:
    """Access tokens from Login with Amazon, cached until shortly before they expire."""

    def __init__(
        self,
        conn: SpApiConnection,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 15.0,
    ) -> None:
        if not conn.configured:
            raise NotConfigured(
                "the Selling Partner API is not configured: set AmazonSpApi__lwaClientId, "
                "AmazonSpApi__lwaClientSecret and AmazonSpApi__refreshToken"
            )
        self._conn, self._session, self._clock, self._timeout = conn, session, clock, timeout
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetched = 0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        c = self._conn
        assert c.lwa_client_id and c.lwa_client_secret and c.refresh_token
        try:
            response = self._session.post(
                c.token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": c.refresh_token.get_secret_value(),
                    "client_id": c.lwa_client_id.get_secret_value(),
                    "client_secret": c.lwa_client_secret.get_secret_value(),
                },
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise SpApiError(f"Login with Amazon did not answer: {type(exc).__name__}") from exc
        if response.status_code != 200:
            # LWA answers {"error": "invalid_grant", "error_description": ...}: no secret in it.
            reason = _json(response).get("error") or f"HTTP {response.status_code}"
            raise SpApiError(
                f"Login with Amazon refused the refresh token ({reason}): check the client id, "
                "secret and the seller's refresh token",
                status_code=response.status_code,
            )
        body = _json(response)
        self._token = str(body["access_token"])
        self._expires = self._clock() + float(body.get("expires_in", 3600)) - TOKEN_MARGIN_SECONDS
        self.fetched += 1


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class SpApiClient:
    """The operations ReSight calls. ``session``, ``clock``, ``sleep`` and ``jitter`` are
    injectable so tests swap the network and time, not the logic."""

    def __init__(
        self,
        conn: SpApiConnection,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 5,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        max_wait: float | None = None,
        timeout: float = 30.0,
        stats: Stats | None = None,
    ) -> None:
        self.conn = conn
        self._session = session or requests.Session()
        self.tokens = LwaTokens(conn, self._session, clock=clock)
        self._clock, self._sleep = clock, sleep
        self.attempts, self.backoff, self.max_backoff = attempts, backoff, max_backoff
        # The longest the caller accepts to wait for a bucket token (None: as long as it takes).
        self.max_wait = max_wait
        self._timeout = timeout
        self.stats = stats or Stats()
        self.buckets = {
            name: TokenBucket(op.rate, op.burst, clock=clock, sleep=sleep)
            for name, op in OPERATIONS.items()
        }
        for name, op in OPERATIONS.items():
            s = self.stats.of(name)
            s.rate, s.burst = op.rate, op.burst

    def take_stats(self) -> dict[str, Any]:
        """The stats since the last take, and counting starts again (rates are kept)."""
        taken = self.stats.to_dict()
        fresh = Stats()
        for name, old in self.stats.operations.items():
            s = fresh.of(name)
            s.rate, s.burst = old.rate, old.burst
        self.stats = fresh
        return taken

    # -- operations --------------------------------------------------------------------------

    def get_orders(
        self,
        *,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of getOrders: ``{"Orders": [...], "NextToken"?: ...}``. Amazon asks that
        a NextToken call repeat the first call's filters."""
        query: dict[str, str] = {"MarketplaceIds": self.conn.marketplace_id}
        if last_updated_after is not None:
            query["LastUpdatedAfter"] = _iso(last_updated_after)
        if last_updated_before is not None:
            query["LastUpdatedBefore"] = _iso(last_updated_before)
        if next_token:
            query["NextToken"] = next_token
        return dict(self._call("getOrders", query=query)["payload"])

    def orders(
        self,
        *,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every page of getOrders over the window, following NextToken."""
        after, before = last_updated_after, last_updated_before
        page = self.get_orders(last_updated_after=after, last_updated_before=before)
        yield page
        while page.get("NextToken"):
            page = self.get_orders(
                last_updated_after=after, last_updated_before=before, next_token=page["NextToken"]
            )
            yield page

    def get_order_items(self, order_id: str) -> list[dict[str, Any]]:
        """All of an order's items, following NextToken."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = {"NextToken": token} if token else {}
            payload = self._call("getOrderItems", {"orderId": order_id}, query=query)["payload"]
            items.extend(payload.get("OrderItems", []))
            token = payload.get("NextToken")
            if not token:
                return items

    def get_marketplace_participations(self) -> list[dict[str, Any]]:
        return list(self._call("getMarketplaceParticipations")["payload"])

    def create_report(self, report_type: str, start: datetime, end: datetime | None = None) -> str:
        body: dict[str, Any] = {
            "reportType": report_type,
            "marketplaceIds": [self.conn.marketplace_id],
            "dataStartTime": _iso(start),
        }
        if end is not None:
            body["dataEndTime"] = _iso(end)
        return str(self._call("createReport", body=body)["reportId"])

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self._call("getReport", {"reportId": report_id})

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        return self._call("getReportDocument", {"reportDocumentId": document_id})

    def download(self, document: dict[str, Any], to: Path) -> Path:
        """The report document's contents into ``to``, gunzipped when Amazon compressed it.
        Streamed: a year's report never sits in memory. The URL is presigned (no token)."""
        try:
            with self._session.get(document["url"], stream=True, timeout=self._timeout) as r:
                if r.status_code != 200:
                    raise SpApiError(
                        f"the report document's download answered HTTP {r.status_code}",
                        status_code=r.status_code,
                    )
                r.raw.decode_content = True
                with to.open("wb") as out:
                    source: IO[bytes] | gzip.GzipFile = r.raw
                    if document.get("compressionAlgorithm") == "GZIP":
                        source = gzip.GzipFile(fileobj=r.raw)
                    shutil.copyfileobj(source, out, 1 << 20)
        except requests.RequestException as exc:
            failure = type(exc).__name__
            raise SpApiError(f"the report document's download failed: {failure}") from exc
        return to

    # -- the one call path -------------------------------------------------------------------

    def _call(
        self,
        name: str,
        path_params: dict[str, str] | None = None,
        *,
        query: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        op = OPERATIONS[name]
        url = self.conn.endpoint.rstrip("/") + op.path.format(
            **{k: requests.utils.quote(v, safe="") for k, v in (path_params or {}).items()}
        )
        stats = self.stats.of(name)
        refreshed = False

        def attempt() -> requests.Response | None:
            nonlocal refreshed
            waited = self.buckets[name].take(self.max_wait)
            if waited:
                stats.waits += 1
                stats.wait_seconds += waited
            stats.calls += 1
            stats.last_call_at = _iso_now()
            try:
                response = self._session.request(
                    op.method,
                    url,
                    params=query or None,
                    json=body,
                    headers={"x-amz-access-token": self.tokens.get(), "accept": "application/json"},
                    timeout=self._timeout,
                )
            except requests.RequestException as exc:
                self._failed(stats, f"{type(exc).__name__}")
                return None
            self._follow_rate(name, response)
            if response.status_code == 403 and not refreshed and _expired(response):
                # The token expired or was revoked early: fetch a new one once, at once.
                refreshed = True
                self.tokens.invalidate()
                return attempt()
            if response.status_code in RETRIED_STATUSES:
                if response.status_code == 429:
                    stats.throttled += 1
                    self.buckets[name].drain()
                self._failed(stats, f"HTTP {response.status_code}")
            return response

        response = retry.call(
            attempt,
            attempts=self.attempts,
            wait=retry.jittered(self.backoff, self.max_backoff),
            again=lambda r: r is None or r.status_code in RETRIED_STATUSES,
            clock=self._clock,
            sleep=self._sleep,
        )
        if response is None or response.status_code in RETRIED_STATUSES:
            status = response.status_code if response is not None else None
            cls = SpApiThrottled if status == 429 else SpApiError
            raise cls(
                f"{name} failed after {self.attempts} attempts "
                f"({'HTTP ' + str(status) if status else 'no answer'})",
                operation=name,
                status_code=status,
            )
        if response.status_code >= 400:
            self._failed(stats, f"HTTP {response.status_code}")
            raise SpApiError(
                f"{name} answered HTTP {response.status_code}: {_errors(response)}",
                operation=name,
                status_code=response.status_code,
            )
        stats.ok += 1
        stats.last_ok_at = _iso_now()
        return _json(response)

    def _follow_rate(self, name: str, response: requests.Response) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if not limit:
            return
        try:
            rate = float(limit)
        except ValueError:
            return
        if rate > 0 and rate != self.buckets[name].rate:
            self.buckets[name].set_rate(rate)
            self.stats.of(name).rate = rate

    @staticmethod
    def _failed(stats: OperationStats, reason: str) -> None:
        stats.errors += 1
        stats.last_error = reason
        stats.last_error_at = _iso_now()


def _expired(response: requests.Response) -> bool:
    errors = _json(response).get("errors") or []
    return any(isinstance(e, dict) and e.get("code") == EXPIRED_TOKEN_CODE for e in errors)


def _errors(response: requests.Response) -> str:
    errors = _json(response).get("errors") or []
    text = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict))
    return text[:300] or "no error body"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
