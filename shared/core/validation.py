"""Request bodies into validated data, with errors that name the field.

The one place where raw JSON and pydantic errors become ReSight errors, used by the webhooks
and the API alike.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from shared.core.errors import MalformedJSON, PayloadTooLarge, ValidationFailed


def json_object(body: bytes, limit: int) -> dict[str, Any]:
    """Parse a JSON object body: 413 over ``limit``, 400 if not JSON, 422 if not an object."""
    if len(body) > limit:
        raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {limit}")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJSON(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object", field="body")
    return data


def failed(exc: ValidationError, *, skip: frozenset[str] = frozenset()) -> ValidationFailed:
    """The first pydantic error as a 422 naming its field (``skip``: union tags to drop)."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    if loc and loc[0] in skip:
        loc = loc[1:]
    name = ".".join(loc) or "body"
    return ValidationFailed(f"invalid {name!r}: {first['msg']}", field=name)
