"""``shared.core.retry``: the one retry-with-backoff, on a fake clock and a recorded sleep."""

from __future__ import annotations

import pytest

from shared.core import retry
from tests.fakes import FakeTime

pytestmark = pytest.mark.unit


def _script(*outcomes):
    calls = iter(outcomes)

    def attempt():
        outcome = next(calls)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return attempt


def test_a_value_asked_again_is_retried_with_doubling_pauses_then_the_last_one_stands():
    t = FakeTime()
    result = retry.call(
        _script("busy", "busy", "busy", "busy"),
        attempts=4,
        wait=retry.doubling(1.0),
        again=lambda r: r == "busy",
        clock=t.clock,
        sleep=t.sleep,
    )
    assert result == "busy" and t.sleeps == [1.0, 2.0, 4.0]


def test_a_value_not_asked_again_ends_it():
    t = FakeTime()
    result = retry.call(
        _script("busy", "ok"),
        attempts=4,
        wait=retry.doubling(0.5),
        again=lambda r: r == "busy",
        sleep=t.sleep,
    )
    assert result == "ok" and t.sleeps == [0.5]


def test_named_exceptions_are_retried_with_steps_and_the_last_is_raised():
    t = FakeTime()
    with pytest.raises(KeyError, match="third"):
        retry.call(
            _script(KeyError("first"), KeyError("second"), KeyError("third")),
            attempts=3,
            wait=retry.steps(0.05, 0.2),
            retry_on=KeyError,
            sleep=t.sleep,
        )
    assert t.sleeps == [0.05, 0.2]
    assert (
        retry.call(
            _script(KeyError("x"), KeyError("y"), KeyError("z"), "done"),
            attempts=5,
            wait=retry.steps(0.05, 0.2),
            retry_on=KeyError,
            sleep=t.sleep,
        )
        == "done"
    )
    assert t.sleeps[2:] == [0.05, 0.2, 0.2]  # the last step repeats


def test_other_exceptions_propagate_at_once():
    t = FakeTime()
    with pytest.raises(ValueError):
        retry.call(
            _script(ValueError("bug"), "never"),
            attempts=3,
            wait=retry.doubling(1),
            retry_on=KeyError,
            sleep=t.sleep,
        )
    assert t.sleeps == []


def test_a_pause_that_would_end_at_the_deadline_is_not_taken():
    t = FakeTime()
    result = retry.call(
        _script("busy", "busy", "busy", "ok"),
        attempts=10,
        wait=retry.doubling(1.0),
        again=lambda r: r == "busy",
        deadline=3.5,
        clock=t.clock,
        sleep=t.sleep,
    )
    # 0 -> pause 1 -> 1 -> pause 2 -> 3; the next pause (4) would end after 3.5.
    assert result == "busy" and t.sleeps == [1.0, 2.0]
