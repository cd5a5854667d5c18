"""Validate a frame of raw text cells against a file kind, row by row, all failures at once.

Cells arrive as text (CSV) or as the workbook's values; the schema coerces and checks them with
``lazy=True`` so every failing cell is reported, not only the first. Each failure is reported
with its file row number (the header is row 1), column, value and rule; the rows without
failures are returned, coerced, for import.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.errors as pa_errors
import pyarrow as pa
import pyarrow.compute as pc

from shared.core.errors import MissingColumns
from shared.ingest.bulk.schemas import Kind


@dataclass(frozen=True)
class RowError:
    row: int  # file row number: the header is row 1
    column: str
    value: str
    rule: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "rule": self.rule}


def check_columns(kind: Kind, header: list[str]) -> None:
    """A file without every required column is refused as a whole."""
    present = {h.strip() for h in header}
    missing = [c for c in kind.required if c not in present]
    if missing:
        raise MissingColumns(missing)


def validate(
    kind: Kind, frame: pd.DataFrame, first_row: int
) -> tuple[pd.DataFrame, list[RowError]]:
    """(valid rows coerced, failures). ``frame``'s index is its position in the file's data
    rows; ``first_row`` is the file row number of index 0."""
    frame, errors, texts = _prepare(kind, frame, first_row)
    schema = kind.model.to_schema()
    try:
        checked = schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        errors += _row_errors(exc.failure_cases, first_row, errors, texts)
        checked = None
    if not errors and checked is not None:
        return checked, []
    errors.sort(key=lambda e: (e.row, e.column))
    bad = {e.row - first_row for e in errors}
    good = frame.loc[~frame.index.isin(bad)]
    return schema.validate(good, lazy=True), errors


def _prepare(
    kind: Kind, frame: pd.DataFrame, first_row: int
) -> tuple[pd.DataFrame, list[RowError], dict[str, pd.Series]]:
    """Columns in schema order, blanks as missing, numbers parsed. A cell that is not a number
    is a type failure; it is blanked so the column's other checks still run on the rest (pandera
    skips a column's checks once its coercion fails)."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    for column in kind.columns:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[kind.columns].replace("", pd.NA)
    errors: list[RowError] = []
    texts: dict[str, pd.Series] = {}  # numeric columns as written, for the report
    for name, column in kind.model.to_schema().columns.items():
        dtype = str(column.dtype).lower()
        if not dtype.startswith(("int", "float")):
            continue
        raw = texts[name] = frame[name]
        numbers = _numbers(raw)
        wrong = numbers.isna() & raw.notna()
        if dtype.startswith("int"):
            fractional = numbers.notna() & (numbers % 1 != 0)
            wrong |= fractional
            numbers = numbers.where(~fractional)
        for index, value in raw[wrong].items():
            rule = "type integer" if dtype.startswith("int") else "type number"
            errors.append(RowError(int(index) + first_row, name, str(value), rule))
        frame[name] = numbers.astype("Int64" if dtype.startswith("int") else "float64")
    return frame, errors, texts


def _numbers(raw: pd.Series) -> pd.Series:
    """Text to float64, NaN where a cell is not a number. A clean column is cast in one go by
    Arrow (some 30x faster than ``pd.to_numeric``); only a column with a bad cell pays for the
    cell-by-cell parse."""
    try:
        values = pc.cast(pa.array(raw, from_pandas=True), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=raw.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pd.to_numeric(raw, errors="coerce").astype("float64")


_RULES = {"not_nullable": "required"}


def _row_errors(
    cases: pd.DataFrame, first_row: int, known: list[RowError], texts: dict[str, pd.Series]
) -> list[RowError]:
    typed = {(e.row, e.column) for e in known}
    out = []
    for case in cases.itertuples(index=False):
        if pd.isna(case.index):
            # A frame-level failure (a column missing) is reported before rows are read.
            continue
        row = int(case.index) + first_row
        if (row, str(case.column)) in typed:
            continue  # already reported as a type failure
        check = str(case.check)
        rule = next((v for k, v in _RULES.items() if check.startswith(k)), check)
        value = "" if pd.isna(case.failure_case) else str(case.failure_case)
        if case.column in texts:  # the cell as the file wrote it, not as parsed
            written = texts[str(case.column)].get(int(case.index))
            value = "" if written is None or pd.isna(written) else str(written)
        out.append(RowError(row, str(case.column), value, rule))
    return out
