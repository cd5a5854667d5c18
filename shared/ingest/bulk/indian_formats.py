"""Amounts and dates as Indian sellers' exports write them: pure functions over text columns.

Amounts: ``₹1,23,456.50``, ``Rs. 499``, ``INR 1,299.00``, ``1,234.5`` (lakh or western
grouping), ``-12.50``; a blank cell or a lone ``-`` is missing, not zero.

Dates: ``DD-MM-YYYY``, ``DD/MM/YY``, ``DD.MM.YYYY``, ``DD-Mon-YYYY`` (``07-Dec-2026``),
``Dec 7, 2026``, each with an optional time (``14:05``, ``2:05 PM``, seconds), and ISO 8601
(``2026-12-07T14:05:00+05:30``). Whether ``03/04/2026`` is the 3rd of April or the 4th of March
is decided once for the whole column, never row by row: a column where any value has a first
number above 12 is day-first, one where any value has a second number above 12 is month-first,
and one where neither happens is ``ambiguous``: the caller asks the seller (``DateOrder``).
Parsing itself is pandas' (dateutil underneath), with the order fixed for the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from shared.core.errors import InvalidValue

MISSING = frozenset({"", "-", "--", "\u2014", "\u2013", "na", "n/a", "nil", "null", "none"})
_CURRENCY = re.compile(r"^(?:₹|rs\.?|inr)\s*", re.IGNORECASE)
# Digits grouped by commas either way (1,23,456 or 123,456) or not at all, then decimals.
_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# ISO 8601, and the same with a space before the offset (Shopify's "2026-12-01 10:00:00 +0530").
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?$"
)
# An offset written straight after the time ("+05:30", "+0530", "Z"), as ISO 8601 has it.
_OFFSET_AT_END = re.compile(r"\d(?:Z|[+-]\d{2}:?\d{2})$")
# Two numbers then a year: 07-12-2026, 7/12/26, 07.12.2026 (a time may follow).
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\b|T|$)")
_MONTH_NAME = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.IGNORECASE
)

Order = Literal["iso", "day_first", "month_first", "named_month", "ambiguous", "mixed", "empty"]


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return True
    return str(value).strip().lower() in MISSING


# -- amounts -------------------------------------------------------------------------------------
def parse_amount(text: object) -> float | None:
    """One amount in rupees; None when missing. ``InvalidValue`` when it is not an amount."""
    if is_missing(text):
        return None
    value = str(text).strip().replace("\u00a0", " ")
    negative = value.startswith("-")
    if negative:
        value = value[1:].strip()
    value = _CURRENCY.sub("", value).replace(" ", "")
    if negative:
        value = "-" + value
    if not _AMOUNT.match(value):
        raise InvalidValue(f"not an amount: {text!r}")
    return float(value.replace(",", ""))


def parse_amounts(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(amounts as float64 with NaN for missing, a mask of the cells that are not amounts).
    Each distinct text is parsed once: an export repeats its prices."""
    texts = column.astype("string")
    out: dict[str, float] = {}
    bad: set[str] = set()
    for text in texts.dropna().unique().tolist():
        try:
            parsed = parse_amount(text)
        except ValueError:
            bad.add(text)
            continue
        out[text] = float("nan") if parsed is None else parsed
    values = texts.map(out).astype("float64")
    wrong = texts.isin(list(bad)).fillna(False).astype(bool)
    return values, wrong


# -- dates ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateOrder:
    """How a column writes its dates: ``order`` and, for a numeric column, whether it is
    day-first (None when the column does not say: ask)."""

    order: Order
    day_first: bool | None
    # A value that shows the order (a day above 12), for the question put to the seller.
    evidence: str | None = None

    @property
    def needs_answer(self) -> bool:
        return self.order == "ambiguous"


