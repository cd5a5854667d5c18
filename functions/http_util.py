"""HTTP plumbing every HTTP blueprint shares: JSON answers, error mapping, roles, and reading
query strings and JSON bodies into pydantic models.

The only place where domain errors become HTTP statuses: a handler wrapped in ``@handles``
raises ``ReSightError`` subclasses and gets ``{"error", "message", "field"?}`` with the class's
status. Anything unexpected is logged with a trace and answered as a generic 500.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, BeforeValidator, ValidationError

from shared.core.errors import (
    AuthError,
    Forbidden,
    InvalidValue,
    ReSightError,
)
from shared.core.settings import get_settings
from shared.core.validation import failed, json_object

log = logging.getLogger("resight.http")
M = TypeVar("M", bound=BaseModel)

READ_ROLES = frozenset({"admin", "analyst"})
WRITE_ROLES = frozenset({"admin"})


def json_response(
    body: Any, status: int = 200, *, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, default=str),
        status_code=status,
        mimetype="application/json",
        headers=headers,
    )


def handles(fn: Callable[[func.HttpRequest], func.HttpResponse]):
    @functools.wraps(fn)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return fn(req)
        except Exception as exc:
            # An InvalidValue that reaches here is one function of ours refusing what another
            # passed it: a bug, logged and answered like any unexpected error (its message
            # speaks of our code, not of the request).
            if isinstance(exc, ReSightError) and not isinstance(exc, InvalidValue):
                return json_response(exc.to_dict(), exc.status)
            log.exception("unhandled error in %s", fn.__name__)
            return json_response({"error": "internal_error", "message": "unexpected error"}, 500)

    return wrapper


def principal(req: func.HttpRequest) -> dict[str, Any]:
    """The Static Web Apps client principal (``x-ms-client-principal``, base64 JSON)."""
    raw = req.headers.get("x-ms-client-principal")
    if not raw:
        raise AuthError("not signed in: no x-ms-client-principal header")
    try:
        data = json.loads(base64.b64decode(raw))
    except (binascii.Error, ValueError) as exc:
        raise AuthError("x-ms-client-principal is not base64 JSON") from exc
    if not isinstance(data, dict):
        raise AuthError("x-ms-client-principal is not a principal object")
    return data


def require_role(req: func.HttpRequest, allowed: frozenset[str]) -> str:
    """Check the caller's roles; return a name for the audit log."""
    data = principal(req)
    roles = set(data.get("userRoles") or [])
    if not roles & allowed:
        raise Forbidden(f"this needs one of the roles {sorted(allowed)}; you have {sorted(roles)}")
    return str(data.get("userDetails") or data.get("userId") or "unknown")


def read_json(req: func.HttpRequest) -> dict[str, Any]:
    body = req.get_body() or b""
    return json_object(body, get_settings().max_body_bytes) if body else {}


def parse_model(model: type[M], data: dict[str, Any]) -> M:
    """Validate with pydantic; the first error becomes a 422 that names the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise failed(exc) from exc


def parse_query(model: type[M], req: func.HttpRequest) -> M:
    """The query string as ``model``: a 422 naming the parameter when a value does not fit.

    An empty value (``?day=``) counts as left out, so the model's default applies: the
    dashboard's forms send a cleared field that way.
    """
    return parse_model(model, {k: v for k, v in req.params.items() if v != ""})


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()] or None
    return value


# A query parameter holding several values, comma-separated (``?department=Women,Men``);
# OpenAPI describes it as an array in form style, not exploded (functions.openapi).
CommaList = Annotated[list[str] | None, BeforeValidator(_split)]
