"""Found by the crash runs with two hosts on one storage account (as two Function instances
are): a run that read an import before another run claimed and finished it set it back to
``processing`` for good, its file already moved out of ``incoming/``, so no sweep ever took it
up again. A claim now checks the stored import it is conditioned on."""

from __future__ import annotations

import uuid

import pytest

from shared.ingest.bulk import import_records, runner

pytestmark = pytest.mark.integration


def _queued(store) -> dict:
    import_id = uuid.uuid4().hex
    doc = import_records.new(
        import_id,
        "sales.csv",
        f"incoming/{import_id}/sales.csv",
        kind="sales",
        strict=False,
        actor="test",
    )
    import_records.create(store, doc)
    return import_records.get(store, import_id)


def test_a_stale_claim_does_not_reopen_a_finished_import(store):
    seen = _queued(store)  # what the late run read
    assert runner._claim(store, dict(seen))  # the other run claims it ...
    import_records.update(store, seen["id"], status="imported")  # ... and finishes
    assert not runner._claim(store, seen)
    assert import_records.get(store, seen["id"])["status"] == "imported"


def test_a_stale_claim_does_not_take_an_import_another_run_is_on(store):
    seen = _queued(store)
    assert runner._claim(store, dict(seen))
    assert not runner._claim(store, seen)


def test_a_queued_import_is_claimed_once(store):
    seen = _queued(store)
    assert runner._claim(store, seen)
    assert import_records.get(store, seen["id"])["status"] == "processing"