def date_order(column: pd.Series) -> DateOrder:
    """Decide day-first or month-first for the whole column (see the module's docstring)."""
    day_first = month_first = None
    kinds: set[str] = set()
    for raw in column.dropna().astype("string").unique().tolist():
        text = str(raw).strip()
        if is_missing(text):
            continue
        if _ISO.match(text):
            kinds.add("iso")
            continue
        numeric = _NUMERIC.match(text)
        if numeric:
            kinds.add("numeric")
            first, second = int(numeric.group(1)), int(numeric.group(2))
            if first > 12 and day_first is None:
                day_first = text
            if second > 12 and month_first is None:
                month_first = text
            continue
        if _MONTH_NAME.search(text):
            kinds.add("named")
            continue
        kinds.add("other")
    if not kinds:
        return DateOrder("empty", None)
    if day_first and month_first:
        return DateOrder("mixed", None, f"{day_first} and {month_first}")
    if "numeric" not in kinds:
        return DateOrder("iso" if kinds == {"iso"} else "named_month", False)
    if day_first:
        return DateOrder("day_first", True, day_first)
    if month_first:
        return DateOrder("month_first", False, month_first)
    return DateOrder("ambiguous", None)


def parse_dates(
    column: pd.Series, timezone: str, day_first: bool | None = None
) -> tuple[pd.Series, pd.Series]:
    """(UTC timestamps, a mask of the cells that are not dates). A time without an offset is
    ``timezone``'s clock (the seller's, ``IMPORT_TIMEZONE``).

    ``day_first`` None decides it over the column (``date_order``); an ambiguous column is
    read day-first, India's way, unless the caller said otherwise."""
    if day_first is None:
        found = date_order(column)
        day_first = True if found.day_first is None else found.day_first
    texts = column.astype("string").str.strip()
    missing = texts.isna() | texts.str.lower().isin(list(MISSING)).fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[us, UTC]")
    todo = texts[~missing]
    # ISO 8601 first (Amazon's reports, most APIs' exports), one vectorised pass for the values
    # with an offset and one for those without; then the usual Indian shapes, each in one pass;
    # what is left goes value by value.
    iso = todo.str.match(_ISO.pattern).fillna(False).astype(bool)
    with_offset = todo.str.contains(_OFFSET_AT_END.pattern).fillna(False).astype(bool)
    for offset in (True, False):
        part = todo[iso & (with_offset == offset)]
        if part.empty:
            continue
        hit = pd.to_datetime(part, format="ISO8601", utc=offset, errors="coerce")
        found_at = hit.notna()
        if found_at.any():
            parsed = hit[found_at] if offset else _utc(hit[found_at], timezone)
            out[found_at[found_at].index] = parsed
            todo = todo.drop(found_at[found_at].index)
            iso, with_offset = iso[todo.index], with_offset[todo.index]
    for fmt in _formats(day_first):
        if todo.empty:
            break
        hit = pd.to_datetime(todo, format=fmt, errors="coerce")
        found_at = hit.notna()
        if found_at.any():
            out[found_at[found_at].index] = _utc(hit[found_at], timezone)
            todo = todo[~found_at]
    if not todo.empty:
        cache = {text: _one_date(text, day_first=day_first) for text in todo.unique().tolist()}
        for index, text in todo.items():
            value = cache[text]
            if value is None:
                continue
            if value.tzinfo is None:
                value = value.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            if value is not pd.NaT:
                out[index] = value.tz_convert("UTC")
    wrong = ~missing & out.isna()
    return out, wrong


def _formats(day_first: bool) -> list[str]:
    dm = ("%d", "%m") if day_first else ("%m", "%d")
    out = []
    for sep in ("-", "/", "."):
        for year in ("%Y", "%y"):
            base = sep.join((*dm, year))
            out += [base, f"{base} %H:%M", f"{base} %H:%M:%S"]
    out += ["%d-%b-%Y", "%d-%b-%Y %H:%M:%S", "%d %b %Y", "%d-%b-%y"]
    return out


def _utc(values: pd.Series, timezone: str) -> pd.Series:
    if getattr(values.dt, "tz", None) is not None:
        return values.dt.tz_convert("UTC")
    return values.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


def _one_date(text: str, *, day_first: bool) -> pd.Timestamp | None:
    if _ISO.match(text):
        try:
            return pd.Timestamp(text)
        except ValueError:
            return None
    if not (_NUMERIC.match(text) or _MONTH_NAME.search(text)):
        return None  # dateutil would read "12" or "3.5" as a date: not here
    try:
        value = pd.to_datetime(text, dayfirst=day_first, format="mixed")
    except (ValueError, OverflowError):
        return None
    return None if value is pd.NaT else value
