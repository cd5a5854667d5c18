"""devhost's Static Web Apps stand-in applies dashboard/staticwebapp.config.json, as Azure does.

Every expectation is read from the config file itself, so a change to the rules changes what is
checked. The dashboard must be built (``make dashboard``).
"""

from __future__ import annotations

import json

import httpx
import pytest

from devhost import swa
from tests.integration.conftest import ROOT
from tests.integration.helpers import principal

pytestmark = pytest.mark.integration
ADMIN, ANALYST = principal("admin"), principal("analyst")
CONFIG = json.loads((ROOT / "dashboard" / "staticwebapp.config.json").read_text())
POLICY = CONFIG["globalHeaders"]["content-security-policy"]


def rule(route: str, **fields) -> dict:
    return next(
        r
        for r in CONFIG["routes"]
        if r["route"] == route and all(r.get(k) == v for k, v in fields.items())
    )


@pytest.fixture(scope="module", autouse=True)
def built():
    if not (ROOT / "dashboard" / "dist" / "index.html").is_file():
        pytest.fail("dashboard/dist is missing: build the dashboard (make dashboard)")


def test_unknown_api_path_is_a_json_404_from_the_function_host(devhost):
    with devhost.client() as c:
        for method in ("GET", "POST"):
            resp = c.request(method, "/api/no-such-function/here", headers=ANALYST)
            assert resp.status_code == 404, resp.text
            assert resp.headers["content-type"].startswith("application/json")
            assert resp.json()["error"] == "not_found"
            assert set(resp.json()) == {"error", "message"}
        # Not the dashboard's index.html, which a navigation fallback would have given.
        assert "<html" not in resp.text.lower()


def test_known_route_with_a_wrong_method_is_a_json_405(devhost):
    with devhost.client() as c:
        resp = c.get("/api/rank", headers=ANALYST)  # rank is POST only
        assert resp.status_code == 405, resp.text
        assert resp.json()["error"] == "method_not_allowed"
        assert "POST" in resp.headers["allow"]
        put = c.put("/api/health")
        assert put.status_code == 405, put.text


def test_navigation_fallback_serves_the_app_outside_its_exclude_list(devhost):
    index = (ROOT / "dashboard" / "dist" / "index.html").read_text()
    with devhost.client() as c:
        deep = c.get("/rankings/some/deep/link")
        assert deep.status_code == 200 and deep.text == index
        assert deep.headers["cache-control"] == rule("/index.html")["headers"]["cache-control"]
        for excluded in CONFIG["navigationFallback"]["exclude"]:
            path = excluded.replace("*", "no-such-file.js")
            if path.startswith("/api/"):
                continue  # the function host's own 404, above
            resp = c.get(path)
            assert resp.status_code == 404, (path, resp.status_code)
        assert (
            c.get("/staticwebapp.config.json").text
            != (ROOT / "dashboard" / "staticwebapp.config.json").read_text()
        )


def test_role_rule_refuses_an_analyst_write_before_the_api(devhost):
    admin_only = rule("/api/rules*", allowedRoles=["admin"])
    assert "POST" in admin_only["methods"]
    with devhost.client() as c:
        before = c.get("/api/rules", headers=ANALYST)  # the same path, a method the rule skips
        assert before.status_code == 200, before.text
        resp = c.post("/api/rules/pin", json={"item_id": "SKU-X"}, headers=ANALYST)
        assert resp.status_code == 403, resp.text
        assert resp.json()["error"] == "forbidden"
        # The stand-in answered, naming the rule: the function was never called.
        assert "'/api/rules*'" in resp.json()["message"]
        assert "staticwebapp.config.json" in resp.json()["message"]
        assert c.get("/api/rules", headers=ANALYST).json() == before.json()


def test_signed_out_user_gets_the_configured_401_override(devhost):
    override = CONFIG["responseOverrides"]["401"]
    with devhost.client(follow_redirects=False) as c:
        c.cookies.set(swa.ROLE_COOKIE, "none")
        resp = c.get("/api/metrics")
        assert resp.status_code == override["statusCode"]
        assert resp.headers["location"].split("?")[0] == override["redirect"].split("?")[0]
        assert c.get("/api/health").status_code == 200  # allowedRoles: anonymous


