"""Microsoft's Static Web Apps CLI (``@azure/static-web-apps-cli``, pinned in package.json) as
the local Static Web App: ``swa start dashboard/dist --api-devserver-url <devhost>``.

The CLI serves the built dashboard and applies ``staticwebapp.config.json`` itself (routes,
roles, fallback, response overrides, global headers), emulates ``/.auth`` with its own sign-in
page, and forwards ``/api`` to devhost with ``x-ms-client-principal``. devhost keeps only what
the CLI does not do:

- the content-security-policy's local sources (the SignalR emulation, Azurite's blob endpoint):
  the CLI reads the config from a directory devhost writes, production's config with those
  sources added (``devhost/staticwebapp.local.json``, as for the stand-in in devhost.swa);
- the check that a write to the dashboard API comes from the dashboard's own origin (the local
  counterpart of App Service authentication, which in Azure lets only the Static Web App
  through): devhost's HTTP layer behind the CLI still does it, with the CLI's origin allowed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from devhost import swa
from devhost.services import wait_for_port

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / ".bin" / "swa"
DEFAULT_PORT = 4280
log = logging.getLogger("devhost.swa_cli")


def write_config(directory: Path, env: Mapping[str, str], source: Path = swa.CONFIG) -> Path:
    """``staticwebapp.config.json`` for the CLI: ``source`` with the local CSP sources added."""
    raw: dict[str, Any] = json.loads(source.read_text())
    headers = raw.get("globalHeaders") or {}
    for name in list(headers):
        if name.lower() == "content-security-policy":
            headers[name] = swa.extend_csp(headers[name], swa.local_csp_additions(env))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "staticwebapp.config.json"
    path.write_text(json.dumps(raw, indent=2) + "\n")
    return path


def origins(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


class SwaCli:
    """``swa start`` as a child process in a session of its own; ``stop()`` ends that session."""

    def __init__(
        self,
        dist: Path,
        api_url: str,
        config_dir: Path,
        *,
        port: int = DEFAULT_PORT,
        log_path: Path | None = None,
    ) -> None:
        self.dist, self.api_url, self.config_dir, self.port = dist, api_url, config_dir, port
        self.log_path = log_path or config_dir / "swa.log"
        self.process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            str(CLI),
            "start",
            str(self.dist),
            "--api-devserver-url",
            self.api_url,
            "--swa-config-location",
            str(self.config_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]

    def start(self, env: Mapping[str, str]) -> SwaCli:
        """Start the CLI (it waits for the API itself); ``wait()`` waits until it listens."""
        if not CLI.exists():
            raise RuntimeError("node_modules missing: run `npm ci` at the repository root")
        write_config(self.config_dir, env)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env={**os.environ, "SWA_CLI_OPEN_BROWSER": "false"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.info("started the Static Web Apps CLI (pid %d) on %s", self.process.pid, self.url)
        return self

    def wait(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        try:
            wait_for_port(self.port, timeout)
        except TimeoutError:
            raise RuntimeError(
                f"the Static Web Apps CLI did not start; see {self.log_path}"
            ) from None
        if self.process.poll() is not None:
            raise RuntimeError(f"the Static Web Apps CLI exited; see {self.log_path}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            # Its own session: the CLI and any child it started, nothing else.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
