"""The fault seam answers as the services do (429 with x-ms-retry-after-ms, 503, timeouts,
refused connections), ends at ``until``, logs writes but not reads or queries, and is absent
unless a plan file is set."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import HttpRequest

from shared.adapters import faults

pytestmark = pytest.mark.unit


@pytest.fixture()
def plan(tmp_path):
    path = tmp_path / "plan.json"

    def write(body: dict) -> faults.Plan:
        path.write_text(json.dumps(body))
        return faults.Plan(str(path))

    return write


def _send(plan: faults.Plan, method: str = "POST", headers: dict | None = None):
    request = HttpRequest(method, "https://127.0.0.1:9/dbs/d/colls/events/docs", headers=headers)
    return faults.FaultTransport(plan, "cosmos").send(request)


def test_a_throttle_answers_429_with_the_retry_after_header(plan):
    answer = _send(plan({"cosmos": {"kind": "throttle", "retry_after_ms": 75}}))
    assert answer.status_code == 429
    assert answer.headers["x-ms-retry-after-ms"] == "75"


def test_unavailable_timeouts_and_outages(plan):
    assert _send(plan({"cosmos": {"kind": "unavailable"}})).status_code == 503
    with pytest.raises(ServiceResponseError):
        _send(plan({"cosmos": {"kind": "timeout", "delay_s": 0}}))
    with pytest.raises(ServiceRequestError):
        _send(plan({"cosmos": {"kind": "down"}}))


def test_a_fault_ends_at_until_and_spares_other_services(plan):
    ended = plan({"cosmos": {"kind": "down", "until": time.time() - 1}})
    assert ended.fault("cosmos") is None
    blob_only = plan({"blob": {"kind": "down"}})
    assert blob_only.fault("cosmos") is None and blob_only.fault("blob") is not None


def test_writes_are_logged_with_their_thread_but_reads_and_queries_are_not(plan, tmp_path):
    log = tmp_path / "writes.log"
    p = plan({"write_log": str(log)})
    p.log_write("cosmos", "GET", "https://x/dbs/d/colls/events/docs/1")
    p.log_write("cosmos", "POST", "https://x/dbs/d/colls/events/docs", is_query=True)
    worker = threading.Thread(
        target=p.log_write, args=("cosmos", "POST", "https://x/dbs/d/colls/events/docs"), name="w1"
    )
    worker.start()
    worker.join()
    assert log.read_text() == "w1 cosmos POST /dbs/d/colls/events/docs\n"


def test_the_signalr_session_refuses_while_down(plan, monkeypatch, tmp_path):
    p = plan({"signalr": {"kind": "down"}})
    monkeypatch.setenv("FAULT_INJECTION_FILE", p.path)
    session = faults.session("signalr")
    assert session is not None
    with pytest.raises(requests.ConnectionError):
        session.post("http://127.0.0.1:9/api/hubs/h/:send", data=b"{}", timeout=1)


def test_no_plan_file_no_seam(monkeypatch):
    monkeypatch.delenv("FAULT_INJECTION_FILE", raising=False)
    assert faults.transport("cosmos") == {} and faults.session("signalr") is None
