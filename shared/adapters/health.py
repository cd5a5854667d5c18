"""The dependency check behind ``/api/health``.

Each dependency gets one small request with a short timeout, all at once, and the whole check
has the same deadline, so a service that does not answer costs seconds, not the SDK's retries:

- Cosmos DB: a read of the database (``Store.ping``);
- Blob Storage: one page of at most one blob from each container the app uses (models,
  imports, lake), which needs the same data role the app uses anyway;
- SignalR Service: ``HEAD /api/health`` (its REST health API, 200 when healthy:
  https://learn.microsoft.com/azure/azure-signalr/swagger/signalr-data-plane-rest-v20220601),
  when configured;
- WhatsApp and Azure OpenAI: configured or not, from the settings alone (no call: a probe
  would spend the sender's quota or tokens);
- every app setting whose Key Vault reference did not resolve (``Settings.unresolved_settings``).

Cosmos DB and the three Blob containers are required: without them nothing is ingested,
ranked or imported, so one of them down makes the answer 503 (``unavailable``). SignalR only
carries live updates (the dashboard still loads and polls), and WhatsApp and Azure OpenAI are
optional features, so their trouble, and any unresolved setting, makes it ``degraded`` with 200:
the app works, and the answer says what is missing.

The answer is anonymous: it names dependencies and setting names, and gives a status code or
"no answer" as the reason, never an endpoint, a key, a secret or the SDK's message (those go to
the log).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from shared.core.errors import InvalidConnectionString, ServiceUnavailable
from shared.core.identity import credential
from shared.core.settings import Settings, StorageConnection

log = logging.getLogger(__name__)

# Per request and for the whole check: a probe (load balancer, Static Web App) must get an
# answer well within its own timeout.
TIMEOUT_SECONDS = 3.0

Status = Literal["ok", "missing", "down", "configured", "not configured"]
Overall = Literal["ok", "degraded", "unavailable"]


@dataclass(frozen=True)
class Check:
    status: Status
    required: bool
    detail: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "down"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "required": self.required}
        if self.detail:
            body["detail"] = self.detail
        return body


@dataclass(frozen=True)
class Report:
    status: Overall
    checks: dict[str, Check]
    unresolved_settings: tuple[str, ...]

    @property
    def http_status(self) -> int:
        return 503 if self.status == "unavailable" else 200

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            # One word per dependency, as before; "dependencies" has the details.
            "checks": {name: check.status for name, check in self.checks.items()},
            "dependencies": {name: check.to_dict() for name, check in self.checks.items()},
            "required": sorted(name for name, check in self.checks.items() if check.required),
            "unresolved_settings": list(self.unresolved_settings),
        }


def report(
    settings: Settings,
    cosmos_ping: Callable[[], None],
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> Report:
    """Check every dependency at once; each has ``timeout`` seconds, and so has the whole."""
    storage = settings.model_storage
    probes: dict[str, tuple[bool, Callable[[], Check]]] = {
        "cosmos": (True, lambda: _cosmos(cosmos_ping)),
        "blob_models": (True, lambda: _container(storage, storage.models_container, timeout)),
        "blob_imports": (True, lambda: _container(storage, settings.imports_container, timeout)),
        "blob_lake": (True, lambda: _container(storage, settings.lake_container, timeout)),
        "signalr": (False, lambda: _signalr(settings, timeout)),
    }
    checks: dict[str, Check] = {}
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="health")
    try:
        # Each probe runs in a copy of this request's context (the dataset it serves).
        futures = {
            name: pool.submit(contextvars.copy_context().run, probe)
            for name, (_, probe) in probes.items()
        }
        wait(futures.values(), timeout=timeout)
        for name, future in futures.items():
            required = probes[name][0]
            if not future.done():
                checks[name] = Check("down", required, f"no answer within {timeout:g} s")
                continue
            try:
                found = future.result()
            except Exception as exc:  # a probe must never fail the health check itself
                log.warning("health: %s check failed: %r", name, exc)
                found = Check("down", required, type(exc).__name__)
            checks[name] = Check(found.status, required, found.detail)
    finally:
        # A probe still waiting on the network finishes on its own; nobody waits for it.
        pool.shutdown(wait=False, cancel_futures=True)

    unresolved = settings.unresolved_settings
    checks["whatsapp"] = _configured(
        bool(settings.whatsapp.phone_number_id and settings.whatsapp.access_token),
        "WhatsApp__",
        unresolved,
    )
    checks["openai"] = _configured(bool(settings.openai.endpoint), "AzureOpenAI__", unresolved)

    if any(check.failed and check.required for check in checks.values()):
        status: Overall = "unavailable"
    elif any(check.failed for check in checks.values()) or unresolved:
        status = "degraded"
    else:
        status = "ok"
    return Report(status, checks, unresolved)


def _unresolved_detail(prefix: str, unresolved: tuple[str, ...]) -> str | None:
    names = [name for name in unresolved if name.startswith(prefix)]
    return f"Key Vault reference not resolved: {', '.join(names)}" if names else None


def _configured(configured: bool, prefix: str, unresolved: tuple[str, ...]) -> Check:
    return Check(
        "configured" if configured else "not configured",
        False,
        _unresolved_detail(prefix, unresolved),
    )


def _cosmos(ping: Callable[[], None]) -> Check:
    try:
        ping()
    except ServiceUnavailable as exc:
        log.warning("health: Cosmos DB: %s", exc.message)
        return Check("down", True, "no answer or refused (see the app's log)")
    return Check("ok", True)


def _container(conn: StorageConnection, container: str, timeout: float) -> Check:
    """One List Blobs call of one result: reachable, signed in and allowed to read."""
    # No retries: the deadline is the check's, and a retry would only outlive it.
    options: dict[str, Any] = {
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_total": 0,
    }
    try:
        if conn.connection_string is not None:
            service = BlobServiceClient.from_connection_string(
                conn.connection_string.get_secret_value(), **options
            )
        elif conn.blob_service_uri:
            service = BlobServiceClient(
                conn.blob_service_uri, credential=credential(conn.client_id), **options
            )
        else:
            return Check("down", True, "not configured (ModelStorage__blobServiceUri)")
        with service:
            pages = service.get_container_client(container).list_blobs(results_per_page=1)
            next(iter(pages.by_page()), None)
    except ResourceNotFoundError:
        # Reachable and allowed, but the container is not there yet: the app creates it on its
        # first write (the deployment creates all three in Azure).
        return Check("missing", True, "container not created yet")
    except HttpResponseError as exc:
        log.warning("health: blob container %s: %s", container, exc)
        error_code = getattr(exc, "error_code", None)
        code = f" {error_code}" if error_code else ""
        return Check("down", True, f"HTTP {exc.status_code}{code}")
    except AzureError as exc:
        log.warning("health: blob container %s: %s", container, exc)
        return Check("down", True, f"no answer ({type(exc).__name__})")
    except ValueError as exc:  # a connection string or URI the SDK cannot use
        log.warning("health: blob container %s: %s", container, exc)
        return Check("down", True, "invalid connection settings")
    return Check("ok", True)


def _signalr(settings: Settings, timeout: float) -> Check:
    from shared.adapters import signalr

    try:
        client = signalr.from_settings(settings)
    except InvalidConnectionString:
        return Check("down", False, "invalid connection string (SignalR__connectionString)")
    if client is None:
        return Check(
            "not configured",
            False,
            _unresolved_detail("SignalR__", settings.unresolved_settings),
        )
    problem = client.health_problem(timeout)
    return Check("down", False, problem) if problem else Check("ok", False)
