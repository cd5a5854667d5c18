"""Reading import files from a local copy: CSV in chunks, workbooks sheet by sheet.

A blob is streamed to a temporary file first (``runner``), so a 50 MB file is never held whole
in memory: CSV is parsed in chunks of ``CHUNK_ROWS``; workbook values come from calamine
(about 10x faster than openpyxl), images from openpyxl (``images``).

A CSV file is read one physical line at a time, each line a row: a cell never spans lines
(no column of any kind holds free text), so an unterminated quote, an extra or a missing cell
is that row's error and never shifts or swallows another row. The text encoding is found
before any row is read (``sniff``): a byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8,
else Windows-1252 (what Excel's "CSV" writes on Windows); anything else, and any file that is
not text at all (a workbook or a zip named .csv, an image), is refused with the reason.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from shared.core.errors import ImportRejected, UnknownKind
from shared.ingest.bulk.schemas import CSV_KINDS, SHEETS, Kind
from shared.ingest.bulk.validate import RowError

CHUNK_ROWS = 50_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
# A row longer than this is not a row of any kind (every cell of every kind is short).
MAX_LINE_CHARS = 16_384
# The column of a row error that concerns the row as a whole (its cells, quotes or bytes).
WHOLE_ROW = "(row)"
_HEAD_BYTES = 64 * 1024
_SAVE_AS = "save the sheet as CSV (comma-separated, UTF-8) and upload that"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Not text: (leading bytes, what the file is).
_MAGIC = (
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)


def is_workbook(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def is_ignored(name: str) -> bool:
    """Excel's lock files (``~$book.xlsx``) are never data."""
    return Path(name).name.startswith("~$")


# -- CSV ----------------------------------------------------------------------------------------
def sniff(path: Path) -> str:
    """The text encoding of a CSV file, or ``ImportRejected`` naming why it is not one."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head.strip():
        raise ImportRejected("row 1: the file is empty (no header, no rows)")
    if head.startswith(b"PK\x03\x04"):
        raise ImportRejected(f"row 1: {_zip_kind(path)}")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportRejected(f"row 1: the file is {what}, not a CSV text file; {_SAVE_AS}")
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return _check(path, encoding)
    nuls = head.count(0)
    if nuls:
        # UTF-16 without a mark: every other byte of ASCII text is zero.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return _check(path, "utf-16-le")
        if even > len(head) // 4 and odd == 0:
            return _check(path, "utf-16-be")
        # A NUL or two in a text file is the error of its row; in the header or all over
        # the file, the file is not text.
        first = head.index(0)
        if b"\n" not in head[:first] or nuls > len(head) // 100:
            row = head[:first].count(b"\n") + 1
            raise ImportRejected(
                f"row {row}: binary content (a NUL byte), not a CSV text file; {_SAVE_AS}"
            )
    try:
        return _check(path, "utf-8")
    except ImportRejected:
        return _check(path, "cp1252")


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        names = set()
    if "xl/workbook.xml" in names:
        return (
            "the file is an Excel workbook (.xlsx) under another name, not a CSV text file; "
            "upload it with its .xlsx name, or " + _SAVE_AS
        )
    return f"the file is a zip archive, not a CSV text file; {_SAVE_AS}"


def _check(path: Path, encoding: str) -> str:
    """``encoding`` if the whole file decodes with it; else ``ImportRejected`` naming the row."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    rows = 1
    with open(path, "rb") as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                row = rows + block[: exc.start].count(b"\n")
                raise ImportRejected(
                    f"row {row}: bytes that are not {_NAMES.get(encoding, encoding)} text "
                    f"({exc.object[exc.start : exc.start + 4]!r}); {_SAVE_AS}"
                ) from exc
            if not block:
                return encoding
            rows += block.count(b"\n")


_NAMES = {"utf-8": "UTF-8", "cp1252": "UTF-8 or Windows-1252", "utf-8-sig": "UTF-8"}


def delimiter_of(path: Path, encoding: str = "utf-8-sig") -> str:
    """``\\t`` for a tab-delimited export (Amazon's flat-file reports), else ``,``: the header
    decides, as it has more tabs than commas or not."""
    with open(path, newline="", encoding=encoding) as handle:
        line = handle.readline()
    return "\t" if line.count("\t") > line.count(",") else ","


