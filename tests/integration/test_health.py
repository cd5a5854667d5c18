"""``/api/health`` against the real local services, through devhost as a prober calls it.

One devhost sees every dependency up. A second one has its own Azurite, stopped once the host
runs (Blob is down, Cosmos DB is up), and Key Vault references that did not resolve in some
settings: the answer is 503 and names each down dependency and each unresolved setting, and
never carries an endpoint, a key or a secret.
"""

from __future__ import annotations

import httpx
import pytest

from devhost.services import AZURITE_KEY, COSMOS_KEY, LocalServices, free_port
from tests.integration.conftest import eventually, start_devhost, stop_devhost

pytestmark = pytest.mark.integration

REQUIRED = ["blob_imports", "blob_lake", "blob_models", "cosmos"]
BLOBS = ["blob_imports", "blob_lake", "blob_models"]
UNRESOLVED = {
    "WhatsApp__accessToken": "@Microsoft.KeyVault(VaultName=kv-resight;SecretName=whatsapp-token)",
    "Analytics__buyerKeySalt": "@Microsoft.KeyVault(VaultName=kv-resight;SecretName=buyer-salt)",
    "Webhooks__meeshoSecret": (
        "@Microsoft.KeyVault(SecretUri=https://kv-resight.vault.azure.net/secrets/webhook-meesho)"
    ),
}


def secrets_of(env: dict[str, str]) -> list[str]:
    """Values the answer must never contain: keys, secrets, connection strings, endpoints."""
    values = [AZURITE_KEY, COSMOS_KEY, "AccessKey=", "AccountKey=", "@Microsoft.KeyVault"]
    for name, value in env.items():
        lowered = name.lower()
        if any(word in lowered for word in ("secret", "key", "token", "connection", "salt")):
            values.append(value)
    values.append(env["CosmosDB__accountEndpoint"])
    return [v for v in values if v]


def assert_anonymous_safe(text: str, env: dict[str, str]) -> None:
    for value in secrets_of(env):
        assert value not in text, f"the health answer leaks {value[:24]}..."


def get_health(host) -> httpx.Response:
    # No principal, no key: what a load balancer or an uptime probe sends.
    return httpx.get(f"{host.base_url}/api/health", timeout=30)


def test_every_dependency_is_reported_and_up(devhost, store):
    response = get_health(devhost)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["required"] == REQUIRED
    deps = body["dependencies"]
    assert deps["cosmos"] == {"status": "ok", "required": True}
    for name in BLOBS:
        # Reachable and readable; a container the app has not written to yet is "missing".
        assert deps[name]["status"] in ("ok", "missing"), (name, deps[name])
        assert deps[name]["required"] is True
    assert deps["signalr"] == {"status": "ok", "required": False}
    # devhost runs without an Azure OpenAI endpoint, and with its fake WhatsApp Graph API.
    assert deps["openai"] == {"status": "not configured", "required": False}
    assert deps["whatsapp"] == {"status": "configured", "required": False}
    assert body["checks"] == {name: dep["status"] for name, dep in deps.items()}
    assert body["unresolved_settings"] == []
    assert "dead_letters" in body
    assert_anonymous_safe(response.text, devhost.env)


@pytest.fixture(scope="module")
def own_blob(tmp_path_factory):
    """An Azurite of its own, to be stopped under a running host."""
    services = LocalServices(
        cosmos_port=free_port(),
        blob_port=free_port(),
        queue_port=free_port(),
        table_port=free_port(),
        workdir=tmp_path_factory.mktemp("azurite-down"),
    ).start()
    yield services
    services.stop()


@pytest.fixture(scope="module")
def broken_host(env, store, own_blob, tmp_path_factory):
    host_env = {
        **env,
        "ModelStorage__connectionString": own_blob.storage_connection_string,
        **UNRESOLVED,
    }
    host = start_devhost(
        host_env, tmp_path_factory.mktemp("devhost-down"), "--no-seed", "--no-timers"
    )
    yield host
    stop_devhost(host)


def test_unresolved_key_vault_references_are_named_while_everything_is_up(broken_host):
    response = get_health(broken_host)
    assert response.status_code == 200, response.text
    body = response.json()
    # The app runs, but a feature is missing its secret: degraded, and which settings say so.
    assert body["status"] == "degraded"
    assert body["unresolved_settings"] == sorted(UNRESOLVED)
    whatsapp = body["dependencies"]["whatsapp"]
    assert whatsapp["status"] == "not configured"
    assert "WhatsApp__accessToken" in whatsapp["detail"]
    assert_anonymous_safe(response.text, broken_host.env)


def test_a_required_dependency_down_is_503_naming_it(broken_host, own_blob):
    own_blob.stop()  # Blob Storage goes away under the running host; Cosmos DB stays up

    response = eventually(lambda: (r := get_health(broken_host)).status_code == 503 and r)
    body = response.json()
    assert body["status"] == "unavailable"
    deps = body["dependencies"]
    for name in BLOBS:
        assert deps[name]["status"] == "down", (name, deps[name])
        assert deps[name]["required"] is True
        assert deps[name]["detail"].startswith("no answer"), deps[name]
    assert deps["cosmos"]["status"] == "ok"
    # The unresolved settings are still named next to the outage.
    assert body["unresolved_settings"] == sorted(UNRESOLVED)
    assert_anonymous_safe(response.text, broken_host.env)
