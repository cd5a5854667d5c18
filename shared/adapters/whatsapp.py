"""Client for the WhatsApp Cloud API (Meta's Graph HTTP endpoint).

One call sends one message::

    POST {base_url}/{phone_number_id}/messages      Authorization: Bearer <token>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<digits>",
     "type": "template" | "text" | "image", ...}
    -> 200 {"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}
    -> 4xx/5xx {"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}

Business-initiated messages outside the 24-hour customer-service window must be approved
templates (``template``: an image header and body parameters); free-form ``text`` and
``image`` only reach someone who wrote to the business in the last 24 hours.

Errors become a ``Delivery`` with the API's error code, never an exception the caller must
parse: throughput limits (HTTP 429, codes 4, 80007, 130429, 131056) and server or network
failures are retried with a doubling backoff a bounded number of times; anything else (100
invalid parameter, 131026 undeliverable, 131047 outside the window, 190 expired token,
132001 unknown template, ...) is final at once. ``token_rejected`` marks the codes that fail
every message alike, so a sender stops instead of trying each recipient.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

import requests

from shared.core import retry
from shared.core.errors import NotFound, ServiceUnavailable
from shared.core.settings import Settings

log = logging.getLogger(__name__)

# Throughput limits: the account (4, 80007), the phone number (130429), one recipient (131056).
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
# The token or the app is not allowed any more: no message can go out until someone fixes it.
TOKEN_CODES = frozenset({0, 10, 190, 200})
INVALID_RECIPIENT_CODES = frozenset({100, 131026, 131030})
OUTSIDE_WINDOW_CODE = 131047
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Delivery:
    status: Literal["sent", "failed"]
    attempts: int
    message_id: str | None = None
    error_code: int | None = None
    error: str | None = None
    http_status: int | None = None
    # The last failure was a rate limit (or outage) that outlasted the retries: worth another
    # try later, unlike the final errors.
    retryable: bool = False

    @property
    def token_rejected(self) -> bool:
        return self.error_code in TOKEN_CODES

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "attempts": self.attempts,
            "message_id": self.message_id,
            "error_code": self.error_code,
            "error": self.error,
            "http_status": self.http_status,
            "retryable": self.retryable,
        }


def template_message(
    to: str,
    name: str,
    language: str,
    body: list[str],
    *,
    header_image: str | None = None,
) -> dict[str, Any]:
    """A template message: an image header (by link) when given, then the body parameters."""
    components: list[dict[str, Any]] = []
    if header_image:
        components.append(
            {
                "type": "header",
                "parameters": [{"type": "image", "image": {"link": header_image}}],
            }
        )
    components.append({"type": "body", "parameters": [{"type": "text", "text": t} for t in body]})
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(to),
        "type": "template",
        "template": {"name": name, "language": {"code": language}, "components": components},
    }


def text_message(to: str, text: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(to),
        "type": "text",
        "text": {"preview_url": False, "body": text},
    }


def image_message(to: str, link: str, caption: str | None = None) -> dict[str, Any]:
    image: dict[str, Any] = {"link": link}
    if caption:
        image["caption"] = caption
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(to),
        "type": "image",
        "image": image,
    }


def wa_number(phone: str) -> str:
    """The API's form of a number: country code and digits, no ``+`` or spaces."""
    return "".join(ch for ch in phone if ch.isdigit())


class WhatsAppClient:
    """Sends messages; ``session`` and ``sleep`` are injectable so tests swap the network and
    the clock, not the logic."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        token: str,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        backoff: float = 1.0,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self._token = token
        self._session = session or requests.Session()
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> WhatsAppClient | None:
        """None when WhatsApp is not configured (no phone number id or token); the callers
        answer 503 "not configured". A token whose Key Vault reference did not resolve is not
        configured either: the settings drop the reference text (``unresolved_settings``), so it
        is never sent as a Bearer token."""
        conn = settings.whatsapp
        if not conn.phone_number_id or conn.access_token is None:
            return None
        return cls(
            conn.base_url, conn.phone_number_id, conn.access_token.get_secret_value(), **kwargs
        )

    def send(self, message: dict[str, Any]) -> Delivery:
        """Send one message, retrying throughput limits and outages with a doubling backoff."""
        attempt = 0

        def post() -> Delivery:
            nonlocal attempt
            attempt += 1
            return self._post(message, attempt)

        last = retry.call(
            post,
            attempts=self.max_attempts,
            wait=retry.doubling(self.backoff),
            again=lambda d: d.status != "sent" and d.retryable,
            sleep=self._sleep,
        )
        if last.status != "sent" and last.retryable:
            log.warning("WhatsApp: gave up after %d attempts: %s", last.attempts, last.error)
        return last

    def _post(self, message: dict[str, Any], attempt: int) -> Delivery:
        try:
            resp = self._session.post(
                self.url,
                json=message,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return Delivery("failed", attempt, error=f"network: {exc}", retryable=True)
        body = _json(resp)
        if resp.status_code == 200:
            messages = body.get("messages") or [{}]
            return Delivery("sent", attempt, message_id=messages[0].get("id"), http_status=200)
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        code = error.get("code")
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        retryable = code in RATE_LIMIT_CODES or (
            code not in TOKEN_CODES | INVALID_RECIPIENT_CODES
            and resp.status_code in TRANSIENT_STATUSES
        )
        return Delivery(
            "failed",
            attempt,
            error_code=code,
            error=str(error.get("message") or resp.text[:300] or resp.reason),
            http_status=resp.status_code,
            retryable=retryable,
        )


def _json(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def local_inbox(
    base_url: str, *, session: requests.Session | None = None, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The messages the local stack's fake Graph API received (``devhost/whatsapp_service.py``
    keeps a copy of each), oldest first. Against the real Graph API there is nothing to read:
    messages go to the recipients' phones (``NotFound``)."""
    if urlparse(base_url).hostname not in LOCAL_HOSTS:
        raise NotFound(
            "WhatsApp messages go to the recipients' phones; only the local stack's fake "
            "Graph API keeps a copy to show"
        )
    root = base_url.rstrip("/").rsplit("/", 1)[0]  # without the API version
    try:
        resp = (session or requests).get(f"{root}/_fake/messages", timeout=timeout)
        resp.raise_for_status()
        return list(resp.json()["messages"])
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise ServiceUnavailable(
            f"the local fake WhatsApp Graph API did not answer: {exc}"
        ) from exc