def test_redirect_and_status_code_rules(devhost):
    with devhost.client(follow_redirects=False) as c:
        login = c.get("/login")
        assert login.status_code == 302
        assert login.headers["location"] == rule("/login")["redirect"]
        assert (
            c.get("/.auth/login/twitter").status_code == rule("/.auth/login/twitter")["statusCode"]
        )
        # Locally any other provider signs in with the dev role cookie.
        signed = c.get("/.auth/login/github?role=analyst&post_login_redirect_uri=/rules")
        assert signed.status_code == 302 and signed.headers["location"] == "/rules"
        assert signed.cookies[swa.ROLE_COOKIE] == "analyst"


def test_pages_carry_the_production_policy_with_only_local_origins_added(devhost):
    production = swa.parse_csp(POLICY)
    signalr = swa.local_origins(devhost.env)
    with devhost.client() as c:
        pages = [c.get(p) for p in ("/", "/rankings", "/rules")]
        asset = next((ROOT / "dashboard" / "dist" / "assets").glob("*.js")).name
        pages.append(c.get(f"/assets/{asset}"))
    for resp in pages:
        assert resp.status_code == 200
        for name, value in CONFIG["globalHeaders"].items():
            if name != "content-security-policy":
                assert resp.headers[name] == value
        local = swa.parse_csp(resp.headers["content-security-policy"])
        assert local.keys() == production.keys()
        for directive, sources in production.items():
            assert local[directive][: len(sources)] == sources, directive
        added = {d: local[d][len(production[d]) :] for d in production}
        # The blob endpoint: images, and the Imports page's uploads straight to Blob.
        assert added["connect-src"] == [signalr["signalr"], signalr["signalr_ws"], signalr["blob"]]
        assert added["img-src"] == [signalr["blob"]]
        assert all(not extra for d, extra in added.items() if d not in ("connect-src", "img-src"))
        sources = [src for extra in added.values() for src in extra]
        assert all(src.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")) for src in sources)
    assert pages[-1].headers["cache-control"] == rule("/assets/*")["headers"]["cache-control"]


# --- writes only from the dashboard's own origin ----------------------------------------------


def test_forged_admin_principal_cannot_create_a_rule_without_the_dashboards_origin(devhost):
    pin = {"item_id": "SKU-FORGED", "position": 1}
    with devhost.client() as c:
        before = c.get("/api/rules", headers=ADMIN).json()["rules"]
    for origin in (None, "https://attacker.example", "http://127.0.0.1:1"):
        headers = {"content-type": "application/json", **ADMIN}
        if origin:
            headers["origin"] = origin
        # A plain client: no Origin unless given, as curl sends it.
        resp = httpx.post(
            f"{devhost.base_url}/api/rules/pin", content=json.dumps(pin), headers=headers
        )
        assert resp.status_code == 403, (origin, resp.text)
        assert set(resp.json()) == {"error", "message"} and resp.json()["error"] == "forbidden"
        delete = httpx.delete(f"{devhost.base_url}/api/rules/anything", headers=headers)
        assert delete.status_code == 403
    with devhost.client() as c:
        assert c.get("/api/rules", headers=ADMIN).json()["rules"] == before
        # Reads need no Origin.
        assert httpx.get(f"{devhost.base_url}/api/rules", headers=ADMIN).status_code == 200


def test_webhooks_and_host_admin_api_take_writes_without_an_origin(devhost):
    from tests.integration.helpers import signed_headers

    raw = json.dumps({"not": "an event"}).encode()
    headers = {
        "content-type": "application/json",
        **signed_headers(devhost.env["Webhooks__amazonSecret"], raw),
    }
    hook = httpx.post(devhost.webhook_url("amazon"), content=raw, headers=headers)
    # Reached the webhook, which judged the body (a 500 or a 401/403 would mean it did not).
    assert hook.status_code == 422, hook.text
    assert (hook.json()["error"], hook.json()["field"]) == ("validation_failed", "eventType")
    admin = httpx.post(
        f"{devhost.base_url}/admin/functions/no_such_function",
        headers={"x-functions-key": devhost.keys["master"]},
    )
    assert admin.status_code == 404 and admin.json()["error"] == "not_found"
