"""Run a claimed run's steps in order, skipping those the ledger says are done.

A heartbeat thread keeps the run's heartbeat fresh while a step works (a long step must not
look dead); when it learns the run was taken over it stops, and the runner stops before its
next step. Steps are idempotent, so a step that two instances both ran (one of them too slow
to beat) writes the same output twice, never two outputs.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.core.errors import LeaseLost
from shared.jobs.run_ledger import Run

log = logging.getLogger("resight.jobs")
C = TypeVar("C")
Step = tuple[str, Callable[[C], dict[str, Any]]]


@dataclass
class Outcome:
    run_id: str
    status: str  # succeeded | retrying | failed | lost
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None


class _Heartbeat(threading.Thread):
    def __init__(self, run: Run, every: float) -> None:
        super().__init__(name=f"heartbeat-{run.id}", daemon=True)
        self.run_, self.every = run, every
        self.stop = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                self.run_.heartbeat()
            except LeaseLost:
                self.lost.set()
                return
            except Exception:  # an outage: the next beat may get through
                log.warning("heartbeat of %s failed", self.run_.id, exc_info=True)


def run_steps(run: Run, steps: Sequence[Step[C]], context: C) -> Outcome:
    """Run what is left of ``run``. A step that raises ends the attempt (``retrying`` or
    ``failed`` in the ledger); a lost lease ends it silently (the new holder carries on)."""
    outcome = Outcome(run.id, "succeeded")
    done = run.done_steps()
    beat = _Heartbeat(run, run.policy.heartbeat_every)
    beat.start()
    try:
        for name, step in steps:
            if name in done:
                outcome.skipped.append(name)
                continue
            if beat.lost.is_set():
                raise LeaseLost(f"run {run.id} was taken over")
            run.start_step(name)
            started = time.perf_counter()
            result = step(context)
            run.step_done(name, result or {}, time.perf_counter() - started)
            outcome.ran.append(name)
            log.info("%s: step %s done (attempt %d)", run.id, name, run.attempt)
        run.succeed()
    except LeaseLost as exc:
        log.warning("%s: %s", run.id, exc)
        outcome.status = "lost"
    except Exception as exc:
        log.exception("%s: a step failed", run.id)
        outcome.error = f"{type(exc).__name__}: {exc}"
        try:
            outcome.status = run.fail(outcome.error + "\n" + traceback.format_exc(limit=5))
        except LeaseLost:
            outcome.status = "lost"
    finally:
        beat.stop.set()
    return outcome
