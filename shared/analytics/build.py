"""Silver and gold, built with DuckDB from the lake itself.

Silver: per UTC day, bronze events deduplicated by id (the newest write wins), places
normalised (Myntra's ``city`` and Meesho's ``state`` of older events). Gold: the star schema,
one SQL file per table in ``sql/gold/``, rebuilt whole from silver and the snapshots, checked
against its contracts, then published table by table (each table's files replaced).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import duckdb

from shared.adapters.blob import BlobStore
from shared.analytics import bronze, calendar, contracts, duck
from shared.analytics.lake import BRONZE, GOLD, SILVER, partition, upload_tree
from shared.core.errors import LakeBuildFailed
from shared.core.records import MARKETPLACES
from shared.core.settings import Settings


def gold_sql(table: str) -> str:
    return resources.files("shared.analytics").joinpath(f"sql/gold/{table}.sql").read_text()


SILVER_SQL = """
SELECT * EXCLUDE (rn, city, state, occurred_at),
    occurred_at,
    nullif(trim(coalesce(city, CASE WHEN marketplace = 'myntra' THEN region END)), '') AS city,
    nullif(trim(coalesce(state, CASE WHEN marketplace = 'meesho' THEN region END)), '') AS state
FROM (
    SELECT *, row_number() OVER (PARTITION BY id ORDER BY written_ts DESC, received_at DESC) AS rn
    FROM {reader}
)
WHERE rn = 1
"""


def build_silver_day(
    con: duckdb.DuckDBPyConnection, lake: BlobStore, settings: Settings, day: date
) -> int:
    prefix = partition(SILVER, "events", date=day.isoformat())
    if not lake.list_names(partition(BRONZE, "events", date=day.isoformat()) + "/"):
        upload_tree(lake, Path(tempfile.mkdtemp()), prefix)  # nothing left: remove silver too
        return 0
    source = duck.lake_url(
        settings, partition(BRONZE, "events", date=day.isoformat()) + "/*.parquet"
    )
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "part-0.parquet"
        reader = f"read_parquet('{source}', union_by_name = true)"
        con.execute(
            f"COPY ({SILVER_SQL.format(reader=reader)}) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        count = con.sql(f"SELECT count(*) FROM '{target}'").fetchone()
        upload_tree(lake, Path(tmp), prefix)
    return int(count[0]) if count else 0


def register_sources(con: duckdb.DuckDBPyConnection, lake: BlobStore, settings: Settings) -> None:
    """Views over silver and the bronze snapshots, and the festival calendar."""
    url = lambda path: duck.lake_url(settings, path)  # noqa: E731 - local shorthand
    events = lake.list_names(f"{SILVER}/events/")
    if events:
        # Materialised once: every gold table reads it, and the lake is read a single time.
        con.execute(
            "CREATE OR REPLACE TABLE silver_events AS SELECT * EXCLUDE (date) FROM "
            f"read_parquet('{url(SILVER + '/events/*/*.parquet')}', hive_partitioning = true)"
        )
    else:  # an empty lake still builds (empty) gold tables with the right columns
        empty = bronze.events_table([])  # noqa: F841 - read by DuckDB's replacement scan
        con.execute("CREATE OR REPLACE TABLE silver_events AS SELECT * FROM empty")
    for name in ("products", "stores"):
        files = lake.list_names(f"{BRONZE}/{name}/")
        if files:
            con.execute(
                f"CREATE OR REPLACE TABLE bronze_{name} AS SELECT * EXCLUDE (date) FROM "
                f"read_parquet('{url(f'{BRONZE}/{name}/*/*.parquet')}', hive_partitioning = true)"
            )
        else:
            schema = bronze.PRODUCT_SCHEMA if name == "products" else bronze.STORE_SCHEMA
            table = schema.empty_table()  # noqa: F841 - read by DuckDB's replacement scan
            con.execute(f"CREATE OR REPLACE TABLE bronze_{name} AS SELECT * FROM table")
    festivals = calendar.festivals_table()  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("CREATE OR REPLACE TABLE festivals AS SELECT * FROM festivals")


def register_docs(
    con: duckdb.DuckDBPyConnection, events: list[dict], products: list[dict] | None = None
) -> None:
    """Sources from documents in memory instead of the lake: silver as the exporter and silver
    would make it (one copy of each event), for the checks that run without a lake."""
    raw = bronze.events_table(events)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(f"CREATE OR REPLACE TABLE silver_events AS {SILVER_SQL.format(reader='raw')}")
    snapshot = bronze.products_table(products or [], datetime.now(UTC))  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE bronze_products AS SELECT * FROM snapshot")
    stores = bronze.stores_table(MARKETPLACES, [], datetime.now(UTC))  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE bronze_stores AS SELECT * FROM stores")
    festivals = calendar.festivals_table()  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE festivals AS SELECT * FROM festivals")


def create_gold(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every gold table from the registered sources; the contracts that fail, in words."""
    problems: list[str] = []
    for contract in contracts.GOLD:
        con.execute(f"CREATE OR REPLACE TABLE {contract.table} AS {gold_sql(contract.table)}")
        problems += contracts.failures(con, contract)
    return problems


def build_gold(
    con: duckdb.DuckDBPyConnection, lake: BlobStore, settings: Settings
) -> dict[str, int]:
    """Rebuild every gold table; refuse to publish if any contract fails."""
    register_sources(con, lake, settings)
    counts: dict[str, int] = {}
    problems = create_gold(con)
    if problems:
        raise LakeBuildFailed("gold contracts failed: " + "; ".join(problems))
    for contract in contracts.GOLD:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp)
            empty = con.sql(f"SELECT count(*) = 0 FROM {contract.table}").fetchone()
            if contract.partition_by and not (empty and empty[0]):
                con.execute(
                    f"COPY {contract.table} TO '{target}' (FORMAT parquet, COMPRESSION zstd, "
                    f"PARTITION_BY ({contract.partition_by}), OVERWRITE_OR_IGNORE)"
                )
            else:
                con.execute(
                    f"COPY {contract.table} TO '{target / 'part-0.parquet'}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
            upload_tree(lake, target, f"{GOLD}/{contract.table}")
        row = con.sql(f"SELECT count(*) FROM {contract.table}").fetchone()
        counts[contract.table] = int(row[0]) if row else 0
    return counts
