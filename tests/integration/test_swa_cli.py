"""Microsoft's Static Web Apps CLI as the local Static Web App in front of devhost (what
``make run`` starts): it serves the built dashboard with staticwebapp.config.json's headers
(plus devhost's local CSP sources), emulates /.auth, and forwards /api to devhost with the
signed-in user's roles; devhost behind it still refuses a dashboard-API write from another
origin."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from devhost import swa
from devhost.services import free_port, wait_for_port

from .conftest import DevHost, start_devhost, stop_devhost

pytestmark = pytest.mark.integration

# The CLI's own sign-in cookie: what its login page sets (base64 JSON of the principal).
AUTH_COOKIE = "StaticWebAppsAuthCookie"


def signed_in(role: str) -> dict[str, str]:
    principal = {
        "identityProvider": "github",
        "userId": f"local-{role}",
        "userDetails": f"{role}@local",
        "userRoles": ["anonymous", "authenticated", role],
        "claims": [],
    }
    return {AUTH_COOKIE: base64.b64encode(json.dumps(principal).encode()).decode()}


@pytest.fixture(scope="module")
def stack(env, store, tmp_path_factory) -> Iterator[tuple[DevHost, str]]:
    port = free_port()
    host = start_devhost(
        env, tmp_path_factory.mktemp("swa-cli"), "--no-seed", "--no-timers", "--swa-port", str(port)
    )
    try:
        wait_for_port(port, timeout=90)
        yield host, f"http://127.0.0.1:{port}"
    finally:
        stop_devhost(host)


def cli(base: str, role: str | None = None, **kwargs) -> httpx.Client:
    cookies = signed_in(role) if role else None
    return httpx.Client(base_url=base, timeout=30, cookies=cookies, **kwargs)


def test_the_cli_serves_the_dashboard_with_the_config_headers_and_local_csp(stack):
    host, base = stack
    with cli(base) as c:
        page = c.get("/")
        deep = c.get("/inventory/some-item")  # the navigation fallback
        hidden = c.get("/staticwebapp.config.json")
    assert page.status_code == 200 and '<div id="root">' in page.text
    assert deep.status_code == 200 and deep.text == page.text
    assert hidden.status_code == 404
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache"  # the /index.html route's header
    policy = swa.parse_csp(page.headers["content-security-policy"])
    production = swa.parse_csp(swa.SwaConfig.load().global_headers["content-security-policy"])
    assert set(production["connect-src"]) < set(policy["connect-src"])
    signalr = host.env["SignalR__connectionString"].split("Endpoint=", 1)[1].split(";", 1)[0]
    assert signalr.rstrip("/") in policy["connect-src"]


def test_the_cli_emulates_auth_and_guards_the_api_with_roles(stack):
    _, base = stack
    with cli(base) as anonymous:
        assert anonymous.get("/.auth/me").json() == {"clientPrincipal": None}
        refused = anonymous.get("/api/metrics")
        # A forged principal header is not a sign-in: the CLI ignores it, as Azure does.
        forged = anonymous.get(
            "/api/metrics",
            headers={"x-ms-client-principal": signed_in("admin")[AUTH_COOKIE]},
        )
        health = anonymous.get("/api/health")  # allowedRoles: anonymous
    # responseOverrides 401: a redirect to the sign-in page, back to where the user was.
    assert refused.status_code == 302
    assert refused.headers["location"].startswith("/.auth/login/github?post_login_redirect_uri=")
    assert forged.status_code == 302
    assert health.status_code in (200, 503) and "application/json" in health.headers["content-type"]
    with cli(base, "analyst") as analyst:
        me = analyst.get("/.auth/me").json()["clientPrincipal"]
        metrics = analyst.get("/api/metrics")
        exact = analyst.post("/api/rules", json={}, headers={"origin": base})
        below = analyst.post("/api/rules/pin", json={}, headers={"origin": base})
    assert "analyst" in me["userRoles"]
    assert metrics.status_code == 200 and "application/json" in metrics.headers["content-type"]
    # "/api/rules*" is admin only for writes. The CLI refuses the exact path as if signed out
    # (the 401 override's redirect; Azure answers 403 to a signed-in user without the role)...
    assert exact.status_code == 302
    # ...and its "*" does not reach below "/api/rules/" (Azure's does: "/calendar*" matches
    # "/calendar/2020"), so devhost's rule check behind it refuses that write.
    assert below.status_code == 403 and "'/api/rules*'" in below.json()["message"]


def test_an_admin_write_reaches_the_app_only_from_the_dashboard_origin(stack):
    _, base = stack
    with cli(base, "admin") as admin:
        from_dashboard = admin.post("/api/rules/pin", json={}, headers={"origin": base})
        elsewhere = admin.post(
            "/api/rules/pin", json={}, headers={"origin": "https://evil.example"}
        )
    # Reached the function: its own validation answers the empty rule.
    assert from_dashboard.status_code in (400, 422), from_dashboard.text
    assert from_dashboard.json()["error"] != "forbidden"
    # devhost's check behind the CLI (the local counterpart of App Service authentication).
    assert elsewhere.status_code == 403
    assert "origin" in elsewhere.json()["message"]
