"""Amounts and dates as Indian exports write them (shared/ingest/bulk/indian_formats.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ingest.bulk.indian_formats import (
    date_order,
    parse_amount,
    parse_amounts,
    parse_dates,
)

pytestmark = pytest.mark.unit
IST = "Asia/Kolkata"
IST_OFFSET = timedelta(hours=5, minutes=30)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def lakh(whole: int) -> str:
    """Indian digit grouping: the last three digits, then pairs (12,34,567)."""
    text = str(whole)
    if len(text) <= 3:
        return text
    head, tail = text[:-3], text[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def western(whole: int) -> str:
    return f"{whole:,}"


paise = st.integers(min_value=0, max_value=10**11)


@settings(deadline=None)
@given(
    paise,
    st.sampled_from([lakh, western, str]),
    st.sampled_from(["", "₹", "₹ ", "Rs.", "Rs. ", "Rs ", "INR "]),
    st.booleans(),
)
def test_amounts_in_any_indian_writing_read_back_exactly(value, group, prefix, negative):
    whole, cents = divmod(value, 100)
    text = f"{'-' if negative else ''}{prefix}{group(whole)}.{cents:02d}"
    expected = float(Decimal(value) / 100) * (-1 if negative else 1)
    assert parse_amount(text) == pytest.approx(expected, abs=1e-9)


@given(st.sampled_from(["", " ", "-", " - ", "NA", None]))
def test_blank_or_a_dash_is_missing_not_zero(text):
    assert parse_amount(text) is None


@given(st.text(alphabet="abcxyz@#,.", min_size=1).filter(lambda t: t.strip(" -") != ""))
def test_text_that_is_no_amount_is_flagged(text):
    values, wrong = parse_amounts(pd.Series([text, "₹1,23,456.50"]))
    assert values[1] == 123456.5
    if any(c.isalpha() or c in "@#" for c in text) or text.count(".") > 1:
        assert wrong[0]
        assert pd.isna(values[0])


def test_lakh_grouping_and_rupee_signs():
    values, wrong = parse_amounts(pd.Series(["₹1,23,456.50", "Rs. 499", "-", "", "1,00,000"]))
    assert values.tolist()[:2] == [123456.5, 499.0]
    assert values.isna().tolist() == [False, False, True, True, False]
    assert not wrong.any()
    for not_grouped in ("12,34", "12,3,4", "1,2345.00", "₹"):
        with pytest.raises(ValueError):
            parse_amount(not_grouped)


moments = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2068, 12, 31))


def written(moment: datetime, style: str) -> str:
    d, m, y = moment.day, moment.month, moment.year
    return {
        "dd-mm-yyyy": f"{d:02d}-{m:02d}-{y}",
        "dd/mm/yy": f"{d:02d}/{m:02d}/{y % 100:02d}",
        "d/m/yyyy": f"{d}/{m}/{y}",
        "dd.mm.yyyy": f"{d:02d}.{m:02d}.{y}",
        "dd-mon-yyyy": f"{d:02d}-{MONTHS[m - 1]}-{y}",
        "dd-mm-yyyy hh:mm:ss": f"{d:02d}-{m:02d}-{y} {moment:%H:%M:%S}",
        "dd/mm/yyyy hh:mm": f"{d:02d}/{m:02d}/{y} {moment:%H:%M}",
        "dd-mon-yyyy hh:mm:ss": f"{d:02d}-{MONTHS[m - 1]}-{y} {moment:%H:%M:%S}",
        "iso": moment.isoformat(timespec="seconds"),
        "iso+05:30": moment.isoformat(timespec="seconds") + "+05:30",
    }[style]


STYLES = [
    "dd-mm-yyyy",
    "dd/mm/yy",
    "d/m/yyyy",
    "dd.mm.yyyy",
    "dd-mon-yyyy",
    "dd-mm-yyyy hh:mm:ss",
    "dd/mm/yyyy hh:mm",
    "dd-mon-yyyy hh:mm:ss",
    "iso",
    "iso+05:30",
]


def precision(style: str, moment: datetime) -> datetime:
    if "hh:mm:ss" in style or style.startswith("iso"):
        return moment.replace(microsecond=0)
    if "hh:mm" in style:
        return moment.replace(second=0, microsecond=0)
    return datetime.combine(moment.date(), time())


@settings(max_examples=150, deadline=None)
@given(st.lists(moments, min_size=1, max_size=20), st.sampled_from(STYLES))
def test_a_column_in_one_style_reads_back_as_ist_clock_times(values, style):
    # One value with a day above 12 makes the column day-first, as a real export has.
    anchor = datetime(2026, 12, 25, 10, 30, 0)
    column = [*values, anchor]
    parsed, wrong = parse_dates(pd.Series([written(v, style) for v in column]), IST)
    assert not wrong.any()
    for moment, got in zip(column, parsed.tolist(), strict=True):
        expected = precision(style, moment)
        assert got.to_pydatetime() == (expected - IST_OFFSET).replace(tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.dates(min_value=date(2001, 1, 1), max_value=date(2068, 12, 31)).filter(
            lambda d: d.day <= 12 and d.day != d.month
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["dd-mm-yyyy", "dd/mm/yy", "d/m/yyyy"]),
)
def test_a_column_without_a_day_above_12_is_ambiguous_and_the_answer_decides(days, style):
    texts = pd.Series([written(datetime.combine(d, time()), style) for d in days])
    found = date_order(texts)
    assert found.order == "ambiguous" and found.needs_answer and found.day_first is None
    as_day_first, _ = parse_dates(texts, IST, day_first=True)
    as_month_first, _ = parse_dates(texts, IST, day_first=False)
    for d, a, b in zip(days, as_day_first.tolist(), as_month_first.tolist(), strict=True):
        assert (a + IST_OFFSET).date() == d
        assert (b + IST_OFFSET).date() == date(d.year, d.day, d.month)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.dates(min_value=date(2001, 1, 1), max_value=date(2068, 12, 31)), max_size=30),
    st.dates(min_value=date(2001, 1, 13), max_value=date(2068, 12, 31)).filter(
        lambda d: d.day > 12
    ),
    st.integers(min_value=0, max_value=30),
)
def test_one_day_above_12_anywhere_makes_the_whole_column_day_first(days, telling, at):
    column = list(days)
    column.insert(min(at, len(column)), telling)
    texts = pd.Series([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in column])
    found = date_order(texts)
    assert found.order == "day_first" and found.day_first is True
    parsed, wrong = parse_dates(texts, IST)
    assert not wrong.any()
    assert [(p + IST_OFFSET).date() for p in parsed.tolist()] == column


def test_a_month_above_12_makes_it_month_first_and_both_is_mixed():
    assert date_order(pd.Series(["12/25/2026", "01/02/2026"])).order == "month_first"
    mixed = date_order(pd.Series(["25/12/2026", "12/25/2026"]))
    assert mixed.order == "mixed" and mixed.day_first is None
    assert date_order(pd.Series(["07-Dec-2026", "2026-12-07"])).day_first is False
    assert date_order(pd.Series(["", "-"])).order == "empty"


def test_blank_dash_and_nonsense_cells():
    parsed, wrong = parse_dates(pd.Series(["-", "", "12", "31/02/2026", "07-Dec-2026"]), IST)
    assert parsed.isna().tolist() == [True, True, True, True, False]
    assert wrong.tolist() == [False, False, True, True, False]


def test_an_offset_is_kept_and_a_local_time_is_ist():
    parsed, _ = parse_dates(
        pd.Series(["2026-12-07T10:00:00+00:00", "2026-12-07 10:00:00", "07/12/2026 10:00 PM"]),
        IST,
    )
    assert [p.isoformat() for p in parsed.tolist()] == [
        "2026-12-07T10:00:00+00:00",
        "2026-12-07T04:30:00+00:00",
        "2026-12-07T16:30:00+00:00",
    ]
