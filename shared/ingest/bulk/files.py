"""Reading import files from a local copy: CSV in chunks, workbooks sheet by sheet.

A blob is streamed to a temporary file first (``runner``), so a 50 MB file is never held whole
in memory: CSV is parsed in chunks of ``CHUNK_ROWS``; workbook values come from calamine
(about 10x faster than openpyxl), images from openpyxl (``images``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from shared.ingest.bulk.schemas import CSV_KINDS, SHEETS, Kind

CHUNK_ROWS = 50_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


class UnknownKind(ValueError):
    """The file matches no kind: reported with the reason, nothing written."""


def is_workbook(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def is_ignored(name: str) -> bool:
    """Excel's lock files (``~$book.xlsx``) are never data."""
    return Path(name).name.startswith("~$")


def csv_header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        try:
            return [h.strip() for h in next(csv.reader(handle))]
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UnknownKind(f"not a readable CSV file: {exc}") from exc


def detect_csv_kind(name: str, header: list[str], hint: str | None = None) -> Kind:
    """The kind named by ``hint`` (upload option or blob metadata), else the kind whose
    required columns the header has; a file that looks like none is refused."""
    if hint:
        if hint not in CSV_KINDS:
            raise UnknownKind(f"unknown kind {hint!r}; expected one of {sorted(CSV_KINDS)}")
        return CSV_KINDS[hint]
    present = set(header)
    complete = [k for k in CSV_KINDS.values() if set(k.required) <= present]
    if complete:
        return max(complete, key=lambda k: len(present & set(k.columns)))
    # Not complete: name the kind it was meant to be, so the report can list what is missing.
    stem = Path(name).stem.lower()
    for kind in CSV_KINDS.values():
        if kind.name in stem:
            return kind
    best = max(CSV_KINDS.values(), key=lambda k: len(present & set(k.required)))
    if len(present & (set(best.required) - {"date", "product_id"})) >= 1:
        return best
    raise UnknownKind(
        "the columns match no file kind (sales, inventory, demand); "
        f"found {', '.join(header[:12]) or 'no header'}"
    )


def csv_chunks(path: Path) -> Iterator[tuple[int, pd.DataFrame]]:
    """(file row number of the chunk's first row, chunk of text cells)."""
    reader = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        chunksize=CHUNK_ROWS,
        encoding="utf-8-sig",
        skipinitialspace=True,
    )
    first = 2
    with reader:
        for chunk in reader:
            chunk.index = pd.RangeIndex(len(chunk))
            yield first, chunk
            first += len(chunk)


def count_rows(path: Path) -> int:
    """Data rows of a CSV file (lines after the header; a quoted newline counts once more,
    which only makes the progress total a little high)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


def _norm(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def workbook_sheets(path: Path, aliases: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The known sheets of a workbook by kind, as frames of text cells. Sheet names match
    case-insensitively (spaces, dashes and underscores alike) and through ``aliases``."""
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types per format
        raise UnknownKind(f"not a readable workbook: {exc}") from exc
    wanted = {_norm(k): k for k in SHEETS}
    wanted.update({_norm(alias): target for alias, target in aliases.items() if target in SHEETS})
    found: dict[str, pd.DataFrame] = {}
    for sheet_name in book.sheet_names:
        kind = wanted.get(_norm(sheet_name))
        if kind is None or kind in found:
            continue
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        found[kind] = _frame(rows)
    if not found:
        raise UnknownKind(
            f"no known sheet in the workbook (found {', '.join(book.sheet_names)}); "
            f"expected {', '.join(SHEETS)} or a configured alias"
        )
    return found


def _frame(rows: list[list[Any]]) -> pd.DataFrame:
    rows = [r for r in rows if any(c not in ("", None) for c in r)]
    if not rows:
        return pd.DataFrame()
    header = [_norm(str(h)) for h in rows[0]]
    body = [[_text(c) for c in r[: len(header)]] for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype="str")
    return frame.replace("", pd.NA)


def _text(value: Any) -> str:
    """A cell as the text a CSV would carry: 8901234567890.0 is a barcode, not a float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value).strip()
