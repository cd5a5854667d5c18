"""A local stand-in for Static Web Apps: the built dashboard, its auth, and its config applied.

The rules come from ``dashboard/staticwebapp.config.json`` itself, read at start; this module
keeps no second copy of them. Applied as Static Web Apps applies them:

- ``routes``, first match wins (a rule with ``methods`` matches only those methods; patterns are
  case-insensitive globs where ``*`` also crosses ``/`` and ``{a,b}`` lists alternatives):
  ``allowedRoles`` (401 when not signed in, 403 when signed in without the role, before the API
  is reached), ``redirect``, ``rewrite``, ``statusCode`` and ``headers``;
- ``responseOverrides`` for the statuses the layer produces itself (401, 403, 404);
- ``navigationFallback``: a path that is neither a file nor excluded gets the ``rewrite`` target
  (``index.html``); ``/api/*`` always goes to the function host, which answers an unknown route
  with its own JSON 404;
- ``globalHeaders`` on every response, route headers taking precedence. The content-security-
  policy is production's, plus the local origins listed in ``devhost/staticwebapp.local.json``
  (the SignalR emulation, Azurite's blob endpoint), resolved from the settings devhost runs with.

Signing in: Static Web Apps forwards the user's roles to the linked API as the
``x-ms-client-principal`` header; locally ``/.auth/login/<provider>?role=admin|analyst`` sets a
cookie, defaulting to ``DEVHOST_ROLE`` (admin). A request that carries an
``x-ms-client-principal`` header itself (tests, curl) is taken at its word, for the route rules
as for the API.

Some requests bypass this layer, as they bypass Static Web Apps in Azure: the webhooks
(``/api/integrations/*``, which marketplaces call on the Function App host directly), the host's
runtime endpoints (``/runtime/*``: Event Grid) and its admin API (``/admin/*``). They meet App
Service authentication's stand-in (devhost.easyauth) instead, which lets through only its
excluded paths. Everything else under ``/api`` is the dashboard API, and a write
to it (POST, PUT, PATCH, DELETE) must come from devhost's own origin (the local counterpart of
App Service authentication on the Function App): without an ``Origin`` header, or with another
one, it is refused with 403.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from wcmatch import fnmatch

from devhost import easyauth

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "dashboard" / "staticwebapp.config.json"
LOCAL_OVERRIDE = Path(__file__).resolve().parent / "staticwebapp.local.json"

ROLE_COOKIE = "resight_role"
ROLES = ("admin", "analyst")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reached on the Function App host directly, not through the Static Web App: the webhooks, the
# host's runtime endpoints (Event Grid's /runtime/webhooks/blobs) and devhost's admin API. App
# Service authentication's stand-in (devhost.easyauth) screens them.
DIRECT_PREFIXES = ("/api/integrations/", "/runtime/", "/admin/")
_GLOB = fnmatch.BRACE | fnmatch.IGNORECASE | fnmatch.DOTMATCH


def matches(path: str, pattern: str) -> bool:
    """A Static Web Apps route pattern (``/api/*``, ``/api/rules*``, ``/img/*.{png,jpg}``)."""
    return fnmatch.fnmatch(path, pattern, flags=_GLOB)


# --- signing in --------------------------------------------------------------------------------


def role_of(request: Request) -> str | None:
    role = request.cookies.get(ROLE_COOKIE) or os.environ.get("DEVHOST_ROLE", "admin")
    return role if role in ROLES else None


def principal_dict(role: str) -> dict:
    return {
        "identityProvider": "devhost",
        "userId": f"local-{role}",
        "userDetails": f"{role}@local",
        "userRoles": ["anonymous", "authenticated", role],
    }


def principal_header(request: Request) -> str | None:
    role = role_of(request)
    if role is None:
        return None
    return base64.b64encode(json.dumps(principal_dict(role)).encode()).decode()


def roles_of(request: Request) -> set[str]:
    """The roles the route rules see: the request's own principal, else the signed-in role."""
    supplied = request.headers.get("x-ms-client-principal")
    if supplied:
        try:
            body = json.loads(base64.b64decode(supplied, validate=False))
            return {"anonymous", *(str(r) for r in body.get("userRoles") or [])}
        except (ValueError, binascii.Error, AttributeError, TypeError):
            return {"anonymous"}
    role = role_of(request)
    return {"anonymous"} if role is None else {"anonymous", "authenticated", role}


async def me(request: Request) -> Response:
    role = role_of(request)
    return JSONResponse({"clientPrincipal": principal_dict(role) if role else None})


async def login(request: Request) -> Response:
    """Any provider signs in locally; the role is chosen with ``?role=`` (or ``DEVHOST_ROLE``)."""
    role = request.query_params.get("role") or os.environ.get("DEVHOST_ROLE", "admin")
    if role not in ROLES:
        return JSONResponse(
            {"error": "bad_request", "message": f"role must be one of {ROLES}"}, 400
        )
    target = request.query_params.get("post_login_redirect_uri", "/")
    if target == ".referrer":
        target = request.headers.get("referer", "/")
    response = RedirectResponse(_local(target), 302)
    response.set_cookie(ROLE_COOKIE, role, httponly=True, samesite="lax")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse(_local(request.query_params.get("post_logout_redirect_uri", "/")))
    response.set_cookie(ROLE_COOKIE, "none", httponly=True, samesite="lax")
    return response


def _local(target: str) -> str:
    """Only same-site redirects after sign-in/out (path, query and fragment of ``target``)."""
    parsed = urlparse(target)
    path = parsed.path if parsed.path.startswith("/") else "/"
    return path + (f"?{parsed.query}" if parsed.query else "")


# --- the config --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteRule:
    route: str
    methods: frozenset[str] | None = None
    allowed_roles: frozenset[str] | None = None
    redirect: str | None = None
    rewrite: str | None = None
    status_code: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> RouteRule:
        methods = raw.get("methods")
        roles = raw.get("allowedRoles")
        return cls(
            route=str(raw["route"]),
            methods=frozenset(m.upper() for m in methods) if methods else None,
            allowed_roles=frozenset(roles) if roles else None,
            redirect=raw.get("redirect"),
            rewrite=raw.get("rewrite"),
            status_code=int(raw["statusCode"]) if "statusCode" in raw else None,
            headers={k.lower(): str(v) for k, v in (raw.get("headers") or {}).items()},
        )

    def applies(self, path: str, method: str) -> bool:
        return (self.methods is None or method in self.methods) and matches(path, self.route)


@dataclass(frozen=True)
class SwaConfig:
    routes: tuple[RouteRule, ...]
    fallback: str | None
    fallback_exclude: tuple[str, ...]
    overrides: Mapping[int, Mapping[str, Any]]
    global_headers: Mapping[str, str]

    @classmethod
    def load(cls, path: Path = CONFIG, csp_additions: Mapping[str, Iterable[str]] | None = None):
        raw = json.loads(path.read_text())
        fallback = raw.get("navigationFallback") or {}
        headers = {k.lower(): str(v) for k, v in (raw.get("globalHeaders") or {}).items()}
        if csp_additions and "content-security-policy" in headers:
            headers["content-security-policy"] = extend_csp(
                headers["content-security-policy"], csp_additions
            )
        return cls(
            routes=tuple(RouteRule.parse(r) for r in raw.get("routes") or []),
            fallback=fallback.get("rewrite"),
            fallback_exclude=tuple(fallback.get("exclude") or []),
            overrides={int(k): v for k, v in (raw.get("responseOverrides") or {}).items()},
            global_headers=headers,
        )

    def rule_for(self, path: str, method: str) -> RouteRule | None:
        return next((r for r in self.routes if r.applies(path, method)), None)

    def falls_back(self, path: str) -> bool:
        return self.fallback is not None and not any(
            matches(path, pattern) for pattern in self.fallback_exclude
        )


# --- the content-security-policy, production's plus local origins -------------------------------


def parse_csp(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def extend_csp(policy: str, additions: Mapping[str, Iterable[str]]) -> str:
    """``policy`` with sources added to its directives (a missing one starts from default-src)."""
    directives = parse_csp(policy)
    for name, sources in additions.items():
        current = directives.setdefault(name, list(directives.get("default-src", [])))
        current.extend(s for s in sources if s not in current)
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def _origin(url: str, scheme: str | None = None) -> str | None:
    parsed = urlparse(url.strip())
    if not parsed.scheme or not parsed.netloc:
        return None
    return f"{scheme or parsed.scheme}://{parsed.netloc}"


def _setting(connection_string: str, key: str) -> str | None:
    for part in connection_string.split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == key.lower():
            return value.strip()
    return None


def local_origins(env: Mapping[str, str]) -> dict[str, str]:
    """The origins devhost's own services are reached at, from the settings it runs with."""
    found: dict[str, str] = {}
    signalr = _setting(env.get("SignalR__connectionString", ""), "Endpoint")
    if signalr and (http := _origin(signalr)):
        found["signalr"] = http
        ws = "wss" if http.startswith("https") else "ws"
        found["signalr_ws"] = _origin(signalr, ws) or ""
    blob = env.get("ModelStorage__blobServiceUri") or _setting(
        env.get("ModelStorage__connectionString", ""), "BlobEndpoint"
    )
    if blob and (origin := _origin(blob)):
        found["blob"] = origin
    return found


def local_csp_additions(
    env: Mapping[str, str], override: Path = LOCAL_OVERRIDE
) -> dict[str, list[str]]:
    """``staticwebapp.local.json``'s CSP sources, ``{name}`` placeholders filled from ``env``.

    A placeholder with no value (the setting is absent) adds nothing.
    """
    if not override.is_file():
        return {}
    origins = local_origins(env)
    raw = json.loads(override.read_text()).get("content-security-policy") or {}
    out: dict[str, list[str]] = {}
    for directive, sources in raw.items():
        resolved = []
        for source in sources:
            if source.startswith("{") and source.endswith("}"):
                value = origins.get(source[1:-1])
                if value:
                    resolved.append(value)
            else:
                resolved.append(source)
        out[directive.lower()] = resolved
    return out


# --- the stand-in ------------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": code, "message": message}, status)


class StaticWebApp:
    """ASGI app: the Static Web App in front of ``api`` (the function host, a Starlette app).

    ``origins`` are devhost's own (``http://127.0.0.1:<port>``, ``http://localhost:<port>``):
    the only ``Origin`` a write to the dashboard API is accepted from. Lifespan events go to
    ``api``.
    """

    def __init__(
        self,
        api: ASGIApp,
        dist: Path,
        origins: Iterable[str],
        config: SwaConfig | None = None,
    ) -> None:
        self.api = api
        self.dist = dist.resolve()
        self.origins = frozenset(o.lower().rstrip("/") for o in origins)
        self.config = config or SwaConfig.load()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(DIRECT_PREFIXES):
            await self.api(scope, receive, send)
            return
        request = Request(scope, receive)
        path, method = scope["path"], request.method
        rule = self.config.rule_for(path, method)
        route_headers = dict(rule.headers) if rule else {}
        headers = {**self.config.global_headers, **route_headers}
        response = await self._apply(rule, request)
        if response is None:
            target = rule.rewrite if rule is not None and rule.rewrite else path
            if _is_api(target):
                if method in WRITE_METHODS and not self._own_origin(request):
                    response = _error(
                        403,
                        "forbidden",
                        "writes to the dashboard API are accepted only from the dashboard's "
                        "own origin",
                    )
                else:
                    # Forwarded by the linked Static Web App: App Service auth lets it through.
                    await self.api(easyauth.forwarded(scope), receive, _with_headers(send, headers))
                    return
            else:
                response, fell_back = await self._serve(request, target)
                if fell_back and self.config.fallback:
                    # The rewrite target's own rule (index.html: no-cache) applies to the page.
                    target_rule = self.config.rule_for(self.config.fallback, "GET")
                    if target_rule is not None:
                        headers = {
                            **self.config.global_headers,
                            **target_rule.headers,
                            **route_headers,
                        }
                if response.status_code == 404:
                    response = await self._override(404, request) or response
        for name, value in headers.items():
            if name not in response.headers:
                response.headers[name] = value
        await response(scope, receive, send)

    async def _apply(self, rule: RouteRule | None, request: Request) -> Response | None:
        """The route rule's own answer, when it has one (roles, redirect, status code)."""
        if rule is None:
            return None
        if rule.allowed_roles is not None:
            roles = roles_of(request)
            if not rule.allowed_roles & roles:
                status = 403 if "authenticated" in roles else 401
                return await self._override(status, request) or _error(
                    status,
                    "forbidden" if status == 403 else "unauthorized",
                    f"{request.method} {request.url.path} needs one of the roles "
                    f"{sorted(rule.allowed_roles)} (route {rule.route!r} of "
                    "staticwebapp.config.json)",
                )
        if rule.redirect:
            return RedirectResponse(rule.redirect, rule.status_code or 302)
        if rule.status_code is not None and not rule.rewrite:
            status = rule.status_code
            return await self._override(status, request) or _text(status)
        return None

    async def _override(self, status: int, request: Request) -> Response | None:
        """``responseOverrides[status]``: a redirect, a rewrite or another status."""
        spec = self.config.overrides.get(status)
        if not spec:
            return None
        code = int(spec.get("statusCode", 302 if spec.get("redirect") else status))
        if spec.get("redirect"):
            target = str(spec["redirect"])
            # ".referrer" is Static Web Apps' placeholder for the page the user was on.
            referrer = request.headers.get("referer") or str(request.url.path)
            target = target.replace("=.referrer", "=" + quote(_local(referrer), safe=""))
            return RedirectResponse(target, code)
        if spec.get("rewrite"):
            response, _ = await self._serve(request, str(spec["rewrite"]))
            response.status_code = code
            return response
        return _text(code)

    def _own_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin", "").lower().rstrip("/")
        return origin in self.origins

    async def _serve(self, request: Request, path: str) -> tuple[Response, bool]:
        """The built-in auth endpoints, a file of the build, or the navigation fallback."""
        if path.startswith("/.auth/"):
            parts = path.strip("/").split("/")
            if path == "/.auth/me":
                return await me(request), False
            if len(parts) == 3 and parts[1] == "login":
                return await login(request), False
            if path == "/.auth/logout":
                return await logout(request), False
            return _text(404), False
        file = self._file(path)
        if file is not None:
            return FileResponse(file), False
        if self.config.fallback and self.config.falls_back(path):
            target = self._file(self.config.fallback)
            if target is not None:
                return FileResponse(target), True
        return _text(404), False

    def _file(self, path: str) -> Path | None:
        relative = path.lstrip("/") or "index.html"
        if relative == "staticwebapp.config.json":  # read by the platform, never served
            return None
        candidate = (self.dist / relative).resolve()
        if not candidate.is_relative_to(self.dist):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _text(status: int) -> Response:
    return Response(HTTPStatus(status).phrase, status, media_type="text/plain")


def _with_headers(send: Send, headers: Mapping[str, str]) -> Send:
    """``send`` that adds ``headers`` to the response start, unless the response set them."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            out = MutableHeaders(scope=message)
            for name, value in headers.items():
                if name not in out:
                    out[name] = value
        await send(message)

    return wrapped
