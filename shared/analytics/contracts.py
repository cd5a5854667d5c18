"""The classic tests of every gold table (dbt's unique, not_null, relationships), declared once.

The build runs them before anything is published and refuses a gold layer that fails one; the
integration tests run the same list against the lake. A relationship ignores NULL keys (an
Amazon order has no customer), as dbt's does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class Contract:
    table: str
    key: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    # column -> (dimension, its key)
    relationships: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Hive partition column of the published files (None: one file).
    partition_by: str | None = None


# In build order: dimensions before the facts that point at them.
GOLD: tuple[Contract, ...] = (
    Contract("dim_dates", ("date_key",), ("date", "festival_season", "weekday")),
    Contract("dim_stores", ("store_key",), ("kind", "name")),
    Contract(
        "dim_products",
        ("product_sk",),
        ("item_id", "version", "title", "category", "valid_from", "valid_to", "is_current"),
    ),
    Contract(
        "dim_customers",
        ("customer_sk",),
        ("customer_key", "version", "valid_from", "valid_to", "is_current"),
    ),
    Contract(
        "fact_sales",
        ("sale_id",),
        ("item_id", "product_sk", "store_key", "date_key", "ordered_at", "net_revenue"),
        {
            "product_sk": ("dim_products", "product_sk"),
            "customer_sk": ("dim_customers", "customer_sk"),
            "store_key": ("dim_stores", "store_key"),
            "date_key": ("dim_dates", "date_key"),
        },
        partition_by="marketplace",
    ),
    Contract(
        "fact_shipments",
        ("sale_id",),
        ("item_id", "date_key", "status", "ordered_at"),
        {
            "sale_id": ("fact_sales", "sale_id"),
            "product_sk": ("dim_products", "product_sk"),
            "customer_sk": ("dim_customers", "customer_sk"),
            "store_key": ("dim_stores", "store_key"),
            "date_key": ("dim_dates", "date_key"),
        },
    ),
    Contract(
        "fact_inventory",
        ("date_key", "item_id", "location_id"),
        ("closing_stock", "units_sold"),
        {
            "product_sk": ("dim_products", "product_sk"),
            "store_key": ("dim_stores", "store_key"),
            "date_key": ("dim_dates", "date_key"),
        },
    ),
)
TABLES = tuple(c.table for c in GOLD)


def failures(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Every broken rule of one table, in words; empty when the table is sound."""
    t, out = contract.table, []
    key = ", ".join(contract.key)
    dupes = con.sql(
        f"SELECT count(*) FROM (SELECT {key} FROM {t} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    if dupes and dupes[0]:
        out.append(f"{t}: {dupes[0]} duplicate keys ({key})")
    for column in (*contract.key, *contract.not_null):
        nulls = con.sql(f"SELECT count(*) FROM {t} WHERE {column} IS NULL").fetchone()
        if nulls and nulls[0]:
            out.append(f"{t}.{column}: {nulls[0]} nulls")
    for column, (dim, dim_key) in contract.relationships.items():
        orphans = con.sql(
            f"SELECT count(*) FROM {t} f WHERE f.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {dim} d WHERE d.{dim_key} = f.{column})"
        ).fetchone()
        if orphans and orphans[0]:
            out.append(f"{t}.{column}: {orphans[0]} rows with no {dim}.{dim_key}")
    return out
