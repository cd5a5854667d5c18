"""The fault-injection seam of the Cosmos, Blob and SignalR adapters (local testing only).

Off unless ``FAULT_INJECTION_FILE`` names a plan file (never set in Azure). The reliability
harness writes that JSON file while the app runs; it is re-read when it changes:

    {"cosmos": {"kind": "throttle", "rate": 0.6, "retry_after_ms": 50, "until": 1767000000.0},
     "blob": {"kind": "unavailable", "rate": 1.0, "until": ...},
     "signalr": {"kind": "down", "until": ...},
     "write_log": "<path>"}

Kinds: ``throttle`` answers 429 with ``x-ms-retry-after-ms`` (Cosmos's own throttling answer),
``unavailable`` 503, ``timeout`` waits ``delay_s`` and fails the request as a timeout does,
``down`` refuses the connection. ``rate`` is the share of requests hit, ``until`` a Unix time
after which the fault ends by itself. With ``write_log`` every write the process sends (not
reads, queries or refused writes) is appended there as ``<thread> <service> <METHOD> <path>``
(SignalR's sends are not writes and are not logged), which is how
the harness proves that a refused request wrote nothing, and every injected fault as
``<thread> <service> FAULT <kind>``.

The seam is an azure-core transport (what the SDKs send through), so the SDKs' own retry
policies see the injected answers exactly as they would see the service's.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from typing import Any
from urllib.parse import urlparse

import requests
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import RequestsTransport, RequestsTransportResponse

from shared.core.settings import get_settings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Plan:
    """The current plan of one file, re-read when the file's modification time changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stamp: float | None = None
        self._plan: dict[str, Any] = {}
        self._lock = threading.Lock()

    def current(self) -> dict[str, Any]:
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            return {}
        with self._lock:
            if stamp != self._stamp:
                try:
                    with open(self.path, encoding="utf-8") as fh:
                        self._plan = json.load(fh)
                except (OSError, ValueError):
                    return self._plan  # being rewritten: keep the last plan
                self._stamp = stamp
            return self._plan

    def fault(self, service: str) -> dict[str, Any] | None:
        spec = self.current().get(service)
        if not spec or time.time() >= float(spec.get("until", float("inf"))):
            return None
        return spec if random.random() < float(spec.get("rate", 1.0)) else None

    def log_write(self, service: str, method: str, url: str, is_query: bool = False) -> None:
        if method in WRITE_METHODS and not is_query:
            self._log(f"{service} {method} {urlparse(url).path}")

    def log_fault(self, service: str, kind: str) -> None:
        self._log(f"{service} FAULT {kind}")

    def _log(self, what: str) -> None:
        target = self.current().get("write_log")
        if target:
            with self._lock, open(target, "a", encoding="utf-8") as fh:
                fh.write(f"{threading.current_thread().name} {what}\n")


def _answer(request: Any, status: int, headers: dict[str, str]) -> RequestsTransportResponse:
    raw = requests.Response()
    raw.status_code = status
    raw.reason = {429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "Error")
    raw.headers.update({"content-type": "application/json", **headers})
    raw._content = json.dumps(
        {"code": raw.reason.replace(" ", ""), "message": "injected by the fault plan"}
    ).encode()
    raw.url = request.url
    return RequestsTransportResponse(request, raw)


class FaultTransport(RequestsTransport):
    """``RequestsTransport`` that applies the plan's fault for ``service`` before sending."""

    def __init__(self, plan: Plan, service: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan, self.service = plan, service

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        spec = self.plan.fault(self.service)
        if spec is not None:
            kind = spec.get("kind")
            self.plan.log_fault(self.service, str(kind))
            if kind == "throttle":
                retry = str(int(spec.get("retry_after_ms", 100)))
                return _answer(request, 429, {"x-ms-retry-after-ms": retry})
            if kind == "unavailable":
                return _answer(request, 503, {})
            if kind == "timeout":
                time.sleep(float(spec.get("delay_s", 2.0)))
                raise ServiceResponseError("injected timeout: no answer in time")
            if kind == "down":
                raise ServiceRequestError("injected outage: connection refused")
        answer = super().send(request, **kwargs)
        if 200 <= answer.status_code < 300:  # a refused write (409, 412, ...) changed nothing
            is_query = str(request.headers.get("x-ms-documentdb-isquery", "")).lower() == "true"
            self.plan.log_write(self.service, request.method, request.url, is_query)
        return answer


def transport(service: str) -> dict[str, Any]:
    """Keyword arguments for an SDK client: the fault transport when a plan file is set."""
    path = get_settings().fault_injection_file
    if not path:
        return {}
    return {"transport": FaultTransport(Plan(path), service)}


class FaultAdapter(requests.adapters.HTTPAdapter):
    """The same plan for a plain ``requests`` session (the SignalR REST client)."""

    def __init__(self, plan: Plan, service: str) -> None:
        super().__init__()
        self.plan, self.service = plan, service

    def send(self, request, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        spec = self.plan.fault(self.service)
        if spec is not None:
            self.plan.log_fault(self.service, str(spec.get("kind")))
            if spec.get("kind") == "timeout":
                time.sleep(float(spec.get("delay_s", 2.0)))
                raise requests.Timeout("injected timeout")
            raise requests.ConnectionError("injected outage: connection refused")
        return super().send(request, *args, **kwargs)


def session(service: str) -> requests.Session | None:
    """A ``requests`` session under the plan, or None (the caller's default) without one."""
    path = get_settings().fault_injection_file
    if not path:
        return None
    s = requests.Session()
    adapter = FaultAdapter(Plan(path), service)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
