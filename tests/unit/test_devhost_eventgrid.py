"""Event Grid's blob-trigger delivery through devhost's HTTP stack, as in Azure: the
subscription's validation handshake and then BlobCreated events post to
``/runtime/webhooks/blobs`` with the blobs extension key, through the Static Web App stand-in
and App Service authentication's stand-in, whose excluded paths are the Bicep's own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from devhost import easyauth, eventgrid, host, swa

pytestmark = pytest.mark.unit

KEYS = {"master": "master-key", "default": "function-key", "blobs_extension": "blobs-key"}
ENDPOINT = (
    f"{eventgrid.WEBHOOK_PATH}?functionName={eventgrid.FUNCTION_PREFIX}import_blob"
    f"&code={KEYS['blobs_extension']}"
)


@dataclass(frozen=True)
class Info:
    name: str
    etag: str = "0x1"
    size: int = 3
    metadata: dict[str, str] = field(default_factory=dict)


class FakeBlobs:
    def __init__(self, *names: str) -> None:
        self.blobs = {name: Info(name) for name in names}

    def info(self, name: str) -> Info | None:
        return self.blobs.get(name)

    def list_info(self, prefix: str) -> list[Info]:
        return [info for name, info in self.blobs.items() if name.startswith(prefix)]


@dataclass
class Stack:
    client: TestClient
    function: eventgrid.BlobTriggerFunction
    subscription: eventgrid.BlobEventSubscription
    calls: list[str]

    def wait_processed(self, count: int) -> None:
        with self.function.done:
            assert self.function.done.wait_for(lambda: self.function.processed >= count, 10)


@pytest.fixture
def make_stack(tmp_path: Path):
    stop = threading.Event()
    clients: list[TestClient] = []

    def make(excluded=None, fail: bool = False, blobs: FakeBlobs | None = None) -> Stack:
        calls: list[str] = []
        blobs = blobs or FakeBlobs("incoming/a.csv")

        def fn(blob) -> None:
            calls.append(blob.name)
            if fail:
                raise RuntimeError("the import failed")

        function = eventgrid.BlobTriggerFunction(
            "import_blob",
            {"name": "blob", "path": "imports/incoming/{name}"},
            fn,
            blobs,
            stop,
            retry_delay=0,
        )
        api = easyauth.AppServiceAuth(
            host.function_host([eventgrid.BlobsExtension([function], KEYS).route()]), excluded
        )
        dist = tmp_path / "dist"
        dist.mkdir(exist_ok=True)
        (dist / "index.html").write_text("<!doctype html><title>ReSight</title>")
        client = TestClient(swa.StaticWebApp(api, dist, ["http://testserver"]))
        clients.append(client)
        subscription = eventgrid.BlobEventSubscription(
            "import_blob",
            "imports",
            "incoming/",
            blobs,
            function.blob_url,
            ENDPOINT,
            client,
            stop,
        )
        return Stack(client, function, subscription, calls)

    yield make
    stop.set()
    for client in clients:
        client.close()


def test_the_handshake_passes_app_service_auth_with_the_bicep_exclusions(make_stack):
    stack = make_stack()  # the excluded paths of infra/bicep/modules/staticwebapp-backend.bicep
    stack.subscription.validate()
    assert stack.subscription.validated


def test_without_the_runtime_exclusion_the_handshake_gets_401(make_stack):
    excluded = [p for p in easyauth.excluded_paths() if p != "/runtime/webhooks/blobs"]
    stack = make_stack(excluded=excluded)
    with pytest.raises(eventgrid.SubscriptionError, match="HTTP 401"):
        stack.subscription.validate()
    assert stack.subscription.validated is False
    assert stack.calls == []


def test_blob_created_events_run_the_function_with_the_host_blob_name(make_stack):
    stack = make_stack(blobs=FakeBlobs("incoming/a.csv", "processed/b.csv"))
    assert stack.subscription.poll_once() == 1
    stack.wait_processed(1)
    assert stack.calls == ["imports/incoming/a.csv"]
    # Published once: a second poll finds nothing new.
    assert stack.subscription.poll_once() == 0


def test_the_event_is_in_the_event_grid_schema(make_stack):
    stack = make_stack()
    response = stack.client.post(
        ENDPOINT,
        json=[eventgrid.blob_created_event("imports", Info("incoming/c.csv"), "u")],
        headers={"aeg-event-type": "Notification"},
    )
    assert response.status_code == 202
    event = eventgrid.blob_created_event("imports", Info("incoming/c.csv"), "http://x/c.csv")
    assert event["subject"] == "/blobServices/default/containers/imports/blobs/incoming/c.csv"
    assert event["eventType"] == "Microsoft.Storage.BlobCreated"
    assert {"api", "eTag", "contentLength", "blobType", "url"} <= set(event["data"])


def test_the_endpoint_needs_the_blobs_extension_key(make_stack):
    stack = make_stack()
    wrong = ENDPOINT.replace(KEYS["blobs_extension"], "not-the-key")
    response = stack.client.post(
        wrong,
        json=eventgrid.validation_event("c"),
        headers={"aeg-event-type": "SubscriptionValidation"},
    )
    assert response.status_code == 401
    unknown = ENDPOINT.replace("import_blob", "no_such_function")
    response = stack.client.post(
        unknown,
        json=eventgrid.validation_event("c"),
        headers={"aeg-event-type": "SubscriptionValidation"},
    )
    assert response.status_code == 404


def test_a_failing_function_is_retried_as_the_queue_does_then_given_up(make_stack):
    stack = make_stack(fail=True)
    assert stack.subscription.poll_once() == 1  # accepted (202): the retries are the host's
    stack.wait_processed(1)
    assert stack.calls == ["imports/incoming/a.csv"] * eventgrid.MAX_DEQUEUE


def test_app_service_auth_screens_direct_calls_but_not_what_the_static_web_app_forwards(
    make_stack,
):
    stack = make_stack()
    paths = easyauth.excluded_paths()
    assert "/runtime/webhooks/blobs" in paths
    assert easyauth.is_excluded("/api/integrations/amazon/webhook", paths)
    assert not easyauth.is_excluded("/api/rules", paths)
    # A direct call to a host runtime path that is not excluded: 401 before the host.
    assert stack.client.post("/runtime/webhooks/other").status_code == 401
    # Through the Static Web App: the host answers (no such function here: its JSON 404).
    response = stack.client.get("/api/metrics", headers=_principal("analyst"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def _principal(role: str) -> dict[str, str]:
    import base64
    import json

    body = {"userRoles": ["anonymous", "authenticated", role]}
    return {"x-ms-client-principal": base64.b64encode(json.dumps(body).encode()).decode()}
