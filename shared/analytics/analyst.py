"""The AI analyst: a question in words becomes one guarded SELECT over the gold schema.

The model sees the gold tables (names, columns, types) and a few examples and must answer with
JSON ``{"sql", "chart"}``; the SQL then passes the same guard as a person's, so a model that
is wrong or manipulated can still only read the gold tables, within the limits.
"""

from __future__ import annotations

import json
from typing import Any

from shared.adapters.openai import ChatClient
from shared.analytics.contracts import TABLES
from shared.analytics.guard import guard
from shared.analytics.warehouse import Warehouse
from shared.core.errors import QueryRefused, ServiceUnavailable
from shared.core.settings import Settings

CHARTS = ("bar", "line", "table", "grid")
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Revenue by month",
        "SELECT d.year_month, round(sum(f.net_revenue), 2) AS revenue FROM fact_sales f "
        "JOIN dim_dates d USING (date_key) GROUP BY 1 ORDER BY 1",
    ),
    (
        "Which states buy the most?",
        "SELECT coalesce(state, 'unknown') AS state, round(sum(net_revenue), 2) AS revenue "
        "FROM fact_sales GROUP BY 1 ORDER BY revenue DESC LIMIT 10",
    ),
    (
        "RTO rate by state",
        "SELECT state, round(count(rto_at) / nullif(count(shipped_at), 0), 4) AS rto_rate "
        "FROM fact_shipments GROUP BY 1 ORDER BY rto_rate DESC NULLS LAST",
    ),
    (
        "How did Diwali compare with normal days?",
        "SELECT d.festival_season, round(sum(f.net_revenue) / count(DISTINCT d.date), 2) "
        "AS revenue_per_day FROM dim_dates d JOIN fact_sales f USING (date_key) GROUP BY 1",
    ),
)


def schema(warehouse: Warehouse) -> list[dict[str, Any]]:
    out = []
    for table in TABLES:
        result = warehouse.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = $t ORDER BY ordinal_position",
            {"t": table},
            timeout=5,
            max_rows=500,
        )
        out.append({"table": table, "columns": [{"name": n, "type": t} for n, t in result.rows]})
    return out


def prompt(tables: list[dict[str, Any]]) -> str:
    lines = [
        "You write one DuckDB SELECT over these tables of an Indian e-commerce seller's data",
        "warehouse (amounts in INR; dates are IST days; net_revenue and net_units are the sale,",
        "a cancellation is a negative row on its own day).",
        'Answer only with JSON: {"sql": "...", "chart": "bar|line|table|grid"}.',
        "Use only these tables and columns:",
    ]
    for t in tables:
        cols = ", ".join(f"{c['name']} {c['type']}" for c in t["columns"])
        lines.append(f"- {t['table']}({cols})")
    lines.append("Examples:")
    lines += [f"Q: {q}\n{json.dumps({'sql': s, 'chart': 'bar'})}" for q, s in EXAMPLES]
    return "\n".join(lines)


def ask(
    question: str, settings: Settings, warehouse: Warehouse, *, client: ChatClient | None = None
) -> dict[str, Any]:
    client = client or ChatClient.from_connection(settings.openai)
    raw = client.complete_json(prompt(schema(warehouse)), question)
    try:
        answer = json.loads(raw)
        sql = str(answer["sql"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceUnavailable('the model did not answer with {"sql", "chart"}') from exc
    chart = answer.get("chart") if answer.get("chart") in CHARTS else "table"
    try:
        safe = guard(sql, max_rows=settings.query_max_rows)
    except QueryRefused as exc:
        raise QueryRefused(
            f"the model's SQL was refused: {exc.message}", field="sql", sql=sql
        ) from exc
    result = warehouse.query(
        safe, timeout=settings.query_timeout_seconds, max_rows=settings.query_max_rows
    )
    return {
        "question": question,
        "sql": safe,
        "columns": result.columns,
        "rows": result.rows,
        "truncated": result.truncated,
        "chart": chart,
    }
