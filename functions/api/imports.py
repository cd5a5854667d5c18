"""Bulk imports (upload, list, one import, its error report) and data quality (latest run,
trend). Shapes are described in the README's API section."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, Field

from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import (
    READ_ROLES,
    WRITE_ROLES,
    json_response,
    parse_model,
    read_json,
    require_role,
)
from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.core.errors import NotFound, ValidationFailed
from shared.core.settings import get_settings
from shared.ingest.bulk import ledger, upload
from shared.quality import runs


class ImportUpload(BaseModel):
    """``multipart/form-data``: the file in ``file``; ``kind`` and ``strict`` as form fields
    or query parameters. A raw body works too, named with ``?name=``."""

    file: bytes = Field(..., description="The CSV or Excel file, up to IMPORT_MAX_BYTES (50 MB)")
    kind: Literal["sales", "inventory", "demand", "daily_update"] | None = Field(
        None, description="Default: detected from the columns (CSV) or the file type (Excel)"
    )
    strict: bool = Field(False, description="Reject the whole file on any row error")


@api_route(
    "imports_upload",
    "imports",
    ["POST"],
    RouteDoc(
        "Upload a CSV or Excel file to import (admin); 202 with the queued import",
        request=ImportUpload,
        role="admin",
        query=("name", "kind", "strict"),
        content="multipart/form-data",
        dataset="seller",
    ),
)
def imports_upload(req: func.HttpRequest) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    settings = get_settings()
    declared = req.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.import_max_bytes + 64 * 1024:
        raise ValidationFailed("the file is over the limit", field="file")
    doc = upload.receive(
        get_store(),
        imports_store(),
        req.get_body() or b"",
        req.headers.get("content-type", ""),
        params=dict(req.params),
        actor=actor,
        max_bytes=settings.import_max_bytes,
    )
    return json_response(_with_links(doc), 202)


class UploadReservation(BaseModel):
    """The file the browser is about to send straight to Blob."""

    name: str = Field(..., min_length=1, max_length=255, description="The file's name")
    size: int = Field(..., ge=1, description="Its size in bytes, up to IMPORT_MAX_BYTES (50 MB)")
    kind: Literal["sales", "inventory", "demand", "daily_update"] | None = Field(
        None, description="Default: detected from the columns (CSV) or the file type (Excel)"
    )
    strict: bool = Field(False, description="Reject the whole file on any row error")


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
def imports_reserve(req: func.HttpRequest) -> func.HttpResponse:
    actor = require_role(req, WRITE_ROLES)
    wanted = parse_model(UploadReservation, read_json(req))
    doc, link = upload.reserve(
        get_store(),
        imports_store(),
        name=wanted.name,
        size=wanted.size,
        kind=wanted.kind,
        strict=wanted.strict,
        actor=actor,
        max_bytes=get_settings().import_max_bytes,
    )
    return json_response({"import": _with_links(doc), "upload": link}, 201)


@api_route(
    "imports_list",
    "imports",
    ["GET"],
    RouteDoc("Imports, newest first", query=("limit",), dataset="seller"),
)
def imports_list(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    limit = _limit(req, 50, 200)
    return json_response({"imports": [_with_links(d) for d in ledger.recent(get_store(), limit)]})


@api_route(
    "imports_get",
    "imports/{id}",
    ["GET"],
    RouteDoc("One import: status, progress, counts", dataset="seller"),
)
def imports_get(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    return json_response(_with_links(ledger.get(get_store(), req.route_params["id"])))


@api_route(
    "imports_report",
    "imports/{id}/report",
    ["GET"],
    RouteDoc(
        "An import's report: JSON, or every row error as CSV with ?format=csv",
        query=("format",),
        dataset="seller",
    ),
)
def imports_report(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    doc = ledger.get(get_store(), req.route_params["id"])
    report = doc.get("report") or {}
    fmt = req.params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationFailed("'format' must be json or csv", field="format")
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
    require_role(req, READ_ROLES)
    latest = runs.latest(get_store())
    return json_response({"run": latest})


@api_route(
    "quality_history",
    "quality/history",
    ["GET"],
    RouteDoc("Data-quality runs of the last days, oldest first", query=("days",)),
)
def quality_history(req: func.HttpRequest) -> func.HttpResponse:
    require_role(req, READ_ROLES)
    days = _limit(req, 30, 400, name="days")
    return json_response({"runs": runs.history(get_store(), days)})


def _limit(req: func.HttpRequest, default: int, top: int, name: str = "limit") -> int:
    try:
        value = int(req.params.get(name, str(default)))
    except ValueError as exc:
        raise ValidationFailed(f"'{name}' must be a whole number", field=name) from exc
    if not 1 <= value <= top:
        raise ValidationFailed(f"'{name}' must be between 1 and {top}", field=name)
    return value


def _with_links(doc: dict) -> dict:
    base = f"/api/imports/{doc['id']}"
    progress = doc.get("progress") or {}
    total, done = progress.get("rows_total"), progress.get("rows_done") or 0
    percent = (
        100.0
        if doc["status"] in ledger.TERMINAL
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
