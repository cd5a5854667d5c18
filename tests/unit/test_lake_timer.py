"""The lake timer records each run in the job ledger: the lake job is handed the recorder,
since the ledger sits above the lake."""

from __future__ import annotations

import pytest

import functions.lake as lake_functions
from shared.jobs import lake_runs

pytestmark = pytest.mark.unit


def test_each_dataset_s_lake_run_is_recorded_in_the_job_ledger(monkeypatch):
    calls = []
    monkeypatch.setattr(lake_functions.demo, "datasets_to_run", lambda: ["seller", "demo"])
    monkeypatch.setattr(lake_functions, "get_store", lambda: "store")
    monkeypatch.setattr(lake_functions, "get_settings", lambda: "settings")
    monkeypatch.setattr(
        lake_functions.job, "run", lambda store, settings, now, **kw: calls.append(kw["record"])
    )
    lake_functions.lake_job(None)  # type: ignore[arg-type]
    assert calls == [lake_runs.record, lake_runs.record]
