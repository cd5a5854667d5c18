"""Small parsing helpers the adapters share: field access that names the field on failure."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from shared.core.errors import ValidationFailed
from shared.core.records import MAX_PRICE_INR
from shared.core.settings import get_settings
from shared.core.validation import failed

_MISSING = object()


def field(body: dict, path: str, *, default: Any = _MISSING) -> Any:
    """``body["a"]["b"]`` for path ``"a.b"``; a missing field is a 422 naming the path."""
    node: Any = body
    for part in path.split("."):
        if isinstance(node, dict) and part in node and node[part] is not None:
            node = node[part]
        elif default is not _MISSING:
            return default
        else:
            raise ValidationFailed(f"missing required field {path!r}", field=path)
    return node


def first_key(body: dict, *names: str) -> str | None:
    """The first of ``names`` present in ``body`` (for PascalCase/camelCase variants); None
    when ``body`` is not an object (``field`` then names what is missing)."""
    if not isinstance(body, dict):
        return None
    return next((n for n in names if n in body), None)


def as_object(value: Any, path: str) -> dict:
    """``value`` when it is a JSON object; anything else (a list entry of another type) is a
    422 naming the path."""
    if not isinstance(value, dict):
        raise ValidationFailed(f"{path!r} must be an object", field=path)
    return value


def as_int(value: Any, path: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValidationFailed(f"{path!r} must be a whole number", field=path)
    if minimum is not None and value < minimum:
        raise ValidationFailed(f"{path!r} must be at least {minimum}", field=path)
    return int(value)


def as_price(
    value: Any,
    path: str,
    *,
    allow_negative: bool = False,
    maximum: float | None = MAX_PRICE_INR,
) -> float:
    """An amount in INR; a unit price at most ``maximum`` (None for a total, such as an hour's
    revenue)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{path!r} must be a number (INR)", field=path)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationFailed(f"{path!r} must be a finite number", field=path)
    if not allow_negative and value <= 0:
        raise ValidationFailed(f"{path!r} must be greater than 0", field=path)
    if maximum is not None and abs(value) > maximum:
        raise ValidationFailed(f"{path!r} must be at most {maximum:,.0f} INR", field=path)
    return round(float(value), 2)


def as_str(value: Any, path: str, *, max_length: int = 128) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{path!r} must be a non-empty string", field=path)
    if len(value) > max_length:
        raise ValidationFailed(f"{path!r} is longer than {max_length} characters", field=path)
    return value.strip()


def as_time(value: Any, path: str, default: datetime) -> datetime:
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:  # out of range, NaN or infinite
            raise ValidationFailed(
                f"{path!r} must be a time in seconds since 1970 within years 1-9999", field=path
            ) from exc
    if not isinstance(value, str):
        raise ValidationFailed(f"{path!r} must be an ISO-8601 time", field=path)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(f"{path!r} must be an ISO-8601 time", field=path) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def body_digest(body: dict) -> str:
    """A stable identity for payloads that carry none: the hash of their canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def event_from(**fields: Any):
    """Build an Event, turning a model validation error into a 422 naming the field."""
    from shared.core.records import Event

    try:
        return Event(**fields)
    except ValidationError as exc:
        raise failed(exc) from exc


def buyer_key(value: Any, path: str) -> str | None:
    """The only form a buyer key is kept in: HMAC-SHA256 with the deployment's salt.

    A marketplace's buyer key may be a phone number; it never reaches the event log. Without a
    configured salt (``Analytics__buyerKeySalt``) no buyer key is kept at all, and those orders
    count in sales but not in customer analytics.
    """
    if value is None:
        return None
    raw = as_str(str(value) if isinstance(value, int) else value, path, max_length=200)
    salt = get_settings().analytics.buyer_key_salt
    if salt is None or not salt.get_secret_value():
        return None
    digest = hmac.new(salt.get_secret_value().encode(), raw.encode(), hashlib.sha256)
    return "b_" + digest.hexdigest()[:32]


def place(value: Any, path: str) -> str | None:
    """An optional city or state name, as sent (trimmed); analytics normalises the spelling."""
    if value is None:
        return None
    return as_str(value, path, max_length=100)
