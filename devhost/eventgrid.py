"""The Event Grid-source blob trigger, delivered over HTTP as in Azure.

Two halves, as in Azure:

- ``BlobsExtension`` is the host's side: ``POST /runtime/webhooks/blobs?functionName=
  Host.Functions.<fn>&code=<blobs_extension system key>`` answers the subscription's validation
  handshake (``aeg-event-type: SubscriptionValidation``: ``{"validationResponse": <code>}``) and
  accepts ``Microsoft.Storage.BlobCreated`` notifications in the Event Grid schema with 202. It
  queues each blob and runs the function from the queue, retried up to five times as the blob
  trigger's queue does (then the blob is given up on, and the app's sweep timer picks it up).
- ``BlobEventSubscription`` stands in for the storage account's system topic and the
  subscription of infra/bicep/modules/eventgrid.bicep (there is no Event Grid emulator): it
  first does the validation handshake, then watches the container in Azurite and posts a
  BlobCreated event for each new or changed blob under the subject filter, retrying a delivery
  that is not answered with a 2xx.

Requests go through devhost's HTTP stack, so App Service authentication's stand-in
(devhost.easyauth) screens them as Azure's would: without ``/runtime/webhooks/blobs`` in the
Bicep ``excludedPaths`` the handshake gets a 401.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import azure.functions as func
import httpx
from azure.functions.blob import InputStream
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("devhost.eventgrid")

WEBHOOK_PATH = "/runtime/webhooks/blobs"
FUNCTION_PREFIX = "Host.Functions."
VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"
BLOB_CREATED = "Microsoft.Storage.BlobCreated"
# The topic devhost's events name: Azurite's account, in the shape of an Azure resource id.
LOCAL_TOPIC = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/"
    "Microsoft.Storage/storageAccounts/devstoreaccount1"
)
# The blob trigger's queue gives a message up after five dequeues (maxDequeueCount).
MAX_DEQUEUE = 5


class BlobInfoLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def etag(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def metadata(self) -> dict[str, str]: ...


class Blobs(Protocol):
    def info(self, name: str) -> BlobInfoLike | None: ...

    def list_info(self, prefix: str) -> list[Any]: ...


def subject(container: str, blob: str) -> str:
    return f"/blobServices/default/containers/{container}/blobs/{blob}"


def parse_subject(value: str) -> tuple[str, str] | None:
    head = "/blobServices/default/containers/"
    if not value.startswith(head):
        return None
    container, sep, blob = value[len(head) :].partition("/blobs/")
    return (container, blob) if sep and container and blob else None


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def validation_event(code: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "topic": LOCAL_TOPIC,
            "subject": "",
            "data": {"validationCode": code},
            "eventType": VALIDATION_EVENT,
            "eventTime": _now(),
            "metadataVersion": "1",
            "dataVersion": "2",
        }
    ]


def blob_created_event(container: str, info: BlobInfoLike, blob_url: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "topic": LOCAL_TOPIC,
        "subject": subject(container, info.name),
        "eventType": BLOB_CREATED,
        "eventTime": _now(),
        "data": {
            "api": "PutBlob",
            "requestId": str(uuid.uuid4()),
            "eTag": info.etag,
            "contentType": "application/octet-stream",
            "contentLength": info.size,
            "blobType": "BlockBlob",
            "url": blob_url,
            "sequencer": f"{uuid.uuid4().int:032d}"[:32],
        },
        "dataVersion": "",
        "metadataVersion": "1",
    }


# --- the host's side ---------------------------------------------------------------------------


class BlobTriggerFunction:
    """One Event Grid-source blob trigger of the app, run from its own queue."""

    def __init__(
        self,
        name: str,
        binding: Mapping[str, Any],
        fn: Callable[..., Any],
        blobs: Blobs,
        stop: threading.Event,
        *,
        max_dequeue: int = MAX_DEQUEUE,
        retry_delay: float = 0.5,
        blob_url: Callable[[str], str] | None = None,
    ) -> None:
        self.fn_name, self.fn, self.blobs, self.stop = name, fn, blobs, stop
        self.retry_delay = retry_delay
        # The blob's URL as a BlobCreated event gives it (data.url).
        self.blob_url = blob_url or (lambda blob: f"/{self.container}/{blob}")
        self.arg = str(binding["name"])
        self.container, _, pattern = str(binding["path"]).partition("/")
        self.prefix = pattern.split("{", 1)[0]
        self.max_dequeue = max_dequeue
        self.queue: queue.Queue[tuple[str, int]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.done = threading.Condition()
        self.processed = 0

    def matches(self, container: str, blob: str) -> bool:
        return container == self.container and blob.startswith(self.prefix)

    def enqueue(self, blob: str) -> None:
        self.queue.put((blob, 0))
        if self._worker is None:
            self._worker = threading.Thread(
                target=self._work, name=f"blobtrigger-{self.fn_name}", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        while not self.stop.is_set():
            try:
                blob, dequeued = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.run(blob, dequeued)

    def run(self, blob: str, dequeued: int = 0) -> None:
        info = self.blobs.info(blob)
        try:
            if info is not None:  # a blob deleted since the event: nothing to run on
                self.fn(**{self.arg: self._stream(info)})
        except Exception:
            dequeued += 1
            log.exception("blob trigger %s failed on %s (try %d)", self.fn_name, blob, dequeued)
            if dequeued < self.max_dequeue:
                # Visible again after a pause, as a queue message whose function failed.
                self.stop.wait(self.retry_delay)
                self.queue.put((blob, dequeued))
                return
            log.error("blob trigger %s gave %s up after %d tries", self.fn_name, blob, dequeued)
        with self.done:
            self.processed += 1
            self.done.notify_all()

    def _stream(self, info: BlobInfoLike) -> func.InputStream:
        # The host names the blob "<container>/<path>"; the app streams the content itself.
        return InputStream(
            data=b"",
            name=f"{self.container}/{info.name}",
            uri=f"{self.container}/{info.name}",
            length=info.size,
            metadata=info.metadata,
        )


class BlobsExtension:
    """``/runtime/webhooks/blobs``: the blobs extension's Event Grid endpoint."""

    def __init__(self, functions: Iterable[BlobTriggerFunction], keys: Mapping[str, str]) -> None:
        self.functions = {f.fn_name: f for f in functions}
        self.keys = keys

    def route(self) -> Route:
        return Route(WEBHOOK_PATH, self.endpoint, methods=["POST"])

    def _authorised(self, request: Request) -> bool:
        supplied = request.query_params.get("code") or request.headers.get("x-functions-key")
        if not supplied:
            return False
        allowed = [self.keys["blobs_extension"], self.keys["master"]]
        return any(secrets.compare_digest(supplied, k) for k in allowed)

    async def endpoint(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(status_code=401)
        target = request.query_params.get("functionName", "")
        function = self.functions.get(target.removeprefix(FUNCTION_PREFIX))
        if not target.startswith(FUNCTION_PREFIX) or function is None:
            return JSONResponse(
                {"error": "not_found", "message": f"no Event Grid blob trigger {target!r}"}, 404
            )
        try:
            events = await request.json()
        except ValueError:
            return JSONResponse({"error": "bad_request", "message": "body is not JSON"}, 400)
        if not isinstance(events, list):
            events = [events]
        kind = request.headers.get("aeg-event-type", "")
        if kind == "SubscriptionValidation":
            for event in events:
                if event.get("eventType") == VALIDATION_EVENT:
                    code = (event.get("data") or {}).get("validationCode")
                    return JSONResponse({"validationResponse": code})
            return JSONResponse({"error": "bad_request", "message": "no validation event"}, 400)
        if kind != "Notification":
            return JSONResponse(
                {"error": "bad_request", "message": f"aeg-event-type {kind!r} is not handled"}, 400
            )
        for event in events:
            if event.get("eventType") != BLOB_CREATED:
                continue
            where = parse_subject(str(event.get("subject", "")))
            if where and function.matches(*where):
                function.enqueue(where[1])
        return Response(status_code=202)


# --- Event Grid's side -------------------------------------------------------------------------


class SubscriptionError(RuntimeError):
    """The endpoint did not answer the validation handshake: Azure refuses the subscription."""


class BlobEventSubscription(threading.Thread):
    """The system topic on the storage account and the subscription to one function's
    endpoint: BlobCreated events under ``subject_prefix``, posted to ``endpoint``."""

    def __init__(
        self,
        name: str,
        container: str,
        prefix: str,
        blobs: Blobs,
        blob_url: Callable[[str], str],
        endpoint: str,
        client: httpx.Client,
        stop: threading.Event,
        *,
        interval: float = 0.5,
        max_delivery_attempts: int = 30,
    ) -> None:
        super().__init__(name=f"eventgrid-{name}", daemon=True)
        self.fn_name = name
        self.container, self.prefix, self.blobs, self.blob_url = container, prefix, blobs, blob_url
        self.endpoint, self.client, self.stop = endpoint, client, stop
        self.interval, self.max_delivery_attempts = interval, max_delivery_attempts
        self.validated = False
        self.published: set[tuple[str, str]] = set()
        self.attempts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def validate(self) -> None:
        """The handshake Event Grid does when the subscription is created."""
        code = str(uuid.uuid4())
        response = self.client.post(
            self.endpoint,
            json=validation_event(code),
            headers={"aeg-event-type": "SubscriptionValidation"},
        )
        answer = _json(response)
        if response.status_code != 200 or answer.get("validationResponse") != code:
            raise SubscriptionError(
                f"Event Grid subscription validation of {self.endpoint.split('?')[0]} failed: "
                f"HTTP {response.status_code} {response.text[:200]!r} (expected 200 with "
                "validationResponse); in Azure the Event Grid deployment fails here"
            )
        self.validated = True

    def poll_once(self) -> int:
        """Publish a BlobCreated event for each new or changed blob; how many were accepted."""
        with self._lock:
            if not self.validated:
                self.validate()
            accepted = 0
            for info in self.blobs.list_info(self.prefix):
                key = (info.name, info.etag)
                if key in self.published:
                    continue
                event = blob_created_event(self.container, info, self.blob_url(info.name))
                response = self.client.post(
                    self.endpoint, json=[event], headers={"aeg-event-type": "Notification"}
                )
                if 200 <= response.status_code < 300:
                    self.published.add(key)
                    self.attempts.pop(key, None)
                    accepted += 1
                    continue
                tries = self.attempts[key] = self.attempts.get(key, 0) + 1
                log.error(
                    "Event Grid delivery of %s to %s: HTTP %d (try %d)",
                    info.name,
                    self.fn_name,
                    response.status_code,
                    tries,
                )
                if tries >= self.max_delivery_attempts:
                    self.published.add(key)  # dead-lettered; the sweep timer picks it up
            return accepted

    def run_once(self) -> None:
        self.poll_once()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except SubscriptionError as exc:
                log.error("%s", exc)
                return
            except (httpx.TransportError, OSError):
                pass  # the host is not listening yet, or is stopping
            except Exception:
                log.exception("Event Grid emulation for %s failed", self.fn_name)
            self.stop.wait(self.interval)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
