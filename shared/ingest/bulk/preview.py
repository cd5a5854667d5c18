"""What the Imports page shows before an order export is mapped (``POST /api/imports/preview``).

The header, the first rows as written, a guess for each column (``mapping.guess``), the mapping
those guesses make, the status values found in the whole file with the status each would take,
how each date column writes its dates (decided over the whole column: an ambiguous one is a
question for the seller) and the preset whose fingerprint the header has. A header no preset
has is compared with the nearest preset, so the page can show what changed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from shared.adapters.cosmos import Store
from shared.ingest.bulk import indian_formats, orders, presets
from shared.ingest.bulk.mapping import (
    DESCRIPTIONS,
    FIELDS,
    REQUIRED,
    fingerprint,
    guess,
    guess_status,
    normalise_value,
    suggested,
)

SAMPLE_ROWS = 20
GUESS_ROWS = 500  # rows the value-based guesses look at
MAX_STATUSES = 100  # distinct status values listed; more means it is not a status column


def preview(store: Store, name: str, content: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="resight-preview-") as tmp:
        path = Path(tmp) / f"file{Path(name).suffix.lower()}"
        path.write_bytes(content)
        table = orders.read(path, name)
    frame = table.frame
    header = table.header
    guesses = guess(header, frame.head(GUESS_ROWS))
    columns = suggested(guesses)
    matched = presets.match(store, header)
    nearest = None if matched else presets.closest(store, header)
    sample = frame.head(SAMPLE_ROWS).astype("object").where(frame.head(SAMPLE_ROWS).notna(), None)
    dates = [
        _dates(frame, column, field)
        for field, column in columns.items()
        if field in ("date", "status_date")
    ]
    day_first = next((d["day_first"] for d in dates if d["field"] == "date"), None)
    statuses = _statuses(frame, columns.get("status"))
    return {
        "file": name,
        "delimiter": table.delimiter,
        "header": header,
        "fingerprint": fingerprint(header),
        "rows": sample.values.tolist(),
        "rows_total": len(frame) + len(table.errors),
        "row_errors": [e.to_dict() for e in table.errors[:SAMPLE_ROWS]],
        "guesses": [g.to_dict() for g in guesses],
        "fields": [
            {"field": f, "required": f in REQUIRED, "description": DESCRIPTIONS[f]} for f in FIELDS
        ],
        "suggested": {
            "columns": columns,
            "statuses": {s["value"]: s["status"] for s in statuses if s["status"]},
            "day_first": day_first,
            "missing": [f for f in REQUIRED if f not in columns],
        },
        "dates": dates,
        "statuses": statuses,
        "preset": _summary(matched) if matched else None,
        "closest_preset": (
            {**_summary(nearest[0]), "changes": nearest[1]} if nearest is not None else None
        ),
    }


def _summary(preset: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": preset["id"],
        "name": preset["name"],
        "shipped": bool(preset.get("shipped")),
        "mapping": preset["mapping"],
    }


def _dates(frame: pd.DataFrame, column: str, field: str) -> dict[str, Any]:
    found = indian_formats.date_order(frame[column])
    return {
        "field": field,
        "column": column,
        "order": found.order,
        "day_first": found.day_first,
        "needs_answer": found.needs_answer,
        "evidence": found.evidence,
    }


def _statuses(frame: pd.DataFrame, column: str | None) -> list[dict[str, Any]]:
    if column is None:
        return []
    counts = (
        frame[column]
        .dropna()
        .astype("string")
        .map(normalise_value)
        .loc[lambda s: s != ""]
        .value_counts()
    )
    if len(counts) > MAX_STATUSES:
        return []
    return [
        {"value": value, "rows": int(n), "status": guess_status(value)}
        for value, n in counts.items()
    ]
