"""The SQL guard, without a database: what passes, what is refused and why."""

from __future__ import annotations

import pytest

from shared.analytics.guard import MAX_NESTING, MAX_SQL_CHARS, guard, nesting
from shared.core.errors import QueryRefused

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM fact_sales", "SELECT * FROM fact_sales LIMIT 100"),
        ("SELECT item_id FROM fact_sales LIMIT 5", "SELECT item_id FROM fact_sales LIMIT 5"),
        ("SELECT item_id FROM fact_sales LIMIT 5000", "SELECT item_id FROM fact_sales LIMIT 100"),
        (
            "WITH t AS (SELECT * FROM dim_dates) SELECT date FROM t",
            "WITH t AS (SELECT * FROM dim_dates) SELECT date FROM t LIMIT 100",
        ),
        ("SELECT 1 UNION SELECT 2", "SELECT 1 UNION SELECT 2 LIMIT 100"),
    ],
)
def test_a_select_over_gold_tables_passes_with_a_limit(sql, expected):
    assert guard(sql, max_rows=100) == expected


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("DELETE FROM fact_sales", "DELETE"),
        ("UPDATE fact_sales SET units = 0", "UPDATE"),
        ("INSERT INTO fact_sales VALUES (1)", "INSERT"),
        ("DROP TABLE fact_sales", "DROP"),
        ("CREATE TABLE x AS SELECT 1", "CREATE"),
        ("COPY fact_sales TO 'x.csv'", "COPY"),
        ("ATTACH 'x.db' AS other", "ATTACH"),
        ("PRAGMA database_list", "PRAGMA"),
        ("SET threads = 8", "SET"),
        ("INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "COMMAND"),
        ("SELECT * FROM read_parquet('x.parquet')", "read_parquet"),
        ("SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto"),
        ("SELECT * FROM glob('*')", "glob"),
        ("SELECT getenv('HOME')", "getenv"),
        ("SELECT current_setting('threads')", "current_setting"),
        ("SELECT * FROM duckdb_secrets()", "duckdb_secrets"),
        ("SELECT * FROM '/etc/passwd'", "paths"),
        ("SELECT * FROM 'az://lake/bronze/events/x.parquet'", "paths"),
        ("SELECT * FROM information_schema.tables", "qualified"),
        ("SELECT * FROM raw_events", "unknown table"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("SELECT * INTO copy FROM fact_sales", "INTO"),
        ("", "empty"),
    ],
)
def test_unsafe_sql_is_refused_with_a_reason(sql, why):
    with pytest.raises(QueryRefused) as refused:
        guard(sql, max_rows=100)
    assert why in refused.value.message
    assert refused.value.status == 400


def _nested(shape: str, n: int) -> str:
    """A statement nesting ``shape`` ``n`` levels deep."""
    if shape == "parentheses":
        return "SELECT " + "(" * n + "units" + ")" * n + " FROM fact_sales"
    if shape == "subqueries":
        sql = "SELECT units FROM fact_sales"
        for _ in range(n):
            sql = f"SELECT * FROM ({sql})"
        return sql
    if shape == "case":
        return "SELECT " + "CASE WHEN units > 0 THEN " * n + "1" + " END" * n + " FROM fact_sales"
    if shape == "not":
        return "SELECT " + "NOT " * n + "true FROM fact_sales"
    if shape == "in":
        inner = "SELECT units FROM fact_sales WHERE units IN "
        return "SELECT 1 FROM fact_sales WHERE units IN " + f"({inner}" * n + "(1)" + ")" * n
    raise AssertionError(shape)


@pytest.mark.parametrize("shape", ["parentheses", "subqueries", "case", "not", "in"])
def test_any_nesting_depth_from_1_to_1000_passes_or_is_refused_naming_the_limit(shape):
    # sqlglot runs out of stack at ~43 parentheses or ~89 subqueries: without the cap before
    # parsing this raised RecursionError (a 500 at the API).
    for n in range(1, 1001):
        sql = _nested(shape, n)
        try:
            guard(sql, max_rows=100)
        except QueryRefused as refused:
            assert n > 20, (shape, n, refused.message)
            assert refused.status == 400
            assert f"the limit is {MAX_NESTING}" in refused.message or "characters" in (
                refused.message
            )
        else:
            assert n <= MAX_NESTING + 2, (shape, n)


def test_a_statement_longer_than_the_limit_is_refused_before_parsing():
    sql = "SELECT units FROM fact_sales WHERE " + " OR ".join(["units = 1"] * 3000)
    assert len(sql) > MAX_SQL_CHARS
    with pytest.raises(QueryRefused) as refused:
        guard(sql, max_rows=100)
    assert f"the limit is {MAX_SQL_CHARS:,}" in refused.value.message


def test_subtraction_chains_are_not_nesting():
    assert nesting("SELECT a - b - c - d - e FROM fact_sales") == 0
    assert nesting("SELECT NOT NOT NOT x") == 3
    assert nesting("SELECT ((1))") == 2
