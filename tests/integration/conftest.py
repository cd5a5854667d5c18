"""devhost for integration tests: the unmodified function app in a subprocess, as ``make run``;
and the fake SP-API (``devhost.fake_sp_api``) the Amazon tests call.

The local services and the per-module database fixtures live in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost.fake_sp_api import FakeSpApi
from devhost.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DevHost:
    base_url: str
    keys: dict[str, str]
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path

    def webhook_url(self, marketplace: str) -> str:
        return f"{self.base_url}/api/integrations/{marketplace}/webhook?code={self.keys['default']}"

    @property
    def origin(self) -> dict[str, str]:
        """The dashboard's own ``Origin``: devhost refuses dashboard-API writes without it."""
        return {"origin": self.base_url}

    def client(self, **kwargs) -> httpx.Client:
        """A client that sends the dashboard's ``Origin``, as the browser does for its writes."""
        headers = {**self.origin, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.base_url, headers=headers, **kwargs)

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
    if "WhatsApp__baseUrl" not in env:
        # Its own fake Graph API port, not the fixed one of local.settings.json: several
        # devhosts (in one run or in parallel runs) must not fight over it.
        env = {**env, "WhatsApp__baseUrl": f"http://127.0.0.1:{free_port()}/v22.0"}
    if "--swa-port" not in extra:
        extra = (*extra, "--swa-port", "0")  # no Static Web Apps CLI unless a test asks for it
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


@pytest.fixture
def fake_sp_api() -> Iterator[Callable[..., FakeSpApi]]:
    """Starts a fake SP-API per call (``fake_sp_api(page_size=50)``) and stops it after the
    test, which fails if a request broke Amazon's models or an answer broke the fake's own."""
    started: list[FakeSpApi] = []

    def start(**options: Any) -> FakeSpApi:
        server = FakeSpApi(**options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        assert server.violations == [] and server.response_errors == []


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
