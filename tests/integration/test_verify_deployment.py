"""scripts/verify-deployment.sh against devhost, the local stand-in for the deployment.

devhost plays both hosts on one port: the function host (webhooks, /api/health and the blobs
extension's Event Grid endpoint with its system key, the API refusing a forged principal on a
write that does not come from its own origin) and the Static Web App (the dashboard API with a
principal, SignalR negotiate). What it does not emulate here, App Service authentication's 401
on the function host's own name and a real sign-in cookie, is checked only in Azure.
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
        "BLOBS_EXTENSION_KEY": devhost.keys["blobs_extension"],
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
        "GET /api/health straight to the function host (ok; ",
        "every Key Vault reference resolved",
        "GET /api/health through the Static Web App (ok; ",
        "POST /api/rank through the Static Web App",
        "signed webhook straight to the function host recorded",
        "change feed projected and re-ranked",
        "SignalR client received the event",
        "Event Grid handshake answered at /runtime/webhooks/blobs",
    ):
        assert f"ok    {check}" in report, report
    # Every dependency /api/health reports is named in its line.
    health = next(line for line in report.splitlines() if "/api/health straight" in line)
    for name in ("cosmos", "blob_models", "blob_imports", "blob_lake", "signalr", "whatsapp"):
        assert name in health, health
    assert "FAIL" not in report


def test_verify_deployment_fails_on_a_wrong_webhook_secret(devhost, catalogue):
    result = run_script(devhost, WEBHOOK_SECRET="not-the-secret", TIMEOUT="3")
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "FAIL  signed webhook straight to the function host: 401" in report


def test_verify_deployment_fails_when_event_grid_is_refused(devhost, catalogue):
    # A wrong key stands in for anything that answers the handshake with a 401.
    result = run_script(devhost, BLOBS_EXTENSION_KEY="not-the-key", TIMEOUT="3")
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "FAIL  Event Grid handshake: 401 at /runtime/webhooks/blobs" in report
