"""The status logic of the dependency check (``shared.adapters.health``) without the network:
which failures make ``/api/health`` 503, which only degrade it, and that a dependency that does
not answer is reported as down when the check's deadline passes instead of holding the answer."""

from __future__ import annotations

import threading

import pytest

from shared.adapters import health
from shared.core.errors import ServiceUnavailable
from shared.core.settings import Settings

pytestmark = pytest.mark.unit


def settings(monkeypatch, **env: str) -> Settings:
    # No blob and no SignalR settings: both are "not configured", without any network call.
    for name in ("ModelStorage__connectionString", "ModelStorage__blobServiceUri"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SignalR__connectionString", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def ok() -> None:
    return None


def test_required_blob_without_settings_is_down_and_503(monkeypatch):
    report = health.report(settings(monkeypatch), ok, timeout=2)
    assert report.status == "unavailable" and report.http_status == 503
    assert report.checks["blob_models"].status == "down"
    assert report.checks["blob_models"].detail == "not configured (ModelStorage__blobServiceUri)"
    assert report.checks["cosmos"].status == "ok"
    # Optional and not configured is not a failure.
    assert report.checks["signalr"].status == "not configured"
    assert not report.checks["signalr"].failed


def test_cosmos_refusing_is_down_without_its_message(monkeypatch):
    def refuse() -> None:
        raise ServiceUnavailable("Cosmos DB unavailable: https://secret-host:8081 said no")

    report = health.report(settings(monkeypatch), refuse, timeout=2)
    cosmos = report.checks["cosmos"]
    assert cosmos.status == "down" and cosmos.required
    assert "secret-host" not in str(report.to_dict())


def test_a_dependency_that_does_not_answer_is_down_at_the_deadline(monkeypatch):
    release = threading.Event()

    def hang() -> None:
        release.wait(30)

    try:
        report = health.report(settings(monkeypatch), hang, timeout=0.2)
    finally:
        release.set()
    assert report.checks["cosmos"].status == "down"
    assert report.checks["cosmos"].detail == "no answer within 0.2 s"
    assert report.http_status == 503


def test_unresolved_settings_degrade_and_are_named(monkeypatch):
    reference = "@Microsoft.KeyVault(VaultName=kv;SecretName=x)"
    s = settings(
        monkeypatch,
        WhatsApp__phoneNumberId="123456789",
        WhatsApp__accessToken=reference,
        SignalR__connectionString=reference,
    )
    # Every required dependency answers here: only the unresolved settings are wrong.
    monkeypatch.setattr(health, "_container", lambda *a: health.Check("ok", True))
    report = health.report(s, ok, timeout=2)
    assert report.status == "degraded" and report.http_status == 200
    assert report.unresolved_settings == ("SignalR__connectionString", "WhatsApp__accessToken")
    assert report.checks["whatsapp"].status == "not configured"
    assert report.checks["whatsapp"].detail == (
        "Key Vault reference not resolved: WhatsApp__accessToken"
    )
    assert report.checks["signalr"].detail == (
        "Key Vault reference not resolved: SignalR__connectionString"
    )
    body = report.to_dict()
    assert body["unresolved_settings"] == ["SignalR__connectionString", "WhatsApp__accessToken"]
    assert reference not in str(body)
