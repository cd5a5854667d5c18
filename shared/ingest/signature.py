"""HMAC-SHA256 webhook signatures, shared by all marketplaces.

The sender computes ``hex(HMAC_SHA256(secret, f"{timestamp}.".encode() + raw_body))`` and sends
``X-ReSight-Timestamp: <unix seconds>`` and ``X-ReSight-Signature: sha256=<hex>``. Signing the
timestamp with the body stops replays of an old, validly signed body beyond ``max_age``.

Senders that cannot compute a signature (an EventBridge API destination adds only static headers)
send the secret itself as ``X-ReSight-Token`` instead, on the marketplaces that allow it
(``WEBHOOK_TOKEN_MARKETPLACES``). It is the same secret, so ``rotate-secret`` and its grace
rotate both ways of sending at once; both grant exactly the same thing (posting that
marketplace's events), and TLS keeps the header from anyone but the two ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from shared.core.errors import AuthError

TIMESTAMP_HEADER = "x-resight-timestamp"
SIGNATURE_HEADER = "x-resight-signature"
TOKEN_HEADER = "x-resight-token"
_PREFIX = "sha256="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return _PREFIX + digest.hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers a sender attaches; for the mock feed, the docs/webhooks.md example, tests."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(secret, ts, body)}


def verify(
    secret: str | Sequence[str],
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    max_age: int,
    now: float | None = None,
) -> int:
    """Check timestamp freshness and signature; return the timestamp. Raises AuthError.

    Several secrets are accepted while a rotation's grace lasts: any one of them may sign."""
    if not timestamp_header or not signature_header:
        raise AuthError("missing X-ReSight-Timestamp or X-ReSight-Signature header")
    try:
        ts = int(timestamp_header)
    except ValueError as exc:
        raise AuthError("X-ReSight-Timestamp must be unix seconds") from exc
    current = time.time() if now is None else now
    if abs(current - ts) > max_age:
        raise AuthError(f"timestamp outside the allowed {max_age} s window; re-sign and resend")
    given = signature_header.strip().encode()
    candidates = [secret] if isinstance(secret, str) else list(secret)
    # Every candidate is compared (no early exit), each in constant time.
    matches = [hmac.compare_digest(sign(s, ts, body).encode(), given) for s in candidates]
    if not any(matches):
        raise AuthError("signature does not match the body")
    return ts


def verify_token(secret: str | Sequence[str], token: str | None) -> None:
    """Check a static token header against the secrets. Raises AuthError.

    Every candidate is compared (no early exit), each in constant time, so the answer's timing
    tells nothing about which secret, or how much of it, matched."""
    if not token:
        raise AuthError("missing X-ReSight-Token header")
    given = token.strip().encode()
    candidates = [secret] if isinstance(secret, str) else list(secret)
    matches = [hmac.compare_digest(s.encode(), given) for s in candidates]
    if not any(matches):
        raise AuthError("X-ReSight-Token does not match the webhook secret")
