"""The lake's layout in Blob and the Parquet files in it.

``lake/<layer>/<table>/<key>=<value>/<file>.parquet``: Hive-style partitions that DuckDB,
pyarrow, polars, Spark and Fabric/OneLake shortcuts all read as they are. bronze holds what
the stores held (events by UTC day, product and store snapshots by day), silver the cleaned,
deduplicated events, gold the star schema. A partition is always written whole, so writing it
again replaces it: that is what makes every step idempotent.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from shared.adapters.blob import BlobStore
from shared.core.settings import Settings

BRONZE, SILVER, GOLD = "bronze", "silver", "gold"


def lake_store(settings: Settings) -> BlobStore:
    store = BlobStore.from_connection(settings.model_storage, settings.lake_container)
    store.ensure_container()
    return store


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def partition(layer: str, table: str, **keys: str) -> str:
    return "/".join([layer, table, *(f"{k}={v}" for k, v in keys.items())])


def replace_partition(lake: BlobStore, prefix: str, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``prefix`` and delete whatever else was there (an older run's)."""
    for name, data in files.items():
        lake.put(f"{prefix}/{name}", data)
    for stale in set(lake.list_names(prefix + "/")) - {f"{prefix}/{n}" for n in files}:
        lake.delete(stale)


def upload_tree(lake: BlobStore, local: Path, prefix: str) -> list[str]:
    """Upload a directory DuckDB wrote (``COPY ... PARTITION_BY``) as ``prefix``, replacing it."""
    written = []
    for path in sorted(local.rglob("*.parquet")):
        name = f"{prefix}/{path.relative_to(local).as_posix()}"
        lake.put(name, path.read_bytes())
        written.append(name)
    for stale in set(lake.list_names(prefix + "/")) - set(written):
        lake.delete(stale)
    return written
