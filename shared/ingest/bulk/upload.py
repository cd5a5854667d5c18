"""Two ways in for a file, up to ``IMPORT_MAX_BYTES``:

- ``reserve`` (``POST /api/imports/uploads``, what the dashboard uses): the import is recorded
  as ``queued`` and the caller gets a short-lived, write-only SAS link to
  ``incoming/<import id>/<file>``; the browser sends the file straight to Blob, so no function
  ever holds it (the Functions host buffers a request body whole). The blob trigger does the
  rest, as for any file in ``incoming/``, and refuses a file over the limit.
- ``receive`` (``POST /api/imports``, for scripts and curl): multipart (field ``file``, optional
  ``kind`` and ``strict``) or the raw body (``?name=``).

The file goes to Blob in blocks (``BlobStore.upload_stream``): the parser hands over slices
of the request as it finds them and nothing is copied whole. The import is recorded as
``queued`` before the blob lands, so the blob trigger finds its options (kind, strict, who)
on the record and in the blob's metadata.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.adapters.blob import BLOCK_BYTES, BlobStore
from shared.adapters.cosmos import Store
from shared.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from shared.ingest.bulk import import_records, presets, runner
from shared.ingest.bulk.orders import KIND as ORDERS
from shared.ingest.bulk.schemas import CSV_KINDS

_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")
KINDS = (*CSV_KINDS, "daily_update", ORDERS)


def safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE.sub("_", base).strip(" .")[:120]
    if not cleaned:
        raise ValidationFailed("the file needs a name", field="file")
    return cleaned


# How long a reserved upload link stays valid: long enough for 50 MB on a slow connection.
UPLOAD_LINK_TTL = timedelta(minutes=30)
# A PUT that started just before the link expired may still be landing.
EXPIRY_GRACE = timedelta(minutes=10)


def reserve(
    store: Store,
    blobs: BlobStore,
    *,
    name: str,
    size: int,
    kind: str | None,
    strict: bool,
    actor: str,
    max_bytes: int,
    preset: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record a queued import and sign the link its file is uploaded to: (record, upload)."""
    if size > max_bytes:
        raise PayloadTooLarge(f"the file is {size} bytes; the limit is {max_bytes}")
    if size <= 0:
        raise ValidationFailed("the file is empty", field="size")
    doc = _record(store, name, kind, strict=strict, actor=actor, preset=preset)
    link = blobs.write_link(doc["blob"], UPLOAD_LINK_TTL)
    upload = {
        "method": "PUT",
        "url": link.url,
        "headers": {"x-ms-blob-type": "BlockBlob"},
        "expires_at": link.expires_at.isoformat(),
    }
    return doc, upload


def expire_reservations(store: Store, blobs: BlobStore, now: datetime) -> list[str]:
    """Close the reserved imports whose file never arrived before their link expired (the
    browser was closed, the network failed): rejected with the reason, so the history does not
    show them queued for good. Returns their ids. The sweep calls it."""
    cutoff = (now - UPLOAD_LINK_TTL - EXPIRY_GRACE).isoformat()
    stale = store.query(
        import_records.CONTAINER,
        "SELECT c.id, c.blob FROM c WHERE c.status = 'queued' AND c.created_at < @cutoff",
        [("@cutoff", cutoff)],
    )
    closed = []
    for doc in list(stale):
        if blobs.info(doc["blob"]) is not None:
            continue  # it arrived: the trigger or the sweep imports it
        import_records.update(
            store,
            doc["id"],
            status="rejected",
            reason="the file never arrived: its upload link expired; upload it again",
            progress={"phase": "done", "rows_done": 0, "rows_total": None},
            finished_at=now.isoformat(),
        )
        closed.append(doc["id"])
    return closed


def receive(
    store: Store,
    blobs: BlobStore,
    body: bytes,
    content_type: str,
    *,
    params: dict[str, str],
    actor: str,
    max_bytes: int,
) -> dict[str, Any]:
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"the file is {len(body)} bytes; the limit is {max_bytes}")
    mime, options = parse_options_header(content_type or "")
    fields = dict(params)
    view = memoryview(body)
    if mime == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise ValidationFailed("multipart body without a boundary", field="file")
        name, spans, form = _parts(body, boundary)
        fields.update(form)
    else:
        name, spans = fields.get("name", ""), [(0, len(view))]
    if not name:
        raise ValidationFailed(
            "send the file as multipart field 'file' or name it with ?name=", field="file"
        )
    if sum(end - start for start, end in spans) == 0:
        raise ValidationFailed("the file is empty", field="file")
    kind = fields.get("kind") or None
    strict = str(fields.get("strict", "false")).lower()
    if strict not in ("true", "false", "1", "0"):
        raise ValidationFailed("strict must be true or false", field="strict")
    preset = fields.get("preset") or None
    doc = _record(store, name, kind, strict=strict in ("true", "1"), actor=actor, preset=preset)
    _store(blobs, doc, _slices(view, spans))
    return doc


