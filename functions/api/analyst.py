"""The analyst: questions in words (Azure OpenAI) and SQL typed by a person, both through the
guard. ``GET /api/analyst/schema`` is what the console shows beside the editor."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.api.analytics import warehouse
from functions.api.blueprint import RouteDoc, api_route
from functions.http_util import json_response
from shared.analytics import analyst
from shared.analytics.guard import guard
from shared.core.settings import get_settings


class SqlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # No length here: the guard refuses a statement too long or too deep for its parser with
    # a 400 naming the limit (the body limit still bounds what is read).
    sql: str = Field(..., min_length=1)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., min_length=3, max_length=2_000)


@api_route(
    "analyst_sql",
    "analyst/sql",
    ["POST"],
    RouteDoc("Run one guarded SELECT over the gold tables", request=SqlRequest),
)
def run_sql(req: func.HttpRequest, body: SqlRequest) -> func.HttpResponse:
    settings = get_settings()
    safe = guard(body.sql, max_rows=settings.query_max_rows)
    result = warehouse().query(
        safe, timeout=settings.query_timeout_seconds, max_rows=settings.query_max_rows
    )
    return json_response(
        {"sql": safe, "columns": result.columns, "rows": result.rows, "truncated": result.truncated}
    )


@api_route(
    "analyst_ask",
    "analyst/ask",
    ["POST"],
    RouteDoc(
        "Answer a question with SQL written by the model, run through the guard", request=AskRequest
    ),
)
def ask(req: func.HttpRequest, body: AskRequest) -> func.HttpResponse:
    settings = get_settings()
    return json_response(analyst.ask(body.question, settings, warehouse()))


@api_route(
    "analyst_schema",
    "analyst/schema",
    ["GET"],
    RouteDoc("The gold schema, example questions with their SQL, and whether asking is on"),
)
def schema(req: func.HttpRequest) -> func.HttpResponse:
    settings = get_settings()
    return json_response(
        {
            "ask_enabled": bool(settings.openai.endpoint),
            "tables": analyst.schema(warehouse()),
            "examples": [{"question": q, "sql": s} for q, s in analyst.EXAMPLES],
        }
    )
