"""Every file of the malformed corpus (``tests/fixtures/malformed``) ends ``imported`` or
``rejected`` within one sweep, on Azurite and the local Cosmos server, with a reason or a row
error that names the row and the problem; none is left ``processing``. A file that fails for
another reason is tried at most three times, then rejected with its last error."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from shared.adapters.blob import imports_store
from shared.core.errors import ServiceUnavailable
from shared.ingest.bulk import import_pipeline, import_records, runner, writer

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "malformed"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


@pytest.fixture(scope="module")
def blobs(env):
    store = imports_store()
    store.ensure_container()
    return store


@pytest.fixture(scope="module")
def swept(store, blobs):
    """The whole corpus dropped into ``incoming/`` and one sweep: import id -> file."""
    mp = pytest.MonkeyPatch()
    mp.setattr(runner, "STALE", timedelta(0))  # the sweep takes files as soon as they land
    names = {}
    try:
        for path in sorted(CORPUS.iterdir()):
            if path.name == "expected.json":
                continue
            name = f"incoming/{path.name}"
            blobs.upload_stream(name, [path.read_bytes()])
            names[runner.import_id_of(blobs.info(name))] = path.name
        import_pipeline.sweep()
    finally:
        mp.undo()
    return names


def _reported_rows(blobs, doc) -> set[int]:
    report = json.loads(blobs.get_bytes(doc["report"]["json"]))
    return {int(e["row"]) for e in report["errors"]}


def test_the_corpus_is_described_completely():
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.json"}
    assert files == set(EXPECTED)


def test_every_file_ends_within_one_sweep_with_the_row_and_the_problem(store, blobs, swept):
    outcomes = {swept[i]: import_records.get(store, i) for i in swept}
    assert {n: d["status"] for n, d in outcomes.items()} == {
        n: e["status"] for n, e in EXPECTED.items()
    }
    for name, doc in outcomes.items():
        want = EXPECTED[name]
        assert doc["attempts"] == 1, name
        assert not blobs.list_names(f"incoming/{name}")
        if doc["status"] == "rejected":
            assert want["reason"] in doc["reason"], (name, doc["reason"])
            assert blobs.info(f"errors/{doc['id']}/{name}") is not None
        else:
            assert blobs.info(f"processed/{doc['id']}/{name}") is not None
        if "valid" in want:
            assert doc["counts"]["valid"] == want["valid"], (name, doc["counts"])
        if "error_rows" in want:
            assert _reported_rows(blobs, doc) == set(want["error_rows"]), name
        if "rule" in want:
            rules = " | ".join(str(e["rule"]) for e in doc["errors_sample"])
            assert want["rule"] in rules, (name, rules)


def test_a_row_with_an_extra_cell_shifts_no_other_row(store, swept):
    by_name = {f: i for i, f in swept.items()}
    doc = import_records.get(store, by_name["extra_cell_first_row.csv"])
    assert doc["counts"]["invalid"] == 1 and doc["counts"]["valid"] == 5
    (error,) = doc["errors_sample"]
    assert error["row"] == 2 and error["rule"].startswith("extra cells")


def test_a_file_that_keeps_failing_is_tried_three_times_then_rejected(store, blobs, monkeypatch):
    monkeypatch.setattr(runner, "STALE", timedelta(0))
    name = "incoming/outage_sales.csv"
    blobs.upload_stream(
        name, [b"date,product_id,channel,quantity_sold,revenue\n2026-11-21,MF-OUT,pos,2,200\n"]
    )
    import_id = runner.import_id_of(blobs.info(name))

    def outage(*args, **kwargs):
        raise ServiceUnavailable("cosmos unavailable: 503 from the test")

    monkeypatch.setattr(writer, "append_all", outage)
    for attempt in range(1, runner.MAX_ATTEMPTS + 1):
        import_pipeline.sweep()
        doc = import_records.get(store, import_id)
        assert doc["status"] == "failed" and doc["attempts"] == attempt
        assert "503 from the test" in doc["last_error"]
        assert blobs.info(name) is not None  # still in incoming/ for the next sweep
    import_pipeline.sweep()
    doc = import_records.get(store, import_id)
    assert doc["status"] == "rejected" and doc["attempts"] == runner.MAX_ATTEMPTS
    assert doc["reason"].startswith("gave up after 3 attempts") and "503" in doc["reason"]
    assert blobs.info(name) is None
    assert blobs.info(f"errors/{import_id}/outage_sales.csv") is not None
    import_pipeline.sweep()  # nothing left: never a fourth attempt
    assert import_records.get(store, import_id)["attempts"] == runner.MAX_ATTEMPTS
