"""Real local services for integration tests, started and stopped by the tests themselves.

One Azurite and one Cosmos server per test session on free ports (never the ports of a running
``make run``); each test module gets its own Cosmos database so tests cannot see each other.
``devhost`` runs the unmodified function app in a subprocess, exactly as ``make run`` does.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devhost.services import LocalServices, free_port, wait_for_port
from shared.blobs import model_store
from shared.settings import get_settings
from shared.store import Store, get_store

ROOT = Path(__file__).resolve().parents[2]


def _clear_caches() -> None:
    get_settings.cache_clear()
    get_store.cache_clear()
    model_store.cache_clear()


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
        "CosmosDB__databaseName": "resight",
        "Webhooks__amazonSecret": secrets.token_hex(16),
        "Webhooks__myntraSecret": secrets.token_hex(16),
        "Webhooks__meeshoSecret": secrets.token_hex(16),
        "SignalR__connectionString": (
            f"Endpoint=http://127.0.0.1:{signalr_port};AccessKey={secrets.token_urlsafe(32)};"
            "Version=1.0;"
        ),
        "SignalR__hub": "resight",
        "RECONCILE_SCHEDULE": "*/30 * * * * *",
        "MOCK_SCHEDULE": "*/5 * * * * *",
        "MOCK_ENABLED": "false",
    }
    return env


@pytest.fixture(scope="module")
def env(base_env, monkeypatch_module) -> dict[str, str]:
    """Settings for this module: the session's services and a database of its own."""
    values = {**base_env, "CosmosDB__databaseName": f"t{uuid.uuid4().hex[:10]}"}
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


@dataclass
class DevHost:
    base_url: str
    keys: dict[str, str]
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path

    def webhook_url(self, marketplace: str) -> str:
        return f"{self.base_url}/api/integrations/{marketplace}/webhook?code={self.keys['default']}"

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_devhost(env: dict[str, str], tmp: Path, *extra: str, own_signalr: bool = True) -> DevHost:
    """Run ``python -m devhost`` on free ports (its SignalR emulation too, unless told not to)."""
    port = free_port()
    if own_signalr:
        conn = env["SignalR__connectionString"]
        key = conn.split("AccessKey=", 1)[1].split(";", 1)[0]
        env = {
            **env,
            "SignalR__connectionString": f"Endpoint=http://127.0.0.1:{free_port()};AccessKey={key};Version=1.0;",
        }
    keys_path = tmp / "host-keys.json"
    log_path = tmp / "devhost.log"
    proc_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devhost",
                "--external-services",
                "--port",
                str(port),
                "--keys",
                str(keys_path),
                *extra,
            ],
            cwd=ROOT,
            env=proc_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 240
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"devhost exited:\n{log_path.read_text()[-4000:]}")
        try:
            wait_for_port(port, timeout=1)
            break
        except TimeoutError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"devhost did not start:\n{log_path.read_text()}") from None
    keys = json.loads(keys_path.read_text())
    return DevHost(f"http://127.0.0.1:{port}", keys, env, process, log_path)


def stop_devhost(host: DevHost) -> None:
    host.process.terminate()
    try:
        host.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        host.process.kill()


@pytest.fixture(scope="module")
def devhost(env, store, tmp_path_factory) -> Iterator[DevHost]:
    host = start_devhost(env, tmp_path_factory.mktemp("devhost"), "--no-seed", "--no-timers")
    yield host
    stop_devhost(host)


def eventually(check, timeout: float = 15.0, interval: float = 0.1):
    """Poll ``check`` until it returns a truthy value; the last value or AssertionError."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")
