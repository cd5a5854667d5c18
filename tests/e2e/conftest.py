"""The dashboard in headless Chromium against devhost, on the real local services.

One devhost per module (no demo seed, no timers: the tests decide what happens), a seeded
20-product catalogue, one browser per module and a fresh browser context per test, so cookies
(the signed-in role) never leak from one test into the next. Every test leaves a screenshot in
``artifacts/e2e/<test name>.png``, pass or fail.

Every browser context, however a test or fixture creates it, is watched: a content-security-
policy violation in the console, or a 4xx/5xx answer from ``/api``, fails the test it happened
in (at teardown), unless the test declares it with
``@pytest.mark.allow_api_errors((403, "/api/rules/pin"), ...)`` (status, path regex).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)

from tests.integration.conftest import ROOT, DevHost, start_devhost, stop_devhost
from tests.integration.helpers import principal, seeded_catalogue

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CATALOGUE_SIZE = 20
ANALYST = principal("analyst")
WAIT_MS = 15_000  # the longest a live change may take to reach the screen
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def devhost(env, store, tmp_path_factory) -> Iterator[DevHost]:
    index = ROOT / "dashboard" / "dist" / "index.html"
    if not index.is_file():
        pytest.fail(f"{index.relative_to(ROOT)} is missing: build the dashboard (make dashboard)")
    host = start_devhost(env, tmp_path_factory.mktemp("devhost"), "--no-seed", "--no-timers")
    yield host
    stop_devhost(host)


@pytest.fixture(scope="module")
def catalogue(devhost, store) -> list[dict]:
    """20 products with 6 hours of history, ranked and fully projected."""
    return seeded_catalogue(devhost, store, CATALOGUE_SIZE, seed=5, history_hours=6)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser, devhost, catalogue) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=devhost.base_url,
        viewport={"width": 1400, "height": 900},
        locale="en-IN",
        timezone_id="Asia/Kolkata",
    )
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request) -> Iterator[Page]:
    """A page signed in as admin; its screenshot is saved after the test, whatever the outcome."""
    pg = context.new_page()
    sign_in(pg, "admin")
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not pg.is_closed():
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


def sign_in(pg: Page, role: str) -> None:
    """Choose the role through devhost's Static Web Apps stand-in (a cookie), landing on /."""
    pg.goto(f"/.auth/login/dev?role={role}")
    pg.get_by_test_id("user-role").filter(has_text=role).wait_for()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# --- every page under the production content-security-policy, and no unexpected API errors -----

# Chromium logs every blocked load; this also reports what the page itself is told.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const what = `${e.violatedDirective} blocked ${e.blockedURI}`;
  console.error(`Content Security Policy violation: ${what}`);
});
"""
_CSP_MESSAGE = re.compile(r"Content[- ]Security[- ]Policy", re.IGNORECASE)


class BrowserGuard:
    """Collects CSP violations and /api error responses from every context it watches."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed: list[tuple[int, re.Pattern[str]]] = []

    def allow(self, status: int, path: str) -> None:
        """Expect ``status`` from /api paths matching the regex ``path`` in this test."""
        self.allowed.append((status, re.compile(path)))

    def watch(self, ctx: BrowserContext) -> BrowserContext:
        if getattr(ctx, "_resight_guarded", False):
            return ctx
        ctx._resight_guarded = True  # type: ignore[attr-defined]
        ctx.add_init_script(_CSP_LISTENER)
        ctx.on("console", self._console)
        ctx.on("response", self._response)
        return ctx

    def _console(self, msg: ConsoleMessage) -> None:
        if _CSP_MESSAGE.search(msg.text):
            where = msg.page.url if msg.page else "?"
            self.problems.append(f"CSP violation on {where}: {msg.text}")

    def _response(self, response: Response) -> None:
        path = urlparse(response.url).path
        if not path.startswith("/api/") or response.status < 400:
            return
        if any(s == response.status and p.search(path) for s, p in self.allowed):
            return
        self.problems.append(f"{response.request.method} {path} answered {response.status}")

    def take(self) -> list[str]:
        found, self.problems, self.allowed = self.problems, [], []
        return found


GUARD = BrowserGuard()


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_api_errors(*pairs): (status, path regex) answers from /api a browser test expects",
    )


@pytest.fixture(scope="session", autouse=True)
def _guard_every_browser_context() -> Iterator[BrowserGuard]:
    """Patch ``Browser.new_context``/``new_page`` so no context escapes the guard."""
    new_context, new_page = Browser.new_context, Browser.new_page

    def guarded_context(self, *args, **kwargs):
        return GUARD.watch(new_context(self, *args, **kwargs))

    def guarded_page(self, *args, **kwargs):
        pg = new_page(self, *args, **kwargs)
        GUARD.watch(pg.context)
        return pg

    Browser.new_context = guarded_context  # type: ignore[method-assign]
    Browser.new_page = guarded_page  # type: ignore[method-assign]
    try:
        yield GUARD
    finally:
        Browser.new_context, Browser.new_page = new_context, new_page  # type: ignore[method-assign]
    left = GUARD.take()
    if left:
        pytest.fail("outside any test:\n" + "\n".join(left))


@pytest.fixture(autouse=True)
def browser_guard(request, _guard_every_browser_context) -> Iterator[BrowserGuard]:
    """Fails the test, at teardown, on a CSP violation or an unexpected /api error."""
    guard = _guard_every_browser_context
    earlier = guard.take()  # from module fixtures set up for this test (seeding, prepared pages)
    for marker in request.node.iter_markers("allow_api_errors"):
        for status, path in marker.args:
            guard.allow(status, path)
    yield guard
    found = earlier + guard.take()
    if found:
        pytest.fail(
            "the browser met a content-security-policy violation or an unexpected /api error:\n"
            + "\n".join(found),
            pytrace=False,
        )
