"""A local stand-in for App Service authentication on the Function App.

In Azure, ``authsettingsV2`` (infra/bicep/modules/staticwebapp-backend.bicep) requires a token
on every path and answers 401 to a caller without one, except on ``excludedPaths``. The only
token it accepts is the one the linked Static Web App forwards. Locally, requests the Static
Web App stand-in (or the Static Web Apps CLI in front of it) forwards are marked as carrying
that token; anything else reaching the function host directly (marketplace webhooks, Event
Grid, a curl) must be on an excluded path.

The excluded paths are read from the Bicep variable itself (``authExcludedPaths``), so a path
missing there is missing here and its caller gets the 401 it would get in Azure.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from infra import bicep_tree

BACKEND_BICEP = bicep_tree.BICEP_DIR / "modules" / "staticwebapp-backend.bicep"
EXCLUDED_PATHS_VARIABLE = "authExcludedPaths"
# The ASGI scope key that marks a request as forwarded by the linked Static Web App.
FORWARDED = "devhost.static_web_app"
# devhost's own admin API (run a timer now, list functions) is a local tool with the master key,
# not part of what Azure exposes; it is not screened.
LOCAL_ONLY_PREFIXES = ("/admin/",)


def excluded_paths(path: Path = BACKEND_BICEP) -> tuple[str, ...]:
    """``authExcludedPaths`` of the Bicep module, as written there."""
    value = bicep_tree.load(path).variables[EXCLUDED_PATHS_VARIABLE]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError(f"{EXCLUDED_PATHS_VARIABLE} in {path.name} must list literal paths")
    return tuple(value)


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """A path App Service lets through: an exact match, or a prefix for a pattern ending ``*``."""
    return any(
        path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern
        for pattern in patterns
    )


class AppServiceAuth:
    """ASGI middleware in front of the function host: 401 for a request that neither comes
    through the Static Web App nor is on an excluded path."""

    def __init__(self, app: ASGIApp, excluded: Iterable[str] | None = None) -> None:
        self.app = app
        self.excluded = tuple(excluded_paths() if excluded is None else excluded)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allows(scope):
            await self.app(scope, receive, send)
            return
        # unauthenticatedClientAction: Return401 (no body, as App Service answers).
        await Response(status_code=401)(scope, receive, send)

    def allows(self, scope: Scope) -> bool:
        path = scope["path"]
        return (
            bool(scope.get(FORWARDED))
            or path.startswith(LOCAL_ONLY_PREFIXES)
            or is_excluded(path, self.excluded)
        )


def forwarded(scope: Scope) -> Scope:
    """``scope`` marked as forwarded by the linked Static Web App."""
    return {**scope, FORWARDED: True}
