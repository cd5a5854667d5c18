"""Timer and Cosmos change-feed triggers, run locally as the Functions host runs them.

Timers: the binding's NCRONTAB schedule (six fields, seconds first; ``%NAME%`` resolved from
the environment like app settings) drives croniter.

Blob trigger (Event Grid source): ``blob_trigger`` builds the host's side of it; events reach it
over HTTP from devhost.eventgrid's stand-in for the Event Grid subscription.

Change feed: the local Cosmos server has no change feed, so each ``cosmosDBTrigger`` polls its
container for documents with ``_ts`` at or after its cursor and hands the function a
``func.DocumentList`` of at most ``max_items``. Delivery is at least once: a batch whose
function raises is delivered again, as the real trigger does with a retry policy, which is why
every projection is idempotent.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import azure.functions as func
from azure.functions.timer import TimerRequest
from azure.storage.blob import ContainerClient
from croniter import croniter

from devhost import bindings, eventgrid, tracing
from functions.app_index import functions_of
from shared.adapters.cosmos import Store

log = logging.getLogger("devhost.triggers")
# Seconds of the event log one change-feed read takes when behind (``ChangeFeedPoller._fetch``).
WINDOW_S = 5
# Devhost runs the triggers, so it is the host whose spans a benchmark may ask to record.
tracing.record_from_environment()


def resolve(value: str) -> str:
    """Replace ``%NAME%`` with the app setting NAME as the host does (devhost.bindings): a name
    with ``__`` in it, or one no setting has, is refused with the host's message."""
    return bindings.resolve_whole_string(value, bindings.HostConfiguration(os.environ))


def triggers_of(app: func.FunctionApp, kind: str) -> list[tuple[str, dict[str, Any], Callable]]:
    found = []
    for fn in functions_of(app):
        trigger = fn.get_trigger()
        if trigger is not None and trigger.get_binding_name() == kind:
            binding = dict(trigger.get_dict_repr())
            retry = fn.get_settings_dict("retry_policy")
            if retry:
                binding["retryPolicy"] = retry  # what the host reads from function.json
            found.append((str(fn.get_function_name()), binding, fn.get_user_function()))
    return found


class TimerRunner(threading.Thread):
    def __init__(self, name: str, binding: dict[str, Any], fn: Callable, stop: threading.Event):
        super().__init__(name=f"timer-{name}", daemon=True)
        self.fn_name, self.fn, self.stop = name, fn, stop
        self.schedule = resolve(binding["schedule"])
        self.arg = binding["name"]
        self.run_on_startup = bool(binding.get("runOnStartup"))
        croniter(self.schedule, second_at_beginning=True)  # fail fast on a bad schedule

    def run(self) -> None:
        it = croniter(self.schedule, datetime.now(UTC), second_at_beginning=True)
        if self.run_on_startup:
            self._fire(False)
        while not self.stop.is_set():
            due = it.get_next(datetime)
            wait = (due - datetime.now(UTC)).total_seconds()
            if wait > 0 and self.stop.wait(wait):
                return
            self._fire(past_due=wait < -1)

    def run_once(self) -> None:
        self._fire(past_due=False)

    def _fire(self, past_due: bool) -> None:
        try:
            self.fn(**{self.arg: TimerRequest(past_due=past_due)})
        except Exception:
            log.exception("timer %s failed", self.fn_name)


def _key(doc: dict[str, Any]) -> str:
    """A document's identity across partitions: ids are unique only within one partition (the
    same event id may live under two items), the resource id everywhere."""
    return str(doc.get("_rid") or doc["id"])


