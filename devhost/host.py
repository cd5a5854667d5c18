"""Serve a ``func.FunctionApp``'s HTTP triggers with Starlette, as the Functions host would.

Routes, methods and auth levels come from the app's own trigger bindings. Auth levels follow
the host: ``anonymous`` needs nothing, ``function`` needs a function or master key (``?code=``
or ``x-functions-key``), ``admin`` the master key. Keys are generated per machine into
``.local/host-keys.json`` (never committed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure.functions as func
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from functions.app_index import functions_of

log = logging.getLogger("devhost")


# ``master``, ``default`` (a function key) and the system key of the blobs extension, which
# Event Grid's subscription sends to /runtime/webhooks/blobs.
KEY_NAMES = ("master", "default", "blobs_extension")


def load_keys(path: Path) -> dict[str, str]:
    """Read or create the host keys; a key missing from an older file is added to it."""
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in KEY_NAMES if name not in keys]
    if missing:
        keys.update({name: secrets.token_urlsafe(32) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys, indent=2))
    return keys


def http_functions(app: func.FunctionApp) -> list[tuple[str, dict[str, Any], Callable]]:
    """(name, trigger binding dict, user function) for every HTTP trigger of the app."""
    found = []
    for fn in functions_of(app):
        trigger = fn.get_trigger()
        if trigger is not None and trigger.get_binding_name() == "httpTrigger":
            found.append(
                (str(fn.get_function_name()), trigger.get_dict_repr(), fn.get_user_function())
            )
    return found


def _route_path(route: str) -> str:
    # Azure route templates: {name}, {name?}, {name:int}, {*rest}. Starlette knows {name},
    # {name:int} and {name:path}; optional segments are not used by this app.
    path = route.replace("?}", "}")
    while "{*" in path:
        start = path.index("{*")
        end = path.index("}", start)
        path = f"{path[:start]}{{{path[start + 2 : end]}:path}}{path[end + 1 :]}"
    return "/api/" + path.lstrip("/")


def _level(binding: dict[str, Any]) -> str:
    level = binding.get("authLevel", "function")
    return str(getattr(level, "value", level)).lower()


def _methods(binding: dict[str, Any]) -> list[str]:
    methods = binding.get("methods") or ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [str(getattr(m, "value", m)).upper() for m in methods]


def build_routes(
    app: func.FunctionApp,
    keys: dict[str, str],
    principal_for: Callable[[Request], str | None] | None = None,
) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name, binding, user_fn in http_functions(app):
        level = _level(binding)
        endpoint = _endpoint(name, level, user_fn, keys, principal_for)
        routes.append(
            Route(_route_path(binding["route"]), endpoint, methods=_methods(binding), name=name)
        )
    return routes


def _authorised(request: Request, level: str, keys: dict[str, str]) -> bool:
    if level == "anonymous":
        return True
    supplied = request.query_params.get("code") or request.headers.get("x-functions-key")
    if not supplied:
        return False
    allowed = [keys["master"]] if level == "admin" else [keys["master"], keys["default"]]
    return any(secrets.compare_digest(supplied, k) for k in allowed)


# The Functions host's own request limit (100 MB by default); functions apply smaller ones.
HOST_MAX_BODY = 100 * 1024 * 1024


async def _bounded_body(request: Request) -> bytes | None:
    """The body, read only while it stays under the host's limit (None beyond it). A declared
    length over the limit is refused before a byte of the body is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > HOST_MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > HOST_MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(name, level, user_fn, keys, principal_for):
    async def endpoint(request: Request) -> Response:
        if not _authorised(request, level, keys):
            return Response(status_code=401)
        body = await _bounded_body(request)
        if body is None:
            return JSONResponse(
                {"error": "payload_too_large", "message": f"over {HOST_MAX_BODY} bytes"}, 413
            )
        headers = dict(request.headers)
        if principal_for is not None and "x-ms-client-principal" not in headers:
            principal = principal_for(request)
            if principal:
                headers["x-ms-client-principal"] = principal
        params = {k: v for k, v in request.query_params.items() if k != "code"}
        req = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params=params,
            route_params=dict(request.path_params),
            body=body,
        )
        try:
            result: func.HttpResponse = await asyncio.to_thread(user_fn, req)
        except Exception:
            log.exception("function %s failed", name)
            return JSONResponse({"error": "internal_error", "message": f"{name} failed"}, 500)
        out_headers = dict(result.headers)
        if result.mimetype:
            out_headers.setdefault("content-type", result.mimetype)
        return Response(result.get_body(), status_code=result.status_code, headers=out_headers)

    return endpoint


def create_app(app: func.FunctionApp, keys: dict[str, str], **kwargs: Any) -> Starlette:
    return function_host(build_routes(app, keys), **kwargs)


_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """A path no function serves (404) or a method its function does not take (405), as JSON
    in the app's own error shape, so a client that calls a wrong route is told so."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no function serves {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.url.path} does not accept {request.method}"
    else:
        message = str(exc.detail)
    return JSONResponse(
        {"error": _CODES.get(exc.status_code, "http_error"), "message": message},
        exc.status_code,
        headers=dict(exc.headers or {}),
    )


def function_host(routes: list[BaseRoute], **kwargs: Any) -> Starlette:
    """The function host: ``routes`` with the host's JSON answers for unknown routes and methods."""
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error}, **kwargs)


def admin_routes(
    app: func.FunctionApp, keys: dict[str, str], invoke: Callable[[str], None]
) -> list[BaseRoute]:
    """The host's admin API: list functions, and run a non-HTTP one (``POST``, master key)."""

    def master(request: Request) -> bool:
        supplied = request.headers.get("x-functions-key") or request.query_params.get("code") or ""
        return bool(supplied) and secrets.compare_digest(supplied, keys["master"])

    async def list_functions(request: Request) -> Response:
        if not master(request):
            return Response(status_code=401)
        return JSONResponse(
            [
                {"name": fn.get_function_name(), "trigger": trigger.get_binding_name()}
                for fn in functions_of(app)
                if (trigger := fn.get_trigger()) is not None
            ]
        )

    async def run_function(request: Request) -> Response:
        if not master(request):
            return Response(status_code=401)
        name = request.path_params["name"]
        try:
            await asyncio.to_thread(invoke, name)
        except KeyError:
            return JSONResponse({"error": "not_found", "message": f"no function {name}"}, 404)
        return Response(status_code=202)

    return [
        Route("/admin/functions", list_functions, methods=["GET"]),
        Route("/admin/functions/{name}", run_function, methods=["POST"]),
    ]
