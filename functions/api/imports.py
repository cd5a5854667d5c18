"""Bulk imports (upload, list, one import, its error report), order-export mapping (preview,
presets) and data quality (latest run, trend). Shapes are described in the README's API
section."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.audit import trail
from shared.core.errors import ImportRejected, NotFound, PayloadTooLarge, ValidationFailed
from shared.core.settings import get_settings
from shared.ingest.bulk import import_records, presets, upload
from shared.ingest.bulk.preview import preview
from shared.quality import runs

Kinds = Literal["sales", "inventory", "demand", "daily_update", "orders"]
_PRESET = (
    "An order-export preset's id (GET /api/import-presets): the file is an order export "
    "mapped with it. Without one, a file whose header matches a preset is imported with it"
)


class ImportUpload(BaseModel):
    """``multipart/form-data``: the file in ``file``; ``kind`` and ``strict`` as form fields
    or query parameters. A raw body works too, named with ``?name=``."""

    file: bytes = Field(..., description="The CSV or Excel file, up to IMPORT_MAX_BYTES (50 MB)")
    kind: Kinds | None = Field(
        None, description="Default: detected from the columns (CSV) or the file type (Excel)"
    )
    strict: bool = Field(False, description="Reject the whole file on any row error")
    preset: str | None = Field(None, max_length=64, description=_PRESET)


class ImportUploadQuery(BaseModel):
    """The upload's settings as query parameters (a multipart form may carry them instead)."""

    name: str | None = Field(None, max_length=255, description="The file's name (a raw body)")
    kind: Kinds | None = None
    strict: bool = False
    preset: str | None = Field(None, max_length=64, description=_PRESET)


