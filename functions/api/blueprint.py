"""The dashboard API blueprint.

Routes are registered with ``api_route``, which records the request model and summary in the
route table (``functions.routes``), so ``GET /api/openapi.json`` is generated from the same
pydantic models that validate the requests: nothing is listed twice.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from functions.routes import Handler, RouteDoc, http_route

bp = func.Blueprint()

__all__ = ["RouteDoc", "api_route", "bp"]


def api_route(
    name: str, route: str, methods: list[str], doc: RouteDoc
) -> Callable[[Handler], object]:
    """An anonymous-level HTTP function: App Service auth, Static Web Apps roles and the API's own
    role checks guard it."""
    return http_route(bp, name, route, methods, func.AuthLevel.ANONYMOUS, doc)
