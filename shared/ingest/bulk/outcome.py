"""What the CSV and workbook imports share: the refusal of a whole file, the row-error sink,
and the marketplace of a product a file names.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.errors import ImportRejected
from shared.core.records import Marketplace
from shared.core.settings import Settings
from shared.ingest.bulk.events import MarketplaceOf
from shared.ingest.bulk.validate import RowError

ERRORS_SAMPLE = 50  # row errors kept on the import record; the full list is in the report
REPORT_ERRORS = 1000  # row errors in the JSON report; the CSV report has them all


def strict_failure(counts: dict[str, Any], sink: ErrorSink) -> ImportRejected:
    exc = ImportRejected(
        f"strict mode: {sink.count} of {counts['rows']} rows failed validation; nothing was "
        "imported (see the report)"
    )
    exc.counts = counts  # type: ignore[attr-defined]
    exc.sample = sink.sample  # type: ignore[attr-defined]
    return exc


def marketplaces(store: Store, settings: Settings) -> MarketplaceOf:
    known: dict[str, Marketplace] = {
        r["item_id"]: r["marketplace"]
        for r in store.query("products", "SELECT c.item_id, c.marketplace FROM c")
        if r.get("marketplace")
    }
    default = settings.import_default_marketplace
    return lambda item_id: known.get(item_id, default)


class ErrorSink:
    """Row errors streamed to a CSV file (any number), with a sample kept in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._csv = csv.writer(self._handle)
        self._csv.writerow(["row", "column", "value", "rule"])
        self.count = 0
        self.sample: list[dict[str, object]] = []
        self.head: list[dict[str, object]] = []

    def add(self, errors: list[RowError]) -> None:
        for e in errors:
            self._csv.writerow([e.row, e.column, e.value, e.rule])
            if len(self.head) < REPORT_ERRORS:
                self.head.append(e.to_dict())
        self.sample = self.head[:ERRORS_SAMPLE]
        self.count += len({e.row for e in errors})

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()