def _reader(line: str, delimiter: str) -> Iterator[list[str]]:
    # Tab-delimited flat files do not quote: a product name may hold a lone quote mark.
    if delimiter == "\t":
        return csv.reader((line,), delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    return csv.reader((line,), strict=True)


def csv_header(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[str]:
    """The header's cell names (trimmed); ``ImportRejected`` if row 1 is not a usable header."""
    with open(path, newline="", encoding=encoding) as handle:
        line = handle.readline().rstrip("\r\n")
    if _CONTROL.search(line):
        raise ImportRejected(
            f"row 1: binary content in the header, not a CSV text file; {_SAVE_AS}"
        )
    try:
        header = [h.strip() for h in next(_reader(line, delimiter), [])]
    except csv.Error as exc:
        raise ImportRejected(f"row 1: the header is not a CSV row ({_quote_problem(exc)})") from exc
    named = [h for h in header if h]
    if not named:
        raise ImportRejected("row 1: the header has no column names")
    if len(named) == 1:
        separator = next((s for s in ";\t|" if s in named[0]), None)
        if separator:
            raise ImportRejected(
                f"row 1: the cells are separated by {separator!r}, not by commas; {_SAVE_AS}"
            )
    twice = sorted({h for h in named if named.count(h) > 1})
    if twice:
        raise ImportRejected(f"row 1: the header names {', '.join(twice)} more than once")
    return header


@dataclass
class Chunk:
    """Up to ``CHUNK_ROWS`` rows as text cells, indexed by file row number minus 2 (so
    ``validate(kind, frame, 2)`` names the file's rows), and the rows refused as rows."""

    frame: pd.DataFrame
    errors: list[RowError]


def csv_chunks(
    path: Path,
    header: list[str],
    encoding: str = "utf-8-sig",
    size: int = CHUNK_ROWS,
    delimiter: str = ",",
) -> Iterator[Chunk]:
    width = len(header)
    columns = [h or f"_unnamed_{i}" for i, h in enumerate(header)]
    rows: list[list[str]] = []
    numbers: list[int] = []
    errors: list[RowError] = []
    with open(path, newline="", encoding=encoding) as handle:
        handle.readline()  # the header
        for number, raw in enumerate(handle, start=2):
            line = raw.rstrip("\r\n")
            cells, error = _row(line, number, width, delimiter)
            if error is not None:
                errors.append(error)
            elif cells is not None:
                rows.append(cells)
                numbers.append(number)
            if len(rows) >= size:
                yield _chunk(rows, numbers, columns, errors)
                rows, numbers, errors = [], [], []
    if rows or errors:
        yield _chunk(rows, numbers, columns, errors)


def _row(
    line: str, number: int, width: int, delimiter: str = ","
) -> tuple[list[str] | None, RowError | None]:
    """(cells, None), (None, the row's error) or (None, None) for a blank row."""
    if len(line) > MAX_LINE_CHARS:
        return None, _error(number, line, f"row too long: {len(line)} characters")
    bad = _CONTROL.search(line)
    if bad:
        return None, _error(
            number, line, f"binary content: control character {ord(bad.group()):#04x}"
        )
    try:
        cells = next(_reader(line, delimiter), [])
    except csv.Error as exc:
        return None, _error(number, line, _quote_problem(exc))
    if not any(c.strip() for c in cells):
        return None, None  # a blank row (or only separators): nothing to import, no error
    if len(cells) > width:
        if any(c.strip() for c in cells[width:]):
            return None, _error(
                number, line, f"extra cells: {len(cells)} cells, the header has {width}"
            )
        cells = cells[:width]  # trailing empty cells (separators at the end of the row)
    if len(cells) < width:
        return None, _error(
            number, line, f"missing cells: {len(cells)} cells, the header has {width}"
        )
    return [c.strip() for c in cells], None


def _quote_problem(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):
        return "unterminated quote: a quoted cell is not closed on its row"
    return f"malformed quoting: {exc}"


def _error(number: int, line: str, rule: str) -> RowError:
    return RowError(number, WHOLE_ROW, line[:200], rule)


def _chunk(
    rows: list[list[str]], numbers: list[int], columns: list[str], errors: list[RowError]
) -> Chunk:
    frame = pd.DataFrame(rows, columns=columns, dtype="str", index=[n - 2 for n in numbers])
    return Chunk(frame.replace("", pd.NA) if len(frame) else frame, errors)


def count_rows(path: Path) -> int:
    """Data rows of a CSV file (lines after the header), for the progress total."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


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
        "row 1: the columns match no file kind (sales, inventory, demand); "
        f"found {', '.join(header[:12]) or 'no header'}"
    )


# -- workbooks -----------------------------------------------------------------------------------
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
