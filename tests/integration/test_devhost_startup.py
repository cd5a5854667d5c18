"""``make run`` that fails at start leaves nothing running: no Cosmos server, no Azurite."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.services import free_port
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something else already listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run_devhost(tmp: Path, port: int, env: dict[str, str]) -> tuple[int, str, int, Path]:
    cosmos_port = free_port()
    services_dir = tmp / "azurite"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost",
            "--port",
            str(port),
            "--cosmos-port",
            str(cosmos_port),
            "--blob-port",
            str(free_block()),
            "--services-dir",
            str(services_dir),
            "--keys",
            str(tmp / "host-keys.json"),
            "--no-seed",
            "--no-timers",
            "--swa-port",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout, cosmos_port, services_dir


def free_block() -> int:
    """Three consecutive free ports (Azurite's blob, queue and table)."""
    for _ in range(50):
        base = free_port()
        try:
            socks = []
            for port in (base, base + 1, base + 2):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no three consecutive free ports")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def services_running(cosmos_port: int, services_dir: Path) -> list[str]:
    """Command lines of any Cosmos server or Azurite started for this run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not alive(int(entry.name)):
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"cosmos_server.js {cosmos_port}" in cmd or str(services_dir) in cmd:
            found.append(cmd)
    return found


def test_http_port_taken_fails_at_once_and_starts_nothing(tmp_path, taken):
    code, out, cosmos_port, services_dir = run_devhost(tmp_path, taken, {})
    assert code != 0, out
    assert f"cannot listen on 127.0.0.1:{taken}" in out
    assert not services_running(cosmos_port, services_dir)


def test_failure_after_the_services_started_stops_them(tmp_path, taken):
    # The SignalR emulation's port is taken: found once Cosmos and Azurite are up.
    signalr = f"Endpoint=http://127.0.0.1:{taken};AccessKey={'k' * 40};Version=1.0;"
    code, out, cosmos_port, services_dir = run_devhost(
        tmp_path, free_port(), {"SignalR__connectionString": signalr}
    )
    assert code != 0, out
    started = re.search(r"started Azurite \(pid (\d+)\) and the Cosmos server \(pid (\d+)\)", out)
    assert started, out
    assert f"127.0.0.1:{taken}" in out
    pids = [int(p) for p in started.groups()]
    assert not [pid for pid in pids if alive(pid)], out
    assert not services_running(cosmos_port, services_dir)
