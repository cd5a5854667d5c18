"""scripts/verify-deployment.sh against devhost, the local stand-in for the deployment.

devhost plays both hosts: the function host (webhooks, the API refusing a forged principal on a
write that does not come from its own origin) and the Static Web App (the dashboard API with a
principal, SignalR negotiate). What it does not emulate, App Service authentication's 401 and a
real sign-in cookie, is checked only in Azure.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.helpers import seeded_catalogue

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "verify-deployment.sh"


def analyst_principal() -> str:
    body = {
        "identityProvider": "devhost",
        "userId": "verify",
        "userDetails": "verify@local",
        "userRoles": ["anonymous", "authenticated", "analyst"],
    }
    return base64.b64encode(json.dumps(body).encode()).decode()


def run_script(devhost, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FUNCTION_HOST_URL": devhost.base_url,
        "SWA_URL": devhost.base_url,
        "FUNCTION_KEY": devhost.keys["default"],
        "WEBHOOK_SECRET": devhost.env["Webhooks__amazonSecret"],
        "SWA_PRINCIPAL": analyst_principal(),
        "TIMEOUT": "30",
        **extra,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def catalogue(devhost, store):
    return seeded_catalogue(devhost, store, 12, seed=5, history_hours=6)


@pytest.mark.parametrize("event", ["view", "order"])
def test_verify_deployment_passes_against_devhost(devhost, catalogue, event):
    result = run_script(devhost, VERIFY_EVENT=event)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for check in (
        "forged admin principal to the function host refused (403)",
        "GET /api/health through the Static Web App",
        "POST /api/rank through the Static Web App",
        "signed webhook straight to the function host recorded",
        "change feed projected and re-ranked",
        "SignalR client received the event",
    ):
        assert f"ok    {check}" in report, report
    assert "FAIL" not in report


def test_verify_deployment_fails_on_a_wrong_webhook_secret(devhost, catalogue):
    result = run_script(devhost, WEBHOOK_SECRET="not-the-secret", TIMEOUT="3")
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "FAIL  signed webhook straight to the function host: 401" in report
