"""The run ledger against the local Cosmos server: claim by create, heartbeats with ETags, a
stale run taken over after its backoff, the attempts bounded, finished steps skipped."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.core.errors import LeaseLost
from shared.jobs import run_ledger
from shared.jobs.run_ledger import Policy
from shared.jobs.runner import run_steps

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
POLICY = Policy(stale=timedelta(seconds=60), backoff=timedelta(seconds=10), max_attempts=3)
_days = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def day() -> date:
    """A day of its own per test: runs are keyed by day."""
    return date(2026, 1, 1) + timedelta(days=next(_days))


def claim(store, day, clock, owner, **kw):
    return run_ledger.claim(store, "test", day, POLICY, owner=owner, clock=clock, **kw)


def test_the_first_claim_wins_and_a_second_instance_gets_nothing(store, day):
    clock = Clock()
    first = claim(store, day, clock, "a")
    assert first is not None and first.attempt == 1
    assert claim(store, day, clock, "b") is None
    doc = run_ledger.get(store, "test", day)
    assert doc["owner"] == "a" and doc["status"] == "running"


def test_resume_only_never_starts_a_day(store, day):
    assert claim(store, day, Clock(), "a", resume_only=True) is None
    assert run_ledger.get(store, "test", day) is None


def test_a_stale_run_is_taken_over_after_the_backoff_and_the_old_holder_stops(store, day):
    clock = Clock()
    a = claim(store, day, clock, "a")
    clock.advance(65)  # stale (60 s) but inside the first backoff (10 s)
    assert claim(store, day, clock, "b") is None
    clock.advance(5)
    b = claim(store, day, clock, "b")
    assert b is not None and b.attempt == 2
    # a wakes up: its heartbeat carries an old ETag and is refused
    with pytest.raises(LeaseLost):
        a.heartbeat()
    b.heartbeat()
    doc = run_ledger.get(store, "test", day)
    assert doc["owner"] == "b" and doc["attempts"][0]["outcome"] == "stale"


def test_heartbeats_keep_a_slow_run_alive(store, day):
    clock = Clock()
    a = claim(store, day, clock, "a")
    for _ in range(5):
        clock.advance(50)
        a.heartbeat()
        assert claim(store, day, clock, "b") is None
    assert run_ledger.get(store, "test", day)["owner"] == "a"


def test_two_claimants_of_a_stale_run_one_wins(store, day):
    clock = Clock()
    claim(store, day, clock, "a")
    clock.advance(1000)
    # both read the same stale document; the ETag lets only one write
    current = store.read("jobs", run_ledger.run_id("test", day), "test")
    now = clock()
    b = run_ledger._take_over(
        store, current, "b", POLICY, clock, now, outcome="stale", restart=False
    )
    c = run_ledger._take_over(
        store, current, "c", POLICY, clock, now, outcome="stale", restart=False
    )
    assert b is not None and c is None


def test_attempts_are_bounded(store, day):
    clock = Clock()
    claim(store, day, clock, "a")
    for owner, attempt in (("b", 2), ("c", 3)):
        clock.advance(60 + POLICY.backoff_after(attempt - 1).total_seconds())
        run = claim(store, day, clock, owner)
        assert run is not None and run.attempt == attempt
    clock.advance(10_000)
    assert claim(store, day, clock, "d") is None
    doc = run_ledger.get(store, "test", day)
    assert doc["status"] == "failed" and doc["error"] == "no heartbeat"
    # a failed day stays failed for the timer; only a manual re-run reopens it
    assert claim(store, day, clock, "e") is None
    reopened = claim(store, day, clock, "e", reopen=True)
    assert reopened is not None and reopened.attempt == 1 and reopened.done_steps() == set()


def test_a_resumed_run_skips_the_steps_already_done(store, day):
    clock = Clock()
    calls: list[str] = []

    def step(name: str, fail: bool = False):
        def fn(ctx: dict) -> dict:
            calls.append(name)
            if fail:
                raise RuntimeError(f"{name} broke")
            return {"rows": len(name)}

        return fn

    first = claim(store, day, clock, "a")
    outcome = run_steps(first, [("one", step("one")), ("two", step("two", fail=True))], {})
    assert outcome.status == "retrying" and "two broke" in (outcome.error or "")
    doc = run_ledger.get(store, "test", day)
    assert doc["steps"]["one"]["status"] == "done" and doc["steps"]["one"]["result"] == {"rows": 3}
    assert doc["steps"]["two"]["status"] == "running"
    # retried only after the backoff, counted from the failure
    clock.advance(9)
    assert claim(store, day, clock, "b") is None
    clock.advance(1)
    second = claim(store, day, clock, "b")
    assert second is not None
    outcome = run_steps(second, [("one", step("one")), ("two", step("two"))], {})
    assert outcome.status == "succeeded"
    assert outcome.skipped == ["one"] and outcome.ran == ["two"]
    assert calls == ["one", "two", "two"]
    doc = run_ledger.get(store, "test", day)
    assert doc["status"] == "succeeded" and doc["attempts"][0]["outcome"] == "error"
    assert claim(store, day, clock, "c") is None  # done: nobody runs it again


def test_the_last_failed_attempt_fails_the_run(store, day):
    clock = Clock()

    def broken(ctx: dict) -> dict:
        raise ValueError("bad data")

    run = claim(store, day, clock, "a")
    statuses = [run_steps(run, [("only", broken)], {}).status]
    for owner in ("b", "c"):
        clock.advance(1000)
        run = claim(store, day, clock, owner)
        assert run is not None
        statuses.append(run_steps(run, [("only", broken)], {}).status)
    assert statuses == ["retrying", "retrying", "failed"]
    clock.advance(100_000)
    assert claim(store, day, clock, "d") is None


def test_a_run_taken_over_mid_step_stops_before_its_next_step(store, day):
    clock = Clock()
    a = claim(store, day, clock, "a")
    ran: list[str] = []

    def slow(ctx: dict) -> dict:
        # while this step works, another instance takes the run over
        clock.advance(1000)
        assert claim(store, day, clock, "b") is not None
        ran.append("slow")
        return {}

    def after(ctx: dict) -> dict:
        ran.append("after")
        return {}

    outcome = run_steps(a, [("slow", slow), ("after", after)], {})
    assert outcome.status == "lost" and ran == ["slow"]
    assert run_ledger.get(store, "test", day)["owner"] == "b"
