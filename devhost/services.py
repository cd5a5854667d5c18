"""Start and stop the local backing services: Azurite (Blob/Queue/Table) and Cosmos DB.

Used by ``make run`` (through ``python -m devhost``) and by the integration tests, which start
their own instances on other ports so a running ``make run`` never interferes.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("devhost.services")
BIN = ROOT / "node_modules" / ".bin"

# Azurite's and the Cosmos emulator's well-known public development keys (not secrets).
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
COSMOS_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)


def azurite_connection_string(blob_port: int, queue_port: int, table_port: int) -> str:
    host = "http://127.0.0.1"
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={host}:{blob_port}/devstoreaccount1;"
        f"QueueEndpoint={host}:{queue_port}/devstoreaccount1;"
        f"TableEndpoint={host}:{table_port}/devstoreaccount1;"
    )


@dataclass
class LocalServices:
    """Azurite + Cosmos server as child processes; ``stop()`` ends what ``start()`` began."""

    cosmos_port: int = 8081
    blob_port: int = 10000
    queue_port: int = 10001
    table_port: int = 10002
    workdir: Path | None = None
    _procs: list[subprocess.Popen] = field(default_factory=list)
    _log: Any = None

    @property
    def cosmos_endpoint(self) -> str:
        return f"https://127.0.0.1:{self.cosmos_port}"

    @property
    def storage_connection_string(self) -> str:
        return azurite_connection_string(self.blob_port, self.queue_port, self.table_port)

    def env(self) -> dict[str, str]:
        """The settings that point the app at these services."""
        return {
            "CosmosDB__accountEndpoint": self.cosmos_endpoint,
            "CosmosDB__accountKey": COSMOS_KEY,
            "CosmosDB__verifyTls": "false",
            "ModelStorage__connectionString": self.storage_connection_string,
            "AzureWebJobsStorage": self.storage_connection_string,
        }

    def start(self, timeout: float = 30.0) -> LocalServices:
        """Start both and wait until they listen; on any failure, stop what was started."""
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    def _start(self, timeout: float) -> LocalServices:
        if not (BIN / "azurite").exists():
            raise RuntimeError("node_modules missing: run `npm ci` at the repository root")
        workdir = self.workdir or Path(tempfile.mkdtemp(prefix="resight-azurite-"))
        workdir.mkdir(parents=True, exist_ok=True)
        logs = self._log = open(workdir / "services.log", "ab")  # noqa: SIM115 - closed in stop()
        self._procs.append(
            subprocess.Popen(
                [
                    str(BIN / "azurite"),
                    "--silent",
                    "--disableTelemetry",
                    "--skipApiVersionCheck",
                    "--location",
                    str(workdir),
                    "--blobHost",
                    "127.0.0.1",
                    "--queueHost",
                    "127.0.0.1",
                    "--tableHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(self.blob_port),
                    "--queuePort",
                    str(self.queue_port),
                    "--tablePort",
                    str(self.table_port),
                ],
                stdout=logs,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        self._procs.append(
            subprocess.Popen(
                ["node", str(ROOT / "devhost" / "cosmos_server.js"), str(self.cosmos_port)],
                stdout=logs,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        log.info("started Azurite (pid %d) and the Cosmos server (pid %d)", *self.pids)
        deadline = time.monotonic() + timeout
        for port in (self.blob_port, self.queue_port, self.table_port, self.cosmos_port):
            while True:
                # A child that exits (its port already taken) must not pass for one that listens.
                for name, proc in zip(("Azurite", "the Cosmos server"), self._procs, strict=True):
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited with {proc.returncode} at start; "
                            f"see {workdir / 'services.log'}"
                        )
                try:
                    wait_for_port(port, min(1.0, max(0.1, deadline - time.monotonic())))
                    break
                except TimeoutError:
                    if time.monotonic() > deadline:
                        raise
        return self

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs.clear()
        if self._log is not None:
            self._log.close()
            self._log = None


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def apply_env(values: dict[str, str]) -> None:
    os.environ.update(values)
