"""A Key Vault reference App Service could not resolve reaches the app as its own text
("@Microsoft.KeyVault(...)"). The settings object treats such a value as not configured, in one
place, so no code uses it as a secret, a salt or a connection string.
"""

from __future__ import annotations

import base64
import json

import azure.functions as func
import pytest

from shared.adapters.whatsapp import WhatsAppClient
from shared.core.settings import Settings, get_settings, is_unresolved_key_vault_reference

pytestmark = pytest.mark.unit

REFERENCE = "@Microsoft.KeyVault(VaultName=kv-resight;SecretName=whatsapp-access-token)"


@pytest.mark.parametrize(
    "value",
    [
        REFERENCE,
        "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/salt)",
        "  @microsoft.keyvault(VaultName=kv;SecretName=x)",
    ],
)
def test_reference_text_is_recognised(value):
    assert is_unresolved_key_vault_reference(value)


@pytest.mark.parametrize(
    "value", ["s3cret", "", None, "Microsoft.KeyVault", "x@Microsoft.KeyVault("]
)
def test_other_values_are_not_references(value):
    assert not is_unresolved_key_vault_reference(value)


def test_an_unresolved_reference_is_not_configured_and_is_named(monkeypatch):
    monkeypatch.setenv("WhatsApp__phoneNumberId", "1234567890")
    monkeypatch.setenv("WhatsApp__accessToken", REFERENCE)
    monkeypatch.setenv("Analytics__buyerKeySalt", REFERENCE)
    monkeypatch.setenv("SignalR__connectionString", REFERENCE)
    monkeypatch.setenv("Webhooks__amazonSecret", REFERENCE)
    monkeypatch.setenv("Webhooks__myntraSecret", "resolved-secret")
    settings = Settings()
    assert settings.whatsapp.access_token is None
    assert settings.analytics.buyer_key_salt is None
    assert settings.signalr.connection_string is None
    assert settings.webhooks.amazon is None
    # Resolved values and plain settings are untouched.
    assert settings.webhooks.myntra is not None
    assert settings.webhooks.myntra.get_secret_value() == "resolved-secret"
    assert settings.whatsapp.phone_number_id == "1234567890"
    # Named by their app setting names, as in Azure; never with their values.
    assert settings.unresolved_settings == (
        "Analytics__buyerKeySalt",
        "SignalR__connectionString",
        "Webhooks__amazonSecret",
        "WhatsApp__accessToken",
    )


def test_a_flat_setting_with_reference_text_is_named_too(monkeypatch):
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", REFERENCE)
    settings = Settings()
    assert settings.applicationinsights_connection_string is None
    assert settings.unresolved_settings == ("APPLICATIONINSIGHTS_CONNECTION_STRING",)


def test_nothing_unresolved_names_nothing(monkeypatch):
    monkeypatch.setenv("WhatsApp__accessToken", "token")
    assert Settings().unresolved_settings == ()


def test_a_buyer_key_is_never_salted_with_the_reference_text(monkeypatch):
    from shared.ingest.marketplaces.common import buyer_key

    monkeypatch.setenv("Analytics__buyerKeySalt", REFERENCE)
    get_settings.cache_clear()
    # Without a salt no buyer key is kept (the order still counts in sales).
    assert buyer_key("9876543210", "buyer") is None

    monkeypatch.setenv("Analytics__buyerKeySalt", "a-real-salt")
    get_settings.cache_clear()
    kept = buyer_key("9876543210", "buyer")
    assert kept is not None and kept.startswith("b_") and "9876543210" not in kept


def test_whatsapp_with_an_unresolved_token_is_not_configured(monkeypatch):
    monkeypatch.setenv("WhatsApp__phoneNumberId", "1234567890")
    monkeypatch.setenv("WhatsApp__accessToken", REFERENCE)
    assert WhatsAppClient.from_settings(Settings()) is None


def test_a_whatsapp_send_answers_503_not_configured(monkeypatch):
    from functions.api.alerts import whatsapp_send

    monkeypatch.setenv("WhatsApp__phoneNumberId", "1234567890")
    monkeypatch.setenv("WhatsApp__accessToken", REFERENCE)
    get_settings.cache_clear()
    admin = {
        "identityProvider": "aad",
        "userId": "admin",
        "userDetails": "admin@example.com",
        "userRoles": ["anonymous", "authenticated", "admin"],
    }
    req = func.HttpRequest(
        "POST",
        "http://localhost/api/whatsapp/send",
        headers={
            "x-ms-client-principal": base64.b64encode(json.dumps(admin).encode()).decode(),
            "content-type": "application/json",
        },
        body=json.dumps({"to": "+919876543210", "text": "hello"}).encode(),
    )
    response = whatsapp_send(req)
    assert response.status_code == 503
    body = response.get_body().decode()
    assert "not configured" in body
    assert "@Microsoft.KeyVault" not in body
