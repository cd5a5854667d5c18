"""The ledger's decisions, pure: what a claimant does with an existing run, when the day is
due on the Indian clock, and the backoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.jobs.run_ledger import Policy, ready_at, verdict
from shared.jobs.schedule import due

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
POLICY = Policy(stale=timedelta(seconds=60), backoff=timedelta(seconds=10), max_attempts=3)


def run(status: str = "running", attempt: int = 1, beat: datetime = T0, ended=None) -> dict:
    return {
        "status": status,
        "attempt": attempt,
        "heartbeat_at": beat.isoformat(),
        "ended_at": ended.isoformat() if ended else None,
    }


def test_a_fresh_heartbeat_means_busy():
    assert verdict(run(), T0 + timedelta(seconds=59), POLICY) == "busy"


def test_a_stale_run_waits_out_its_backoff_then_is_taken_over():
    # stale at +60 s; first attempt's backoff 10 s
    assert verdict(run(), T0 + timedelta(seconds=65), POLICY) == "wait"
    assert verdict(run(), T0 + timedelta(seconds=70), POLICY) == "take_over"


def test_the_backoff_doubles_with_each_attempt():
    assert POLICY.backoff_after(1) == timedelta(seconds=10)
    assert POLICY.backoff_after(2) == timedelta(seconds=20)
    assert verdict(run(attempt=2), T0 + timedelta(seconds=79), POLICY) == "wait"
    assert verdict(run(attempt=2), T0 + timedelta(seconds=80), POLICY) == "take_over"
    assert ready_at(run(attempt=2), POLICY) == T0 + timedelta(seconds=80)


def test_a_failed_attempt_is_retried_after_the_backoff_from_its_end():
    ended = T0 + timedelta(seconds=5)
    doc = run("retrying", ended=ended)
    assert verdict(doc, ended + timedelta(seconds=9), POLICY) == "wait"
    assert verdict(doc, ended + timedelta(seconds=10), POLICY) == "take_over"


def test_after_the_last_attempt_the_claimant_gives_up():
    assert verdict(run(attempt=3), T0 + timedelta(hours=1), POLICY) == "give_up"
    assert verdict(run("retrying", attempt=3, ended=T0), T0 + timedelta(hours=1), POLICY) == (
        "give_up"
    )
    # while the last attempt still beats, it is busy, not given up
    assert verdict(run(attempt=3), T0 + timedelta(seconds=1), POLICY) == "busy"


def test_finished_runs_are_left_alone():
    assert verdict(run("succeeded"), T0 + timedelta(days=1), POLICY) == "done"
    assert verdict(run("failed", attempt=3), T0 + timedelta(days=1), POLICY) == "failed"
    assert ready_at(run("succeeded"), POLICY) is None


def test_heartbeats_are_well_inside_the_stale_period():
    assert POLICY.heartbeat_every == 15.0


@pytest.mark.parametrize(
    ("utc", "day", "resume_only"),
    [
        # 06:00 IST is 00:30 UTC
        (datetime(2026, 12, 2, 0, 29, tzinfo=UTC), date(2026, 12, 1), True),
        (datetime(2026, 12, 2, 0, 30, tzinfo=UTC), date(2026, 12, 2), False),
        # 23:59 IST on the 2nd is still the 2nd; 18:30 UTC is midnight in India
        (datetime(2026, 12, 2, 18, 29, tzinfo=UTC), date(2026, 12, 2), False),
        (datetime(2026, 12, 2, 18, 30, tzinfo=UTC), date(2026, 12, 2), True),
    ],
)
def test_the_run_hour_is_on_the_indian_clock(utc, day, resume_only):
    got = due(utc, run_hour=6)
    assert (got.day, got.resume_only) == (day, resume_only)
