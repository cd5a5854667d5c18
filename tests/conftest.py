"""Shared test setup: a clean settings cache around every test, and the real local services.

One Azurite and one Cosmos server per test session on free ports (never the ports of a running
``make run``), shared by the integration and browser tests; each test module gets its own Cosmos
database so modules cannot see each other. Unit tests never request them.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest

from devhost.services import LocalServices, free_port
from shared.adapters.blob import imports_store, model_store
from shared.adapters.cosmos import Store, get_store
from shared.core.settings import get_settings, schedule_defaults


def _clear_caches() -> None:
    from shared.live.state import live

    get_settings.cache_clear()
    get_store.cache_clear()
    model_store.cache_clear()
    imports_store.cache_clear()
    live.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def services(tmp_path_factory) -> Iterator[LocalServices]:
    svc = LocalServices(
        cosmos_port=free_port(),
        blob_port=free_port(),
        queue_port=free_port(),
        table_port=free_port(),
        workdir=tmp_path_factory.mktemp("azurite"),
    ).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def base_env(services: LocalServices) -> dict[str, str]:
    signalr_port = free_port()
    env = {
        **services.env(),
        "COSMOS_DATABASE_NAME": "resight",
        "Webhooks__amazonSecret": secrets.token_hex(16),
        "Webhooks__myntraSecret": secrets.token_hex(16),
        "Webhooks__meeshoSecret": secrets.token_hex(16),
        "SignalR__connectionString": (
            f"Endpoint=http://127.0.0.1:{signalr_port};AccessKey={secrets.token_urlsafe(32)};"
            "Version=1.0;"
        ),
        "SignalR__hub": "resight",
        **{
            name: value
            for name, value in schedule_defaults().items()
            if name in ("RECONCILE_SCHEDULE", "MOCK_SCHEDULE", "IMPORT_SWEEP_SCHEDULE")
        },
        "MOCK_ENABLED": "false",
        "ALERT_RECIPIENTS": "[]",  # a test that wants recipients names them
    }
    return env


@pytest.fixture(scope="module")
def env(base_env, monkeypatch_module) -> dict[str, str]:
    """Settings for this module: the session's services and a database of its own."""
    values = {**base_env, "COSMOS_DATABASE_NAME": f"t{uuid.uuid4().hex[:10]}"}
    for key, value in values.items():
        monkeypatch_module.setenv(key, value)
    _clear_caches()
    yield values
    _clear_caches()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def store(env) -> Store:
    s = get_store()
    s.ensure_schema()
    return s
