"""The run ledger: one document per job and day in the ``jobs`` container.

``claim`` creates ``<job>:<day>``; a 409 means another instance has (or had) that run, and
its document says what to do (``verdict``): nothing while its heartbeat is fresh, take it over
once it is older than ``stale`` plus a backoff that doubles with each attempt, give up after
``max_attempts``. The holder writes only with the ETag of its own last write (heartbeats, step
records, the end), so an instance that was taken over learns it on its next write
(``LeaseLost``) and stops. Steps are recorded as done with their result; a resumed run skips
them.

Document::

    {id, job, day, status: running | retrying | succeeded | failed, owner, attempt,
     max_attempts, started_at, heartbeat_at, ended_at, not_before, error,
     steps: {name: {status: running | done, started_at, finished_at, seconds, attempt, result}},
     attempts: [{attempt, owner, started_at, ended_at, outcome: stale | error, error}]}
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from shared.adapters.cosmos import Store
from shared.core.errors import Conflict, LeaseLost
from shared.core.records import utcnow
from shared.core.settings import Settings

CONTAINER = "jobs"
Clock = Callable[[], datetime]
Verdict = Literal["done", "failed", "busy", "wait", "take_over", "give_up"]


@dataclass(frozen=True)
class Policy:
    stale: timedelta
    backoff: timedelta
    max_attempts: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            stale=timedelta(seconds=settings.job_stale_seconds),
            backoff=timedelta(seconds=settings.job_backoff_seconds),
            max_attempts=settings.job_max_attempts,
        )

    def backoff_after(self, attempt: int) -> timedelta:
        return self.backoff * (2 ** max(0, attempt - 1))

    @property
    def heartbeat_every(self) -> float:
        """Four heartbeats per stale period: one late write never makes a live run look dead."""
        return self.stale.total_seconds() / 4


def run_id(job: str, day: date) -> str:
    return f"{job}:{day.isoformat()}"


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def verdict(doc: dict[str, Any], now: datetime, policy: Policy) -> Verdict:
    """What a claimant does with an existing run (pure)."""
    status = doc["status"]
    if status == "succeeded":
        return "done"
    if status == "failed":
        return "failed"
    if status == "running":
        beat = datetime.fromisoformat(doc["heartbeat_at"])
        if now - beat < policy.stale:
            return "busy"
        gone_at = beat + policy.stale
    else:  # retrying: the last attempt ended with an error
        gone_at = datetime.fromisoformat(doc["ended_at"])
    if doc["attempt"] >= policy.max_attempts:
        return "give_up"
    if now < gone_at + policy.backoff_after(doc["attempt"]):
        return "wait"
    return "take_over"


def ready_at(doc: dict[str, Any], policy: Policy) -> datetime | None:
    """When a stale or failed attempt may be taken over (for the API)."""
    if doc["status"] == "running":
        base = datetime.fromisoformat(doc["heartbeat_at"]) + policy.stale
    elif doc["status"] == "retrying":
        base = datetime.fromisoformat(doc["ended_at"])
    else:
        return None
    return base + policy.backoff_after(doc["attempt"])


def claim(
    store: Store,
    job: str,
    day: date,
    policy: Policy,
    *,
    owner: str | None = None,
    clock: Clock = utcnow,
    resume_only: bool = False,
    reopen: bool = False,
) -> Run | None:
    """This day's run if this instance now holds it, else None.

    ``resume_only``: never create the run, only take over an unfinished one. ``reopen``: a
    finished run (succeeded or failed) starts again from its first step (a manual re-run).
    """
    owner = owner or new_owner()
    now = clock()
    doc_id = run_id(job, day)
    if not resume_only:
        fresh = {
            "id": doc_id,
            "job": job,
            "day": day.isoformat(),
            "status": "running",
            "owner": owner,
            "attempt": 1,
            "max_attempts": policy.max_attempts,
            "started_at": now.isoformat(),
            "heartbeat_at": now.isoformat(),
            "ended_at": None,
            "error": None,
            "steps": {},
            "attempts": [],
        }
        if store.create(CONTAINER, fresh):
            return Run(store, store.read(CONTAINER, doc_id, job), owner, policy, clock)
    current = store.read_or_none(CONTAINER, doc_id, job)
    if current is None:
        return None
    decision = verdict(current, now, policy)
    if reopen and decision in ("done", "failed"):
        return _take_over(store, current, owner, policy, clock, now, outcome=None, restart=True)
    if decision == "give_up":
        _give_up(store, current, now)
        return None
    if decision != "take_over":
        return None
    outcome = "stale" if current["status"] == "running" else "error"
    return _take_over(store, current, owner, policy, clock, now, outcome=outcome, restart=False)


def _take_over(
    store: Store,
    current: dict[str, Any],
    owner: str,
    policy: Policy,
    clock: Clock,
    now: datetime,
    *,
    outcome: str | None,
    restart: bool,
) -> Run | None:
    doc = _clean(current)
    past = {
        "attempt": doc["attempt"],
        "owner": doc["owner"],
        "started_at": doc.get("attempt_started_at", doc["started_at"]),
        "ended_at": doc.get("ended_at") or (now.isoformat()),
        "outcome": outcome or doc["status"],
        "error": doc.get("error"),
    }
    doc.update(
        status="running",
        owner=owner,
        attempt=doc["attempt"] + 1 if not restart else 1,
        attempt_started_at=now.isoformat(),
        heartbeat_at=now.isoformat(),
        ended_at=None,
        error=None,
        attempts=[*doc.get("attempts", []), past],
    )
    if restart:
        doc["steps"] = {}
        doc["max_attempts"] = policy.max_attempts
    try:
        written = store.upsert(CONTAINER, doc, etag=current["_etag"])
    except Conflict:
        return None  # another instance took it first
    return Run(store, written, owner, policy, clock)


def _give_up(store: Store, current: dict[str, Any], now: datetime) -> None:
    doc = _clean(current)
    if doc["status"] == "running":  # the last attempt died without a word
        doc["error"] = doc.get("error") or "no heartbeat"
    doc.update(status="failed", owner=None, ended_at=doc.get("ended_at") or now.isoformat())
    with contextlib.suppress(Conflict):  # someone else wrote first; they decide
        store.upsert(CONTAINER, doc, etag=current["_etag"])


class Run:
    """A run this instance holds: the one writer of its document until ``LeaseLost``.

    Writes are serialised (the heartbeat thread and the steps share the document) and carry
    the ETag of this instance's previous write.
    """

    def __init__(
        self, store: Store, doc: dict[str, Any], owner: str, policy: Policy, clock: Clock
    ) -> None:
        self.store, self.owner, self.policy, self.clock = store, owner, policy, clock
        self._etag: str = doc["_etag"]
        self._doc = _clean(doc)
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return str(self._doc["id"])

    @property
    def day(self) -> date:
        return date.fromisoformat(self._doc["day"])

    @property
    def attempt(self) -> int:
        return int(self._doc["attempt"])

    @property
    def doc(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._doc)

    def done_steps(self) -> set[str]:
        steps = self._doc.get("steps", {})
        return {name for name, step in steps.items() if step.get("status") == "done"}

    def heartbeat(self) -> None:
        self._write(lambda doc, now: None)

    def start_step(self, name: str) -> None:
        def mark(doc: dict[str, Any], now: datetime) -> None:
            doc["steps"][name] = {
                "status": "running",
                "attempt": doc["attempt"],
                "started_at": now.isoformat(),
            }

        self._write(mark)

    def step_done(self, name: str, result: dict[str, Any], seconds: float) -> None:
        def mark(doc: dict[str, Any], now: datetime) -> None:
            step = doc["steps"].get(name, {})
            doc["steps"][name] = {
                **step,
                "status": "done",
                "finished_at": now.isoformat(),
                "seconds": round(seconds, 3),
                "result": result,
            }

        self._write(mark)

    def succeed(self) -> None:
        self._write(lambda doc, now: doc.update(status="succeeded", ended_at=now.isoformat()))

    def fail(self, error: str) -> str:
        """Record a failed attempt: ``retrying`` (a later tick takes it over after the backoff)
        or ``failed`` once the attempts are used up. Returns the status written."""
        status = "retrying" if self.attempt < self.policy.max_attempts else "failed"
        self._write(
            lambda doc, now: doc.update(status=status, error=error[:2000], ended_at=now.isoformat())
        )
        return status

    def _write(self, mutate: Callable[[dict[str, Any], datetime], None]) -> None:
        with self._lock:
            if self._doc["owner"] != self.owner or self._doc["status"] != "running":
                raise LeaseLost(f"run {self.id} is no longer held by this instance")
            now = self.clock()
            doc = {**self._doc, "steps": dict(self._doc.get("steps", {}))}
            mutate(doc, now)
            doc["heartbeat_at"] = now.isoformat()
            try:
                written = self.store.upsert(CONTAINER, doc, etag=self._etag)
            except Conflict as exc:
                # Only a claimant writes besides the holder, and it always changes the owner.
                raise LeaseLost(f"run {self.id} was taken over by another instance") from exc
            self._etag = written["_etag"]
            self._doc = _clean(written)


def get(store: Store, job: str, day: date) -> dict[str, Any] | None:
    doc = store.read_or_none(CONTAINER, run_id(job, day), job)
    return _clean(doc) if doc else None


def recent(store: Store, job: str | None, limit: int) -> list[dict[str, Any]]:
    sql = "SELECT TOP @n * FROM c {where} ORDER BY c.day DESC"
    if job:
        rows = store.query(
            CONTAINER, sql.format(where="WHERE c.job = @job"), [("@n", limit), ("@job", job)]
        )
    else:
        rows = store.query(CONTAINER, sql.format(where=""), [("@n", limit)])
    return [_clean(r) for r in rows]


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}