@api_route(
    "imports_upload",
    "imports",
    ["POST"],
    RouteDoc(
        "Upload a CSV or Excel file to import (admin); 202 with the queued import",
        request=ImportUpload,
        role="admin",
        query=ImportUploadQuery,
        content="multipart/form-data",
        dataset="seller",
    ),
)
def imports_upload(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    settings = get_settings()
    declared = req.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.import_max_bytes + 64 * 1024:
        raise ValidationFailed("the file is over the limit", field="file")
    doc = upload.receive(
        get_store(),
        imports_store(),
        req.get_body() or b"",
        req.headers.get("content-type", ""),
        # The raw query string (validated by the route): the form's own fields, read with the
        # body, take the same names and are checked with them.
        params=dict(req.params),
        actor=actor,
        max_bytes=settings.import_max_bytes,
    )
    return json_response(_with_links(doc), 202)


class UploadReservation(BaseModel):
    """The file the browser is about to send straight to Blob."""

    name: str = Field(..., min_length=1, max_length=255, description="The file's name")
    size: int = Field(..., ge=1, description="Its size in bytes, up to IMPORT_MAX_BYTES (50 MB)")
    kind: Kinds | None = Field(
        None, description="Default: detected from the columns (CSV) or the file type (Excel)"
    )
    strict: bool = Field(False, description="Reject the whole file on any row error")
    preset: str | None = Field(None, max_length=64, description=_PRESET)


@api_route(
    "imports_reserve",
    "imports/uploads",
    ["POST"],
    RouteDoc(
        "Reserve an import (admin): 201 with the queued import and a write-only link, valid "
        "30 minutes, to PUT the file to; the import starts when the file lands",
        request=UploadReservation,
        role="admin",
        dataset="seller",
    ),
)
def imports_reserve(
    req: func.HttpRequest, actor: str, body: UploadReservation
) -> func.HttpResponse:
    doc, link = upload.reserve(
        get_store(),
        imports_store(),
        name=body.name,
        size=body.size,
        kind=body.kind,
        strict=body.strict,
        actor=actor,
        max_bytes=get_settings().import_max_bytes,
        preset=body.preset,
    )
    return json_response({"import": _with_links(doc), "upload": link}, 201)


class ImportPreview(BaseModel):
    """``multipart/form-data``: the export in ``file``; or the raw body named with ``?name=``."""

    file: bytes = Field(..., description="A CSV (comma or tab) or Excel order export")


class PreviewQuery(BaseModel):
    name: str | None = Field(None, max_length=255, description="The file's name (a raw body)")


@api_route(
    "imports_preview",
    "imports/preview",
    ["POST"],
    RouteDoc(
        "Preview an order export (admin): header, the first 20 rows, a guess for each column, "
        "the statuses and date formats found, and the preset its header matches; nothing is "
        "stored",
        request=ImportPreview,
        role="admin",
        query=PreviewQuery,
        content="multipart/form-data",
        dataset="seller",
    ),
)
def imports_preview(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_body() or b""
    limit = get_settings().import_max_bytes
    if len(body) > limit + 64 * 1024:
        raise PayloadTooLarge(f"the file is over the limit of {limit} bytes")
    # ``?name=`` (validated by the route) names a raw body; a multipart part carries its own.
    name, content = upload.file_of(body, req.headers.get("content-type", ""), dict(req.params))
    try:
        answer = preview(get_store(), name, content)
    except ImportRejected as exc:
        raise ValidationFailed(str(exc), field="file") from exc
    return json_response(answer)


@api_route(
    "import_presets_list",
    "import-presets",
    ["GET"],
    RouteDoc("Order-export presets: the shipped ones first, then the seller's", dataset="seller"),
)
def import_presets_list(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"presets": presets.all_presets(get_store())})


@api_route(
    "import_presets_get",
    "import-presets/{id}",
    ["GET"],
    RouteDoc("One order-export preset", dataset="seller"),
)
def import_presets_get(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(presets.get(get_store(), req.route_params["id"]))


@api_route(
    "import_presets_create",
    "import-presets",
    ["POST"],
    RouteDoc(
        "Save an order-export mapping as a preset (admin, audited): 201 with the preset; files "
        "with the same header import with it from then on",
        request=presets.PresetIn,
        role="admin",
        dataset="seller",
    ),
)
def import_presets_create(
    req: func.HttpRequest, actor: str, body: presets.PresetIn
) -> func.HttpResponse:
    store = get_store()
    doc = presets.create(store, body, actor)
    trail.record(store, "import_preset.create", actor, after=doc, details={"id": doc["id"]})
    return json_response(doc, 201)


@api_route(
    "import_presets_replace",
    "import-presets/{id}",
    ["PUT"],
    RouteDoc(
        "Change an order-export preset (admin, audited); shipped presets are read-only",
        request=presets.PresetIn,
        role="admin",
        dataset="seller",
    ),
)
def import_presets_replace(
    req: func.HttpRequest, actor: str, body: presets.PresetIn
) -> func.HttpResponse:
    store = get_store()
    before, after = presets.replace(store, req.route_params["id"], body, actor)
    trail.record(
        store, "import_preset.update", actor, before=before, after=after,
        details={"id": after["id"]},
    )  # fmt: skip
    return json_response(after)


@api_route(
    "import_presets_delete",
    "import-presets/{id}",
    ["DELETE"],
    RouteDoc(
        "Delete an order-export preset (admin, audited); shipped presets stay",
        role="admin",
        dataset="seller",
    ),
)
def import_presets_delete(req: func.HttpRequest, actor: str) -> func.HttpResponse:
    store = get_store()
    before = presets.delete(store, req.route_params["id"])
    trail.record(store, "import_preset.delete", actor, before=before, details={"id": before["id"]})
    return json_response({"deleted": before["id"]})


class ImportsQuery(BaseModel):
    limit: int = Field(50, ge=1, le=200)


class ReportQuery(BaseModel):
    format: Literal["json", "csv"] = Field("json", description="csv: every row error")


class HistoryQuery(BaseModel):
    days: int = Field(30, ge=1, le=400)


@api_route(
    "imports_list",
    "imports",
    ["GET"],
    RouteDoc("Imports, newest first", query=ImportsQuery, dataset="seller"),
)
def imports_list(req: func.HttpRequest, query: ImportsQuery) -> func.HttpResponse:
    imports = import_records.recent(get_store(), query.limit)
    return json_response({"imports": [_with_links(d) for d in imports]})


@api_route(
    "imports_get",
    "imports/{id}",
    ["GET"],
    RouteDoc("One import: status, progress, counts", dataset="seller"),
)
def imports_get(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(_with_links(import_records.get(get_store(), req.route_params["id"])))


@api_route(
    "imports_report",
    "imports/{id}/report",
    ["GET"],
    RouteDoc(
        "An import's report: JSON, or every row error as CSV with ?format=csv",
        query=ReportQuery,
        dataset="seller",
    ),
)
def imports_report(req: func.HttpRequest, query: ReportQuery) -> func.HttpResponse:
    doc = import_records.get(get_store(), req.route_params["id"])
    report = doc.get("report") or {}
    fmt = query.format
    if not report:
        raise NotFound(f"import {doc['id']} has no report yet (status {doc['status']})")
    blob = report.get("errors_csv") if fmt == "csv" else report.get("json")
    # No errors CSV means no row failed: the header alone.
    body = imports_store().get_bytes(blob) if blob else b"row,column,value,rule\r\n"
    if fmt == "csv":
        return func.HttpResponse(
            body,
            mimetype="text/csv",
            headers={"content-disposition": f'attachment; filename="{doc["file"]}.errors.csv"'},
        )
    return func.HttpResponse(body, mimetype="application/json")


@api_route("quality_latest", "quality", ["GET"], RouteDoc("The latest data-quality run"))
def quality_latest(req: func.HttpRequest) -> func.HttpResponse:
    latest = runs.latest(get_store())
    return json_response({"run": latest})


@api_route(
    "quality_history",
    "quality/history",
    ["GET"],
    RouteDoc("Data-quality runs of the last days, oldest first", query=HistoryQuery),
)
def quality_history(req: func.HttpRequest, query: HistoryQuery) -> func.HttpResponse:
    return json_response({"runs": runs.history(get_store(), query.days)})


def _with_links(doc: dict) -> dict:
    base = f"/api/imports/{doc['id']}"
    progress = doc.get("progress") or {}
    total, done = progress.get("rows_total"), progress.get("rows_done") or 0
    percent = (
        100.0
        if doc["status"] in import_records.TERMINAL
        else (round(100 * done / total, 1) if total else 0.0)
    )
    return {
        **{k: v for k, v in doc.items() if k != "report"},
        "progress": {**progress, "percent": percent},
        "links": {
            "self": base,
            "report": f"{base}/report" if doc.get("report") else None,
            "errors_csv": f"{base}/report?format=csv" if doc.get("report") else None,
        },
    }
