"""A whole local stack for the harness: Azurite, the Cosmos server and devhost, on free ports.

The same pieces the integration tests use (``devhost.services``, ``start_devhost``), with a
fault plan file handed to devhost only: the harness's own store client (used to count what was
written) never goes through the seam. Everything started is stopped on exit.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3

from devhost.services import LocalServices, free_port
from shared.adapters.cosmos import Store
from shared.core.settings import CosmosConnection
from tests.integration.conftest import DevHost, start_devhost, stop_devhost

ROOT = Path(__file__).resolve().parent.parent
# The local Cosmos server's certificate is self-signed; verification is off only locally.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

# devhost runs each HTTP function in ``asyncio.to_thread``: writes from these threads are the
# requests' own; the change feed, blob events, timers and jobs run on threads of their own.
REQUEST_THREADS = "asyncio_"


@dataclass
class Stack:
    """devhost over running services (``env``: their settings); the fault plan and write log
    live in ``workdir``."""

    env: dict[str, str]
    workdir: Path
    host: DevHost | None = None
    services: LocalServices | None = None
    store: Store = field(init=False)

    def __post_init__(self) -> None:
        self._prepared = False
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.plan_path = self.workdir / "faults.json"
        self.write_log = self.workdir / "writes.log"
        self.env = {**self.env, "FAULT_INJECTION_FILE": str(self.plan_path)}
        cosmos = {k.split("__", 1)[1]: v for k, v in self.env.items() if k.startswith("CosmosDB__")}
        self.store = Store.from_connection(CosmosConnection.model_validate(cosmos))
        self.clear_faults()
        self.store.ensure_schema()

    # -- the host ----------------------------------------------------------------------------
    def start_host(self, *extra: str) -> DevHost:
        self.prepare()
        self.host = start_devhost(self.env, self.workdir, "--no-seed", "--no-timers", *extra)
        return self.host

    def prepare(self) -> None:
        """What devhost prepares before it serves (the schema, and a first model when Blob has
        none, minutes of CPU on a busy machine), run here without the host's start deadline."""
        if self._prepared:
            return
        subprocess.run(
            [sys.executable, "-c", "from devhost.__main__ import prepare; prepare(seed=False)"],
            cwd=ROOT,
            env={**os.environ, **self.env, "PYTHONWARNINGS": "ignore:Unverified HTTPS request"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self._prepared = True

    def stop_host(self) -> None:
        if self.host is not None:
            stop_devhost(self.host)
            self.host = None

    # -- the fault plan ------------------------------------------------------------------------
    def plan(self, **services: dict[str, Any]) -> None:
        """Replace the fault plan (``cosmos=``, ``blob=``, ``signalr=``); writes stay logged."""
        body = {"write_log": str(self.write_log), **services}
        tmp = self.plan_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body))
        os.replace(tmp, self.plan_path)

    def clear_faults(self) -> None:
        self.plan()

    # -- what the host wrote -------------------------------------------------------------------
    def log_position(self) -> int:
        return self.write_log.stat().st_size if self.write_log.exists() else 0

    def writes_since(self, position: int, *, ignore: tuple[str, ...] = ()) -> list[str]:
        """Writes logged after ``position`` by request threads (background threads left out),
        minus those whose path contains one of ``ignore``."""
        if not self.write_log.exists():
            return []
        with open(self.write_log, encoding="utf-8") as fh:
            fh.seek(position)
            lines = fh.read().splitlines()
        return [
            line
            for line in lines
            if line.startswith(REQUEST_THREADS)
            and " FAULT " not in line
            and not _schema_only(line)
            and not any(i in line for i in ignore)
        ]

    def faults_since(self, position: int) -> int:
        """How many faults the seam injected after ``position`` (any thread)."""
        if not self.write_log.exists():
            return 0
        with open(self.write_log, encoding="utf-8") as fh:
            fh.seek(position)
            return sum(" FAULT " in line for line in fh)

    def count(self, container: str) -> int:
        return int(next(self.store.query(container, "SELECT VALUE COUNT(1) FROM c"), 0))


def _schema_only(line: str) -> bool:
    """Creating a database, container or blob container if absent (idempotent, no data)."""
    path = line.rsplit(" ", 1)[-1].rstrip("/")
    parts = path.strip("/").split("/")
    return path.endswith(("/dbs", "/colls")) or (" blob " in line and len(parts) <= 2)


def stack_env(services: LocalServices) -> dict[str, str]:
    """Settings for an app over ``services``: fresh secrets, a database and import and lake
    containers of its own (hosts running side by side must not take each other's files), no
    mock. The model container is shared: the first model is trained once."""
    database = f"r{uuid.uuid4().hex[:10]}"
    return {
        **services.env(),
        "COSMOS_DATABASE_NAME": database,
        "IMPORTS_CONTAINER": f"imports-{database}",
        "LAKE_CONTAINER": f"lake-{database}",
        "Webhooks__amazonSecret": secrets.token_hex(16),
        "Webhooks__myntraSecret": secrets.token_hex(16),
        "Webhooks__meeshoSecret": secrets.token_hex(16),
        "SignalR__connectionString": (
            f"Endpoint=http://127.0.0.1:{free_port()};AccessKey={secrets.token_urlsafe(32)};"
            "Version=1.0;"
        ),
        "SignalR__hub": "resight",
        "MOCK_ENABLED": "false",
        # devhost's fake WhatsApp Graph API on a port of its own (never a running devhost's).
        "WhatsApp__baseUrl": f"http://127.0.0.1:{free_port()}/v22.0",
        "WhatsApp__phoneNumberId": "100000000000001",
        "WhatsApp__accessToken": secrets.token_urlsafe(24),
        "WhatsApp__appSecret": secrets.token_hex(16),
        "WhatsApp__verifyToken": secrets.token_urlsafe(16),
    }


@contextmanager
def local_stack(workdir: Path | None = None) -> Iterator[Stack]:
    """Services, a database and (once ``start_host`` is called) devhost, all stopped on exit."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="resight-reliability-"))
    workdir.mkdir(parents=True, exist_ok=True)
    services = LocalServices(
        cosmos_port=free_port(),
        blob_port=free_port(),
        queue_port=free_port(),
        table_port=free_port(),
        workdir=workdir / "azurite",
    ).start()
    stack: Stack | None = None
    try:
        stack = Stack(stack_env(services), workdir, services=services)
        yield stack
    finally:
        if stack is not None:
            stack.stop_host()
        services.stop()


def wait_until(check, timeout: float, interval: float = 0.2) -> Any:
    """Poll ``check`` until truthy; its last value (falsy when the time ran out)."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = check()
    return value
