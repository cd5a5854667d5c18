"""A local stand-in for Static Web Apps: the built dashboard and its auth endpoints.

Static Web Apps signs users in and forwards their roles to the linked API as the
``x-ms-client-principal`` header; locally the role is chosen with
``/.auth/login/dev?role=admin|analyst`` (a cookie), defaulting to ``DEVHOST_ROLE`` (admin).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ROLE_COOKIE = "resight_role"
ROLES = ("admin", "analyst")


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


async def me(request: Request) -> Response:
    role = role_of(request)
    return JSONResponse({"clientPrincipal": principal_dict(role) if role else None})


async def login(request: Request) -> Response:
    role = request.query_params.get("role", "admin")
    if role not in ROLES:
        return JSONResponse(
            {"error": "bad_request", "message": f"role must be one of {ROLES}"}, 400
        )
    response = RedirectResponse(request.query_params.get("post_login_redirect_uri", "/"), 302)
    response.set_cookie(ROLE_COOKIE, role, httponly=True, samesite="lax")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/", 302)
    response.set_cookie(ROLE_COOKIE, "none", httponly=True, samesite="lax")
    return response


def routes(dist: Path) -> list[BaseRoute]:
    out: list[BaseRoute] = [
        Route("/.auth/me", me),
        Route("/.auth/login/dev", login),
        Route("/.auth/logout", logout),
    ]
    if dist.is_dir():
        index = dist / "index.html"

        async def spa(request: Request) -> Response:
            # Navigation fallback, as staticwebapp.config.json declares it.
            return FileResponse(index)

        if (dist / "assets").is_dir():
            out.append(Mount("/assets", StaticFiles(directory=dist / "assets"), name="assets"))
        for extra in dist.iterdir():
            if extra.is_file() and extra.name != "index.html":
                out.append(Route(f"/{extra.name}", _file(extra)))
        out.append(Route("/", spa))
        out.append(Route("/{path:path}", spa))
    return out


def _file(path: Path):
    async def serve(request: Request) -> Response:
        return FileResponse(path)

    return serve
