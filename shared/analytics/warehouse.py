"""The gold tables in an in-process DuckDB, locked, and the limits every query runs under.

Gold is read once from the lake (``az://``) into memory; then external access is switched off
and the configuration locked, so no statement (a person's or the model's) can read a file,
reach the network, attach a database or loosen a limit. Each query runs on its own cursor with
a time limit (interrupted when it passes) and returns at most ``max_rows`` rows.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from shared.adapters.blob import BlobStore
from shared.analytics import contracts, duck
from shared.analytics.lake import GOLD
from shared.core.errors import LakeEmpty, NotFound, QueryFailed, QueryTimeout
from shared.core.settings import Settings

# The models the lake job fitted on the gold it wrote (basket rules, CLV), by memo key.
FITTED = f"{GOLD}/_models/fitted.json"


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


class Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection, version: str) -> None:
        self._con = con
        self.version = version
        # Fitted models (basket rules, CLV) of this lake run, by their parameters.
        self._memo: dict[tuple, Any] = {}
        self._memo_lock = threading.Lock()

    def preload(self, fitted: list[dict[str, Any]]) -> None:
        """Models the lake job fitted (``FITTED``: ``[{"key": [...], "value": ...}]``)."""
        with self._memo_lock:
            for entry in fitted:
                self._memo[tuple(entry["key"])] = entry["value"]

    def fitted(self) -> list[dict[str, Any]]:
        with self._memo_lock:
            return [{"key": list(k), "value": v} for k, v in self._memo.items()]

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    @classmethod
    def load(
        cls, settings: Settings, lake: BlobStore, version: str, *, fitted: bool = True
    ) -> Warehouse:
        """The gold tables in memory; with ``fitted``, the models the last lake run fitted on
        them. The lake job itself loads without them: it fits new ones on the gold it has just
        written, and serving the previous run's fit there would publish it again, forever."""
        con = duck.connect()
        duck.attach_lake(con, settings)
        for table in contracts.TABLES:
            names = [n for n in lake.list_names(f"{GOLD}/{table}/") if n.endswith(".parquet")]
            if not names:
                raise LakeEmpty(f"gold table {table} is not built yet: run the lake job")
            pattern = "*/*.parquet" if any("=" in n.split("/")[2] for n in names) else "*.parquet"
            url = duck.lake_url(settings, f"{GOLD}/{table}/{pattern}")
            con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{url}', "
                "hive_partitioning = true, union_by_name = true)"
            )
        # From here on nothing can leave the database or change these settings.
        con.execute("DROP SECRET IF EXISTS lake")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        warehouse = cls(con, version)
        # A lake written before the job fitted models has none: they are fitted on request.
        if fitted:
            with contextlib.suppress(NotFound):
                warehouse.preload(json.loads(lake.get_text(FITTED).text))
        return warehouse

    def query(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float,
        max_rows: int,
    ) -> Result:
        cursor = self._con.cursor()
        timer = threading.Timer(timeout, cursor.interrupt)
        timer.start()
        try:
            relation = cursor.execute(sql, params or {})
            columns = [d[0] for d in relation.description or []]
            rows = relation.fetchmany(max_rows + 1)
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from exc
        except duckdb.Error as exc:
            if not timer.is_alive():
                raise QueryTimeout(
                    f"the query ran longer than {timeout:g} s and was stopped"
                ) from exc
            raise QueryFailed(f"the query failed: {str(exc).splitlines()[0]}") from exc
        finally:
            timer.cancel()
            cursor.close()
        return Result(columns, [list(r) for r in rows[:max_rows]], len(rows) > max_rows)

    def close(self) -> None:
        self._con.close()


class WarehouseCache:
    """One warehouse per process, reloaded when the lake job publishes a new run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._warehouse: Warehouse | None = None

    def get(self, settings: Settings, lake: BlobStore) -> Warehouse:
        version = lake.etag("_runs/latest.json")
        if version is None:
            raise LakeEmpty("the lake has no gold tables yet: the lake job has not run")
        with self._lock:
            if self._warehouse is None or self._warehouse.version != version:
                fresh = Warehouse.load(settings, lake, version)
                if self._warehouse is not None:
                    self._warehouse.close()
                self._warehouse = fresh
            return self._warehouse
