"""The SQL guard, without a database: what passes, what is refused and why."""

from __future__ import annotations

import pytest

from shared.analytics.guard import QueryRefused, guard

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