class ChangeFeedPoller(threading.Thread):
    def __init__(
        self,
        name: str,
        binding: dict[str, Any],
        fn: Callable,
        store: Store,
        stop: threading.Event,
        *,
        interval: float = 0.2,
        max_items: int = 100,
    ):
        super().__init__(name=f"changefeed-{name}", daemon=True)
        self.fn_name, self.fn, self.store, self.stop = name, fn, store, stop
        self.container = resolve(binding["containerName"])
        # The database the binding names, as the trigger would watch it.
        database = resolve(binding["databaseName"])
        if database != store._db_name:
            store = Store(store._client, database)
        self.store = store
        self.arg = binding["name"]
        # The binding's own settings, as the host reads them.
        self.interval = binding.get("feedPollDelay", interval * 1000) / 1000
        self.max_items = binding.get("maxItemsPerInvocation", max_items)
        self.cursor_ts = 0
        self.seen_at_cursor: set[str] = set()
        self.pending: list[dict[str, Any]] = []
        # The function's retry policy: a batch that keeps failing is retried this many times,
        # then checkpointed as the host does (-1: forever).
        self.max_retries = int(binding.get("retryPolicy", {}).get("max_retry_count", -1))
        self.failures = 0
        self._lock = threading.Lock()

    def poll_once(self) -> int:
        """Deliver at most one batch; returns how many documents were delivered."""
        with self._lock:
            return self._poll()

    def _poll(self) -> int:
        # A fetch is delivered batch after batch before the log is read again: a backlog (a
        # bulk import writes thousands of events a second) is read about once, not once per
        # batch. A batch that fails stays first in ``pending`` and is delivered again.
        if not self.pending:
            self.pending = self._fetch()
        if not self.pending:
            return 0
        batch = self.pending[: self.max_items]
        try:
            self.fn(**{self.arg: func.DocumentList([func.Document.from_dict(d) for d in batch])})
            self.failures = 0
        except Exception:
            self.failures += 1
            if self.max_retries < 0 or self.failures <= self.max_retries:
                raise
            log.error(
                "change feed %s: batch failed %d times; checkpointing past it as the host does",
                self.fn_name,
                self.failures,
            )
            self.failures = 0
        self.pending = self.pending[len(batch) :]
        last_ts = batch[-1]["_ts"]
        if last_ts != self.cursor_ts:
            self.cursor_ts, self.seen_at_cursor = last_ts, set()
        self.seen_at_cursor.update(_key(d) for d in batch if d["_ts"] == last_ts)
        return len(batch)

    def _fetch(self) -> list[dict[str, Any]]:
        """The documents after the cursor, oldest first: ``WINDOW_S`` seconds of the log (so a
        backlog is never all in memory), or all of it when that window holds nothing new (the
        next write may be long after the cursor)."""
        fresh = self._after_cursor(self.cursor_ts + WINDOW_S) if self.cursor_ts else []
        if not fresh:
            fresh = self._after_cursor(None)
        return sorted(fresh, key=lambda d: d["_ts"])

    def _after_cursor(self, until: int | None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM c WHERE c._ts >= @ts", [("@ts", self.cursor_ts)]
        if until is not None:
            sql, params = sql + " AND c._ts <= @until", [*params, ("@until", until)]
        return [
            d
            for d in self.store.query(self.container, sql, params)
            if not (d["_ts"] == self.cursor_ts and _key(d) in self.seen_at_cursor)
        ]

    def run_once(self) -> None:
        while self.poll_once():
            pass

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                delivered = self.poll_once()
            except Exception:
                log.exception(
                    "change feed %s failed; the batch will be delivered again", self.fn_name
                )
                delivered = 0
                self.stop.wait(1.0)
            if not delivered:
                self.stop.wait(self.interval)


def blob_trigger(
    name: str, binding: dict[str, Any], fn: Callable, stop: threading.Event
) -> eventgrid.BlobTriggerFunction:
    """An Event Grid-source blob trigger: the host's side of it, over the binding's connection
    (Azurite's connection string locally)."""
    from shared.adapters.blob import BlobStore

    resolved = {**binding, "path": resolve(binding["path"])}
    container = resolved["path"].partition("/")[0]
    conn = os.environ.get(f"{binding['connection']}__connectionString")
    if not conn:
        raise KeyError(f"the blob trigger {name} needs {binding['connection']}__connectionString")
    client = ContainerClient.from_connection_string(conn, container)
    blobs = BlobStore(client)
    blobs.ensure_container()
    return eventgrid.BlobTriggerFunction(
        name, resolved, fn, blobs, stop, blob_url=lambda blob: f"{client.url}/{quote(blob)}"
    )