def receive_file(
    store: Store,
    blobs: BlobStore,
    path: Path,
    *,
    name: str,
    preset: str | None,
    actor: str,
) -> dict[str, Any]:
    """A file ReSight fetched itself (an Amazon report) imported as ``receive`` imports a
    body, read from disk in blocks: a report is never held whole."""
    doc = _record(store, name, None, strict=False, actor=actor, preset=preset)
    with path.open("rb") as handle:
        _store(blobs, doc, iter(lambda: handle.read(BLOCK_BYTES), b""))
    return doc


def _store(blobs: BlobStore, doc: dict[str, Any], blocks: Iterator[bytes]) -> None:
    """The file to ``incoming/``, its options in the metadata for the blob trigger."""
    metadata = {"import_id": doc["id"], "strict": str(doc["strict"]).lower(), "actor": doc["actor"]}
    if doc.get("kind"):
        metadata["kind"] = doc["kind"]
    if doc.get("preset"):
        metadata["preset"] = doc["preset"]
    blobs.upload_stream(doc["blob"], blocks, metadata=metadata)


def _record(
    store: Store,
    name: str,
    kind: str | None,
    *,
    strict: bool,
    actor: str,
    preset: str | None = None,
) -> dict:
    """Check the kind, the preset and the name, and record the import as queued."""
    if kind is not None and kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if preset is not None:
        if kind not in (None, ORDERS):
            raise ValidationFailed(
                f"a preset maps an order export: kind must be {ORDERS} or left out",
                field="kind",
            )
        try:
            presets.get(store, preset)
        except NotFound as exc:
            raise ValidationFailed(f"no import preset {preset!r}", field="preset") from exc
        kind = ORDERS
    file_name = safe_name(name)
    import_id = uuid.uuid4().hex
    doc = import_records.new(
        import_id,
        file_name,
        runner.upload_name(import_id, file_name),
        kind=kind,
        strict=strict,
        actor=actor,
        preset=preset,
    )
    import_records.create(store, doc)
    return doc


def _slices(view: memoryview, spans: list[tuple[int, int]]) -> Iterator[bytes]:
    for start, end in spans:
        for at in range(start, end, BLOCK_BYTES):
            yield bytes(view[at : min(end, at + BLOCK_BYTES)])


def _parts(body: bytes, boundary: bytes) -> tuple[str, list[tuple[int, int]], dict[str, str]]:
    """The file part's name and byte spans within the body, and the small text fields."""
    state: dict[str, Any] = {"headers": {}, "field": None, "name": "", "buf": bytearray()}
    spans: list[tuple[int, int]] = []
    form: dict[str, str] = {}
    file_name = ""
    header_field = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        state["headers"], state["buf"] = {}, bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        state["headers"][bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        nonlocal file_name
        _, opts = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["field"] = opts.get(b"name", b"").decode()
        if state["field"] == "file":
            file_name = opts.get(b"filename", b"").decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["field"] == "file":
            spans.append((start, end))  # offsets into the body: the parser is fed it whole
        elif len(state["buf"]) < 256:
            state["buf"].extend(data[start:end])

    def on_part_end() -> None:
        if state["field"] and state["field"] != "file":
            form[state["field"]] = bytes(state["buf"]).decode("utf-8", "replace").strip()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)  # callbacks get offsets into ``body``; nothing is copied
        parser.finalize()
    except ParseError as exc:
        raise ValidationFailed(f"the multipart body is malformed: {exc}", field="file") from exc
    return file_name, spans, form


def file_of(body: bytes, content_type: str, params: dict[str, str]) -> tuple[str, bytes]:
    """(name, content) of a file sent as ``receive`` takes it (multipart field ``file``, or
    the raw body named with ``?name=``), for the routes that read it in place (the preview)."""
    mime, options = parse_options_header(content_type or "")
    if mime == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise ValidationFailed("multipart body without a boundary", field="file")
        name, spans, _ = _parts(body, boundary)
        content = b"".join(body[start:end] for start, end in spans)
    else:
        name, content = params.get("name", ""), body
    if not name:
        raise ValidationFailed(
            "send the file as multipart field 'file' or name it with ?name=", field="file"
        )
    if not content:
        raise ValidationFailed("the file is empty", field="file")
    return safe_name(name), content
