"""The dashboard in headless Chromium against devhost, on the real local services.

One devhost per module (no demo seed, no timers: the tests decide what happens), a seeded
20-product catalogue, one browser per module and a fresh browser context per test, so cookies
(the signed-in role) never leak from one test into the next. Every test leaves a screenshot in
``artifacts/e2e/<test name>.png``, pass or fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

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
