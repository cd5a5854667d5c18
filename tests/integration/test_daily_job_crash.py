"""Crash and resume: a worker running the daily job is killed (SIGKILL) after the alerts step
has sent its messages but before the ledger recorded the step. The next tick takes the stale
run over, skips the finished snapshot step, re-runs the alerts step, and nothing is
duplicated: no second snapshot for the day, no second message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.inventory import daily
from shared.jobs import run_ledger
from tests.integration.conftest import DevHost, eventually, stop_devhost
from tests.integration.helpers import principal
from tests.integration.jobs_helpers import GraphFake, seed_danger, start_job_devhost, today

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def host(env, store, monkeypatch_module, tmp_path_factory) -> Iterator[DevHost]:
    h = start_job_devhost(env, monkeypatch_module, tmp_path_factory.mktemp("crash"))
    yield h
    stop_devhost(h)


def test_a_killed_run_resumes_without_duplicates(host, store):
    graph = GraphFake(host.env["WhatsApp__baseUrl"])
    items = seed_danger(store, "CR")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.job_worker", "alerts"],
        cwd=ROOT,
        env={**os.environ, **host.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        assert line.strip() == "worked alerts", line
        # the worker holds the run: snapshot done, alerts sent but not recorded
        held = run_ledger.get(store, "daily", today())
        assert held["status"] == "running" and held["attempt"] == 1
        assert held["steps"]["snapshot"]["status"] == "done"
        assert held["steps"]["alerts"]["status"] == "running"
        assert len(graph.messages()) == 6
        snapshot_before = {
            d["id"]: d["_ts"]
            for d in daily.day_docs(store, today())
            if d["item_id"] in items.values()
        }
        assert len(snapshot_before) == 3
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        if worker.stdout is not None:
            worker.stdout.close()

    master = {"x-functions-key": host.keys["master"]}
    with host.client() as c:

        def resumed():
            # ticks until the run's heartbeat is stale (4 s) and a tick takes it over
            assert c.post("/admin/functions/daily_job", headers=master).status_code == 202
            (run,) = c.get("/api/jobs", headers=principal("analyst")).json()["runs"]
            return run if run["status"] == "succeeded" else None

        run = eventually(resumed, timeout=60, interval=1)

    assert run["attempt"] == 2 and run["attempts"][0]["outcome"] == "stale"
    steps = {s["name"]: s for s in run["steps"]}
    assert steps["snapshot"]["attempt"] == 1  # not run again
    assert steps["alerts"]["attempt"] == 2 and steps["alerts"]["status"] == "done"
    result = steps["alerts"]["result"]
    assert (result["created"], result["duplicates"], result["sent"]) == (0, 2, 0)
    snapshot_after = {
        d["id"]: d["_ts"] for d in daily.day_docs(store, today()) if d["item_id"] in items.values()
    }
    assert snapshot_after == snapshot_before  # the same documents, not rewritten
    assert len(graph.messages()) == 6  # no second alert
