"""Duplicate rows by natural key (``Kind.key``): the first one counts, later ones are dropped
and reported as warnings with their row numbers, in one file and across files.

A row's key is a digest of its key columns, the date as the UTC moment it names (so
``2026-12-01`` and ``2026-12-01T00:00:00`` are one key). Every event an import writes carries
the keys of the rows it holds (``row_keys``) and the import's id, so a later file finds the
rows imported before from the log itself: a file that repeats yesterday's rows, or a longer
export of the same day, adds only the rows that are new. A retry of the same import (after a
crash) does not count its own rows as earlier ones; its events are idempotent creates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from shared.adapters.cosmos import Store
from shared.ingest.bulk.events import EVENT_KIND, to_utc
from shared.ingest.bulk.schemas import Kind

KEY = "_key"  # the frame column holding each row's key digest


@dataclass(frozen=True)
class Duplicate:
    row: int  # file row number (the header is row 1)
    of_row: int | None  # the earlier row of the same file
    of_import: str | None  # or the earlier import that holds it

    def to_dict(self, kind: Kind) -> dict[str, object]:
        columns = ", ".join(kind.key)
        if self.of_row is not None:
            detail = f"repeats row {self.of_row} (same {columns}); dropped"
        else:
            detail = f"imported before by import {self.of_import} (same {columns}); dropped"
        return {"row": self.row, "rule": "duplicate", "detail": detail}


def with_keys(kind: Kind, frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """``frame`` (validated rows) with each row's key digest in ``KEY``."""
    if frame.empty:
        return frame.assign(**{KEY: pd.Series(dtype="str")})
    parts = []
    for column in kind.key:
        if column == "date":
            moment = to_utc(frame["date"], timezone)
            parts.append(moment.dt.strftime("%Y-%m-%dT%H:%M:%S"))
        else:
            parts.append(frame[column].astype("str").str.strip())
    joined = parts[0].str.cat(parts[1:], sep="|") if len(parts) > 1 else parts[0]
    digests = [hashlib.sha256(t.encode()).hexdigest()[:16] for t in joined.tolist()]
    return frame.assign(**{KEY: pd.Series(digests, index=frame.index, dtype="str")})


class InFile:
    """The keys seen so far in one file, across its chunks."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}
        self.found: list[Duplicate] = []

    def drop(self, frame: pd.DataFrame) -> pd.DataFrame:
        keep = []
        for index, key in zip(frame.index.tolist(), frame[KEY].tolist(), strict=True):
            row = int(index) + 2
            earlier = self.first.get(key)
            if earlier is None:
                self.first[key] = row
                keep.append(True)
            else:
                self.found.append(Duplicate(row, earlier, None))
                keep.append(False)
        return frame.loc[keep]


def drop_earlier(
    store: Store, kind: Kind, frame: pd.DataFrame, timezone: str, import_id: str
) -> tuple[pd.DataFrame, list[Duplicate]]:
    """Drop the rows whose key an earlier import wrote to the log."""
    if frame.empty:
        return frame, []
    moments = to_utc(frame["date"], timezone)
    # Over-fetch by a day each side: a day's sales event is dated at its last hour.
    start = (moments.min().floor("D") - timedelta(days=1)).isoformat()
    end = (moments.max().floor("D") + timedelta(days=2)).isoformat()
    earlier: dict[str, str] = {}
    for doc in store.query(
        "events",
        "SELECT c.row_keys, c.import_id FROM c WHERE c.source = 'import' AND c.kind = @kind "
        "AND c.occurred_at >= @start AND c.occurred_at < @end AND IS_DEFINED(c.row_keys)",
        [("@kind", EVENT_KIND[kind.name]), ("@start", start), ("@end", end)],
    ):
        owner = doc.get("import_id")
        if owner == import_id:
            continue  # written by an earlier attempt of this import
        for key in doc["row_keys"]:
            earlier.setdefault(key, owner or "unknown")
    if not earlier:
        return frame, []
    seen = frame[KEY].map(earlier)
    found = [
        Duplicate(int(index) + 2, None, str(owner)) for index, owner in seen[seen.notna()].items()
    ]
    return frame.loc[seen.isna()], found
