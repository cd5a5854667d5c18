"""Handle one file of ``incoming/``: validate, write events, report, move it on.

Steps, each safe to repeat: claim the import (ETag) -> stream the blob to a temporary file ->
detect the kind and check the columns -> validate every row -> write the events (idempotent
creates) -> write the report beside the file in ``processed/`` or ``errors/`` -> move the file
-> record the outcome. The file leaves ``incoming/`` only after everything else is done, so a
crash at any step leaves it there for the sweep, and the repeat creates only what is missing.

Every file ends ``imported`` or ``rejected``: a file that cannot be read as a whole (not text,
no header, a workbook under a .csv name) is rejected with the reason and the row; a row that
cannot be read is that row's error. An attempt that fails for another reason (an outage, a
crash) is counted on the import (``attempts``) with its error (``last_error``); the sweep takes
it up again, at most ``MAX_ATTEMPTS`` times in all, then rejects it with the last error.

Blob names: ``incoming/<import id>/<file>`` for uploads (the import record exists already), or
``incoming/<file>`` for files dropped by other tools (the id is derived from name and ETag).
Metadata ``kind``, ``strict`` and ``preset`` carry the upload's options. A file imported with a
preset (an order export, ``orders``) is an order export whatever its columns; one whose header
has a saved preset's fingerprint is too, unless the upload named another kind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from shared.adapters.blob import BlobInfo, BlobStore
from shared.adapters.cosmos import Store
from shared.core.errors import (
    Conflict,
    MissingColumns,
    NotFound,
    ReSightError,
    ServiceUnavailable,
)
from shared.core.errors import ImportRejected as Rejected
from shared.core.records import utcnow
from shared.core.settings import Settings
from shared.ingest.bulk import dedupe, files, orders, workbook, writer
from shared.ingest.bulk import import_records as ledger
from shared.ingest.bulk import outcome as outcome_mod
from shared.ingest.bulk.events import PLANNERS, USED_COLUMNS, Planned, to_utc
from shared.ingest.bulk.outcome import ErrorSink, marketplaces, strict_failure
from shared.ingest.bulk.schemas import CSV_KINDS, Kind
from shared.ingest.bulk.validate import RowError, check_columns, validate

log = logging.getLogger("resight.imports")
INCOMING, PROCESSED, ERRORS = "incoming/", "processed/", "errors/"
# An import still "processing" after this long without progress was abandoned (a crash).
STALE = timedelta(minutes=2)
# Attempts at one file (trigger, redelivery or sweep); then it is rejected with the last error.
MAX_ATTEMPTS = 3
WARNINGS_SAMPLE = 50  # warnings kept on the import record; the report keeps REPORT_ERRORS
_ID = re.compile(r"^[a-z0-9]{8,40}$")


def import_id_of(info: BlobInfo) -> str:
    parts = PurePosixPath(info.name).parts
    if info.metadata.get("import_id"):
        return info.metadata["import_id"]
    if len(parts) == 3 and _ID.match(parts[1]):
        return parts[1]
    return hashlib.sha256(f"{info.name}|{info.etag}".encode()).hexdigest()[:24]


def process(store: Store, blobs: BlobStore, name: str, settings: Settings) -> dict | None:
    """Import one blob of ``incoming/``; None when there is nothing (left) to do."""
    if not name.startswith(INCOMING) or files.is_ignored(name):
        return None
    info = blobs.info(name)
    if info is None:
        return None  # handled already (a redelivered trigger, or the sweep got there first)
    import_id = import_id_of(info)
    file_name = PurePosixPath(name).name
    doc = ledger.get_or_none(store, import_id)
    if doc is None:
        doc = ledger.new(
            import_id,
            file_name,
            name,
            kind=info.metadata.get("kind") or None,
            strict=info.metadata.get("strict", "").lower() == "true",
            actor=info.metadata.get("actor", "blob"),
            preset=info.metadata.get("preset") or None,
        )
        ledger.create(store, doc)
        doc = ledger.get(store, import_id)
    if doc["status"] in ledger.TERMINAL:
        _move(blobs, name, doc)  # the crash came after the outcome was recorded
        return doc
    spent = int(doc.get("attempts") or 0) >= MAX_ATTEMPTS
    if not _claim(store, doc, count=not spent):
        return None
    if spent:
        return _give_up(store, blobs, info, doc)
    return _run(store, blobs, info, doc, settings)


def _claim(store: Store, doc: dict[str, Any], *, count: bool = True) -> bool:
    """Take the import unless another instance is on it (recent progress); ``count`` it as
    one more attempt."""
    if doc["status"] == "processing":
        updated = datetime.fromisoformat(doc["updated_at"])
        if utcnow() - updated < STALE:
            return False
    try:
        # Another run may have finished (or claimed) it since ``doc`` was read: a claim of a
        # finished import would set it back to processing for good, the file already moved.
        ledger.update(
            store,
            doc["id"],
            unless=lambda now: (
                now["status"] in ledger.TERMINAL
                or (now["status"] == "processing" and now["updated_at"] != doc["updated_at"])
            ),
            status="processing",
            progress={"phase": "reading", "rows_done": 0, "rows_total": None},
            **({"attempts": int(doc.get("attempts") or 0) + 1} if count else {}),
        )
    except Conflict:
        return False
    return True


def _give_up(store: Store, blobs: BlobStore, info: BlobInfo, doc: dict[str, Any]) -> dict:
    """The file failed ``MAX_ATTEMPTS`` times: rejected with the last error, never retried."""
    last = doc.get("last_error") or "the import stopped without finishing (the worker ended)"
    outcome: dict[str, Any] = {
        "status": "rejected",
        "reason": f"gave up after {MAX_ATTEMPTS} attempts; the last error: {last}",
        "kind": doc.get("kind"),
        "counts": doc.get("counts") or {},
        "errors_sample": doc.get("errors_sample") or [],
        "progress": {"phase": "done", "rows_done": 0, "rows_total": None},
    }
    with tempfile.TemporaryDirectory(prefix="resight-import-") as tmp:
        report = _write_report(blobs, ERRORS, doc, outcome, Path(tmp) / "errors.csv")
    final = ledger.update(
        store, doc["id"], **outcome, report=report, finished_at=utcnow().isoformat()
    )
    _move(blobs, info.name, final)
    log.warning("import %s rejected after %d attempts: %s", doc["id"], MAX_ATTEMPTS, last)
    return final


def _run(
    store: Store, blobs: BlobStore, info: BlobInfo, doc: dict[str, Any], settings: Settings
) -> dict:
    import_id = doc["id"]
    suffix = Path(doc["file"]).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="resight-import-") as tmp:
        path = Path(tmp) / f"file{suffix}"
        errors_path = Path(tmp) / "errors.csv"
        sink = ErrorSink(errors_path)
        try:
            # A browser uploading straight to Blob (``upload.reserve``) is not size-checked on
            # the way in: a SAS link cannot cap the size, so the file is refused here.
            if info.size > settings.import_max_bytes:
                raise Rejected(
                    f"the file is {info.size} bytes; the limit is {settings.import_max_bytes}"
                )
            with open(path, "wb") as handle:
                blobs.download_to(info.name, handle)
            # An order export is recognised by its preset (named, or by the header's
            # fingerprint) before ReSight's own kinds are looked for.
            preset = orders.preset_for(store, path, doc)
            if preset is not None:
                outcome = orders.run(store, path, doc, preset, settings, sink)
            elif files.is_workbook(doc["file"]):
                outcome = workbook.run(store, blobs, path, doc, info, settings, sink)
            else:
                outcome = _csv(store, path, doc, settings, sink)
        except (Rejected, files.UnknownKind, MissingColumns) as exc:
            outcome = {
                "status": "rejected",
                "reason": str(exc),
                "kind": ledger.get(store, import_id).get("kind"),
                "counts": getattr(exc, "counts", {}),
                "errors_sample": getattr(exc, "sample", []),
                "progress": {"phase": "done", "rows_done": 0, "rows_total": None},
            }
        except Exception as exc:
            _failed(store, import_id, exc)
            raise
        finally:
            sink.close()
        folder = PROCESSED if outcome["status"] == "imported" else ERRORS
        report = _write_report(blobs, folder, doc, outcome, errors_path)
    outcome.pop("warnings", None)  # all of them are in the report; a sample on the record
    final = ledger.update(
        store,
        import_id,
        **outcome,
        report=report,
        finished_at=utcnow().isoformat(),
    )
    _move(blobs, info.name, final)
    log.info("import %s %s: %s", import_id, final["status"], final.get("counts"))
    return final


def _failed(store: Store, import_id: str, exc: Exception) -> None:
    """Record why this attempt failed. An outage leaves the import ``failed`` for the next
    sweep; anything else (the worker may be going down) leaves it ``processing``, taken up
    again once stale."""
    fields: dict[str, Any] = {"last_error": f"{type(exc).__name__}: {exc}"[:500]}
    if isinstance(exc, ServiceUnavailable):
        fields["status"] = "failed"
    with contextlib.suppress(ReSightError):  # the store may be what failed
        ledger.update(store, import_id, **fields)


def _move(blobs: BlobStore, name: str, doc: dict[str, Any]) -> None:
    if doc.get("raw_buyer_keys"):
        # An order export with buyer keys: ReSight keeps their salted hashes only, never the
        # file that holds them as written.
        blobs.delete(name)
        return
    folder = PROCESSED if doc["status"] == "imported" else ERRORS
    with contextlib.suppress(NotFound):  # moved already
        blobs.move(name, f"{folder}{doc['id']}/{doc['file']}")


# -- CSV ----------------------------------------------------------------------------------------
def _csv(
    store: Store, path: Path, doc: dict[str, Any], settings: Settings, sink: ErrorSink
) -> dict[str, Any]:
    tz = settings.import_timezone
    try:
        frame, kind, rows, in_file = _read_csv(store, path, doc, tz, sink)
    except (Rejected, files.UnknownKind, MissingColumns, ReSightError):
        raise
    except Exception as exc:
        # Reading touches nothing but the file: whatever else goes wrong here is the file's.
        log.exception("import %s: reading failed", doc["id"])
        raise Rejected(f"the file could not be read: {type(exc).__name__}: {exc}") from exc
    counts: dict[str, Any] = {"rows": rows, "valid": rows - sink.count, "invalid": sink.count}
    sink.close()
    if sink.count and doc["strict"]:
        raise strict_failure(counts, sink)
    if rows and not rows - sink.count:
        raise _none_valid(counts, sink)
    frame, earlier = dedupe.drop_earlier(store, kind, frame, tz, doc["id"])
    duplicates = sorted(in_file + earlier, key=lambda d: d.row)
    counts["duplicates"] = len(duplicates)
    progress = ledger.Progress(store, doc["id"], rows, "writing")
    progress.done = sink.count + len(duplicates)  # done: reported, never written
    marketplace_of = marketplaces(store, settings)
    planned: Iterator[Planned] = (
        PLANNERS[kind.name](frame, marketplace_of, tz, utcnow()) if len(frame) else iter(())
    )
    written = writer.append_all(
        store, planned, on_rows=lambda n: progress.advance(n), import_id=doc["id"]
    )
    counts.update(events_new=written.created, events_duplicate=written.duplicates)
    warnings = [d.to_dict(kind) for d in duplicates[: outcome_mod.REPORT_ERRORS]]
    return {
        "status": "imported",
        "reason": None,
        "kind": kind.name,
        "counts": counts,
        "errors_sample": sink.sample,
        "warnings": warnings,
        "warnings_sample": warnings[:WARNINGS_SAMPLE],
        "covers": _covers(frame, tz),
        "progress": {"phase": "done", "rows_done": rows, "rows_total": rows},
    }


def _read_csv(
    store: Store, path: Path, doc: dict[str, Any], tz: str, sink: ErrorSink
) -> tuple[pd.DataFrame, Kind, int, list[dedupe.Duplicate]]:
    """(valid rows, first of each natural key, with their keys; the kind; the data rows
    read; the rows dropped as repeats within the file). Row errors go to ``sink``."""
    encoding = files.sniff(path)
    header = files.csv_header(path, encoding)
    kind = files.detect_csv_kind(doc["file"], header, doc.get("kind"))
    ledger.update(store, doc["id"], kind=kind.name)
    check_columns(kind, header)
    progress = ledger.Progress(store, doc["id"], files.count_rows(path), "validating")
    progress.flush()
    seen = dedupe.InFile()
    valid: list[pd.DataFrame] = []
    rows = 0
    for chunk in files.csv_chunks(path, header, encoding):
        errors = list(chunk.errors)
        if len(chunk.frame):
            good, bad = validate(kind, chunk.frame, 2)
            errors += bad
            good = good[list(USED_COLUMNS[kind.name])]
            valid.append(seen.drop(dedupe.with_keys(kind, good, tz)))
        sink.add(sorted(errors, key=lambda e: e.row))
        rows += len(chunk.frame) + len(chunk.errors)
        # Rows count as done once written or reported (the writing phase); while they are
        # checked the count stays 0 and the page says "Checking N rows". The flush still marks
        # the import alive, so a long check is not taken for a stale one.
        progress.advance(0)
    if not rows:
        raise Rejected("row 2: the file has a header and no rows")
    if not valid:
        return pd.DataFrame(columns=[*USED_COLUMNS[kind.name], dedupe.KEY]), kind, rows, []
    frame = pd.concat(valid)
    return frame, kind, rows, seen.found


def _none_valid(counts: dict[str, Any], sink: ErrorSink) -> Rejected:
    first = sink.head[0] if sink.head else {}
    where = f"row {first.get('row')}" + (
        f", {first['column']}" if first.get("column") not in (None, files.WHOLE_ROW) else ""
    )
    exc = Rejected(
        f"none of the {counts['rows']} rows is valid; the first problem: {where}: "
        f"{first.get('rule')} (see the report for every row)"
    )
    exc.counts = counts  # type: ignore[attr-defined]
    exc.sample = sink.sample  # type: ignore[attr-defined]
    return exc


def _covers(frame: pd.DataFrame, tz: str) -> dict[str, str] | None:
    """The first and last day (in the seller's time zone) of the rows written."""
    if frame.empty:
        return None
    days = to_utc(frame["date"], tz).dt.tz_convert(tz).dt.date
    return {"first": days.min().isoformat(), "last": days.max().isoformat()}


# -- shared -------------------------------------------------------------------------------------
def _write_report(
    blobs: BlobStore, folder: str, doc: dict[str, Any], outcome: dict[str, Any], errors_path: Path
) -> dict[str, Any]:
    base = f"{folder}{doc['id']}/{doc['file']}"
    errors_blob = None
    if errors_path.exists() and errors_path.stat().st_size > len("row,column,value,rule\r\n"):
        errors_blob = f"{base}.errors.csv"
        with open(errors_path, "rb") as handle:
            blobs.upload_stream(errors_blob, iter(lambda: handle.read(1 << 20), b""))
    head: list[dict[str, object]] = []
    if errors_blob:
        with open(errors_path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for i, row in enumerate(reader):
                if i >= outcome_mod.REPORT_ERRORS:
                    break
                head.append(row)
    kind = outcome.get("kind")
    expected = CSV_KINDS.get(kind or "")
    report = {
        "import_id": doc["id"],
        "file": doc["file"],
        "kind": kind,
        "status": outcome["status"],
        "reason": outcome.get("reason"),
        "strict": doc["strict"],
        "counts": outcome.get("counts"),
        "columns": {"required": expected.required, "optional": expected.optional}
        if expected
        else None,
        "errors": head,
        "errors_truncated": bool(errors_blob) and len(head) >= outcome_mod.REPORT_ERRORS,
        "warnings": outcome.get("warnings") or [],
        "finished_at": datetime.now(UTC).isoformat(),
    }
    report_blob = f"{base}.report.json"
    blobs.put(report_blob, json.dumps(report, indent=2, default=str))
    return {"json": report_blob, "errors_csv": errors_blob}


def upload_name(import_id: str, file_name: str) -> str:
    return f"{INCOMING}{import_id}/{file_name}"


def pending(blobs: BlobStore) -> list[BlobInfo]:
    return [b for b in blobs.list_info(INCOMING) if not files.is_ignored(b.name)]


def errors_csv_bytes(errors: list[RowError]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["row", "column", "value", "rule"])
    for e in errors:
        w.writerow([e.row, e.column, e.value, e.rule])
    return out.getvalue().encode()
