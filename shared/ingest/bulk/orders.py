"""A mapped order export -> order, cancel and status events, as webhooks write them.

Reading: CSV (comma or tab delimited: Amazon's flat files are tab-delimited) one line at a time
as every CSV import is (``files``), or the first sheet of a workbook. Only the mapped columns
are kept. Dates are decided over the whole column (``indian_formats.date_order``): evidence in
the file wins; a column that does not tell takes the preset's ``day_first``; without one the
file is refused with the question, since guessing would misdate every row.

Validation stays pandera's (``OrderRows``), after the Indian amounts and dates are read: each
rejected row is reported with its file row, the export's own column name, the value as written
and the rule.

Events. Each row is an order line placed at its date: an ``order`` event (+units, +revenue,
stock down). A line whose status is cancelled or RTO also gets its ``cancel`` event (the line's
units and revenue back, stock back; RTO carries ``status`` "rto"), dated at the status date when
one is mapped; shipped, delivered and returned lines get a ``status`` event, which moves
nothing, as the webhooks' milestones. Ids are natural keys, never the file's name:

- a line of Amazon, Myntra or Meesho (the mapping's ``marketplace``, or the row's marketplace
  column) takes the id its webhook gives the same line (``amazon:order:<order>:<line>``,
  ``myntra:...``, ``meesho:order:<sub-order>``), so the same order from a webhook and a file is
  one order;
- any other source's line is ``import:<source>:order:<order>:<line>``.

The line is the mapped line id, else the SKU. So a second file with the same lines is all
duplicate creates, and a later row of a line (now delivered, now cancelled) adds only its new
status. Events are written by ``order_writer`` as ``shared.ingest.webhook.append`` writes them
(idempotent create, the order-cancel pairing, the audit entry of each order and cancellation),
one line's events in order (order, status, cancel), in batches per item.

A buyer key is kept only as the webhooks keep it: the salted hash (``marketplaces.common.
buyer_key``); without a salt, not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series
from python_calamine import CalamineWorkbook

from shared.adapters.cosmos import Store
from shared.core.errors import (
    AmbiguousDates,
    ImportRejected,
    NotFound,
    ReSightError,
    ValidationFailed,
)
from shared.core.records import MARKETPLACES, Event, utcnow
from shared.core.settings import Settings
from shared.ingest.bulk import files, import_records, indian_formats, order_writer, presets
from shared.ingest.bulk.mapping import STATUSES, Mapping, header_changes, normalise_name
from shared.ingest.bulk.order_writer import Line, id_part
from shared.ingest.bulk.outcome import ErrorSink, marketplaces, strict_failure
from shared.ingest.bulk.schemas import Kind, _iso_datetimes, _Rows
from shared.ingest.bulk.validate import RowError, validate
from shared.ingest.marketplaces.common import buyer_key

KIND = "orders"
RAW_TYPE = "ORDER_FILE"
# Rows planned and written at a time (``_write``): their events, a few KB each as objects and
# documents, stay in memory until the part is written.
WRITE_ROWS = 10_000
_PIN = r"^[1-9]\d{5}$"
# Characters a Cosmos id may not hold; an export's order ids sometimes do (INV/2026/001).
MILESTONES = {"shipped", "delivered", "returned"}
CANCELS = {"cancelled", "rto"}


class OrderRows(_Rows):
    """A mapped order export's rows, after amounts and dates are read. Its own date check, not
    ``schemas._Dated``'s: pandera renames an inherited class check to its function's name for
    every model sharing it once a second subclass is built, and the sales rule is reported by
    its name."""

    @pa.check("date", name="iso_datetime")
    @classmethod
    def _placed_is_iso(cls, series: pd.Series) -> pd.Series:
        return _iso_datetimes(series)

    date: Series[str] = pa.Field(description="when the order was placed (UTC, ISO 8601)")
    order_id: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 100})
    line_id: Series[str] = pa.Field(nullable=True, str_length={"max_value": 100})
    sku: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    quantity: Series[pd.Int64Dtype] = pa.Field(ge=0, description="0 only on a cancelled line")
    price: Series[float] = pa.Field(ge=0, nullable=True, description="INR")
    status: Series[str] = pa.Field(isin=list(STATUSES))
    status_date: Series[str] = pa.Field(nullable=True)
    city: Series[str] = pa.Field(nullable=True, str_length={"max_value": 100})
    state: Series[str] = pa.Field(nullable=True, str_length={"max_value": 100})
    pin_code: Series[str] = pa.Field(nullable=True, str_matches=_PIN)
    # No check that could put a raw key in a report: ``plan`` drops a key it cannot hash.
    buyer_key: Series[str] = pa.Field(nullable=True)
    channel: Series[str] = pa.Field(isin=["marketplace", "online", "pos", "wholesale"])
    marketplace: Series[str] = pa.Field(nullable=True)


# -- reading -------------------------------------------------------------------------------------
@dataclass
class Table:
    """The export's rows: text cells under the export's header, indexed by file row - 2."""

    header: list[str]
    frames: list[pd.DataFrame]
    errors: list[RowError]
    delimiter: str = ","

    @property
    def frame(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame(columns=self.header)
        return pd.concat(self.frames)


def read(
    path: Path, name: str, *, keep: list[str] | None = None, limit: int | None = None
) -> Table:
    """The export at ``path`` (named ``name``); only the ``keep`` columns when given, only the
    first ``limit`` rows when given (the preview)."""
    if files.is_workbook(name):
        return _read_sheet(path, keep, limit)
    encoding = files.sniff(path)
    delimiter = files.delimiter_of(path, encoding)
    header = files.csv_header(path, encoding, delimiter)
    wanted = [h for h in header if keep is None or h in keep]
    frames: list[pd.DataFrame] = []
    errors: list[RowError] = []
    rows = 0
    for chunk in files.csv_chunks(
        path, header, encoding, size=limit or files.CHUNK_ROWS, delimiter=delimiter
    ):
        frames.append(chunk.frame[wanted] if len(chunk.frame) else chunk.frame)
        errors += chunk.errors
        rows += len(chunk.frame)
        if limit is not None and rows >= limit:
            break
    return Table(header, frames, errors, delimiter)


def _read_sheet(path: Path, keep: list[str] | None, limit: int | None) -> Table:
    try:
        book = CalamineWorkbook.from_path(str(path))
        if not book.sheet_names:
            raise ImportRejected("the workbook has no sheets")
        rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
    except ImportRejected:
        raise
    except Exception as exc:  # calamine raises its own error types per format
        raise ImportRejected(f"not a readable workbook: {exc}") from exc
    rows = [r for r in rows if any(c not in ("", None) for c in r)]
    if not rows:
        raise ImportRejected("row 1: the first sheet is empty (no header, no rows)")
    header = [str(h).strip() for h in rows[0]]
    body = rows[1 : (limit + 1) if limit else None]
    width = len(header)
    cells = [[files._text(c) for c in (list(r) + [""] * width)[:width]] for r in body]
    frame = pd.DataFrame(cells, columns=header, dtype="str", index=range(len(cells)))
    frame = frame.replace("", pd.NA)
    if keep is not None:
        frame = frame[[h for h in header if h in keep]]
    return Table(header, [frame], [])


# -- mapping the rows ----------------------------------------------------------------------------
def mapped(table: Table, mapping: Mapping, timezone: str) -> tuple[pd.DataFrame, list[RowError]]:
    """The export's rows as ``OrderRows`` columns (text, numbers parsed), and the cells that
    could not be read, reported under the export's column names."""
    raw = table.frame
    present = {normalise_name(h): h for h in raw.columns}
    column: dict[str, str] = {
        f: present[normalise_name(c)] for f, c in mapping.columns.items() if c
    }
    errors: list[RowError] = []
    out = pd.DataFrame(index=raw.index)

    def text(f: str) -> pd.Series:
        # Plain objects, None for a blank: the cells are short and few columns are mapped.
        if f not in column:
            return pd.Series([None] * len(raw), index=raw.index, dtype="object")
        cells = raw[column[f]].tolist()
        values = [None if indian_formats.is_missing(v) else str(v).strip() for v in cells]
        return pd.Series(values, index=raw.index, dtype="object")

    def report(f: str, wrong: pd.Series, rule: str) -> None:
        for index, value in raw.loc[wrong[wrong].index, column[f]].items():
            errors.append(RowError(int(index) + 2, column[f], str(value), rule))

    for f in ("date", "status_date"):
        if f not in column:
            out[f] = pd.Series(pd.NA, index=raw.index, dtype="string")
            continue
        found = indian_formats.date_order(raw[column[f]])
        day_first = found.day_first if found.day_first is not None else mapping.day_first
        if found.needs_answer and day_first is None:
            raise AmbiguousDates(
                f"column {column[f]!r}: no day is above 12, so its dates could be day-first "
                "or month-first; say which on the preset (day_first) and import again"
            )
        if found.order == "mixed":
            raise ImportRejected(
                f"column {column[f]!r} writes dates both day-first and month-first "
                f"({found.evidence}); export it with one date format"
            )
        moments, wrong = indian_formats.parse_dates(raw[column[f]], timezone, day_first)
        report(f, wrong, "date (DD-MM-YYYY, DD/MM/YY, DD-Mon-YYYY, ISO 8601)")
        iso = moments.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        out[f] = iso.where(moments.notna(), pd.NA).astype("string")
    for f in ("order_id", "line_id", "sku", "city", "state", "buyer_key"):
        out[f] = text(f)
    pins = text("pin_code").str.replace(r"\.0$", "", regex=True).str.replace(" ", "")
    out["pin_code"] = pins
    if "quantity" in column:
        amounts, wrong = indian_formats.parse_amounts(raw[column["quantity"]])
        fractional = amounts.notna() & (amounts % 1 != 0)
        report("quantity", wrong | fractional, "type integer")
        out["quantity"] = amounts.where(~fractional & ~wrong)
    if "price" in column:
        amounts, wrong = indian_formats.parse_amounts(raw[column["price"]])
        report("price", wrong, "type number (INR: ₹, Rs., lakh or western grouping)")
        out["price"] = amounts
    else:
        out["price"] = float("nan")
    statuses = text("status")
    canonical = statuses.map(lambda v: mapping.status_of(v), na_action="ignore")
    canonical = canonical.where(statuses.notna(), "created")
    unknown = canonical.isna()
    if unknown.any():
        report("status", unknown, "status not mapped (map it to created, cancelled, rto, shipped, "
               "delivered or returned)")  # fmt: skip
    out["status"] = canonical
    if "quantity" in column:
        # A cancelled line may say 0 units (Amazon's report does); any other line sells some.
        none_sold = (out["quantity"] == 0).fillna(False) & ~canonical.isin(list(CANCELS)).fillna(
            False
        )
        report("quantity", none_sold.astype(bool), "greater_than(0) unless cancelled")
    channels = text("channel").str.lower()
    out["channel"] = channels.where(
        channels.isin(["marketplace", "online", "pos", "wholesale"]), mapping.channel
    )
    out["marketplace"] = text("marketplace").map(_marketplace, na_action="ignore")
    out.loc[out["marketplace"].isna(), "marketplace"] = mapping.marketplace
    bad = {e.row - 2 for e in errors}
    return out.loc[~out.index.isin(bad)], errors


def _marketplace(value: str) -> str | None:
    text = value.lower()
    return next((m for m in MARKETPLACES if m in text), None)


def error_column(mapping: Mapping, table: Table, name: str) -> str:
    """A pandera failure's column (a ReSight field) as the export names it."""
    present = {normalise_name(h): h for h in table.header}
    source = mapping.columns.get(name)  # type: ignore[call-overload]
    return present.get(normalise_name(source), source) if source else name


# -- events --------------------------------------------------------------------------------------
def plan(
    frame: pd.DataFrame,
    mapping: Mapping,
    marketplace_of: Callable[[str], str],
    received: datetime,
) -> list[Line]:
    """The events of validated rows, grouped by order line."""
    lines: dict[str, Line] = {}
    for row in frame.to_dict("records"):
        market = row.get("marketplace") or None
        order, sku = id_part(str(row["order_id"])), str(row["sku"]).strip()
        line = id_part(str(row["line_id"])) if _given(row.get("line_id")) else id_part(sku)
        if market in MARKETPLACES:
            prefix, event_market = str(market), str(market)
        else:
            prefix, event_market = f"import:{mapping.source}", marketplace_of(sku)
        # Meesho names a line by its sub-order alone (``shared.ingest.marketplaces.meesho``):
        # the line id when one is mapped, else the order id (the panel's sub-order number).
        if prefix == "meesho":
            own = line if _given(row.get("line_id")) else order
        else:
            own = f"{order}:{line}"
        placed = pd.Timestamp(row["date"]).to_pydatetime()
        changed = (
            pd.Timestamp(row["status_date"]).to_pydatetime()
            if _given(row.get("status_date"))
            else placed
        )
        units = int(row["quantity"])
        price = None if pd.isna(row["price"]) else float(row["price"])
        if price is None:
            revenue = 0.0
        else:
            revenue = price * units if mapping.price_basis == "unit" else price
        unit_price = round(revenue / units, 2) if units and revenue > 0 else None
        city, state = _given_text(row.get("city")), _given_text(row.get("state"))
        pin = _given_text(row.get("pin_code"))
        try:
            customer = (
                buyer_key(row["buyer_key"], "buyer_key") if _given(row.get("buyer_key")) else None
            )
        except ValidationFailed:
            customer = None  # an unusable key is dropped, never stored as written
        common: dict[str, Any] = {
            "item_id": sku,
            "marketplace": event_market,
            "raw_type": RAW_TYPE,
            "received_at": received,
            "source": "import",
            "order_id": str(row["order_id"]).strip(),
            "channel": row["channel"],
        }
        group = lines.setdefault(
            own + "|" + prefix,
            Line(
                f"{prefix}:{own}",
                sku,
                by_sku=prefix
                if prefix in MARKETPLACES and not _given(row.get("line_id"))
                else None,
            ),
        )
        group.rows += 1
        group.events.append(
            Event(
                id=f"{prefix}:order:{own}",
                kind="order",
                occurred_at=placed,
                orders=1,
                units=units,
                revenue=round(revenue, 2),
                stock_delta=-units,
                price=unit_price,
                city=city,
                state=state,
                region=pin or city,
                customer_id=customer,
                **common,
            )
        )
        status = row["status"]
        if status in MILESTONES:
            group.events.append(
                Event(
                    id=f"{prefix}:status:{own}:{status}",
                    kind="status",
                    status=status,
                    occurred_at=changed,
                    **common,
                )
            )
        elif status in CANCELS:
            # The line's own numbers are filled in from its recorded order when written
            # (``order_writer.as_recorded``): a cancelled row often says quantity 0.
            group.events.append(
                Event(
                    id=f"{prefix}:cancel:{own}",
                    kind="cancel",
                    status="rto" if status == "rto" else None,
                    occurred_at=changed,
                    orders=-1,
                    units=-units,
                    revenue=-round(revenue, 2),
                    stock_delta=units,
                    city=city,
                    state=state,
                    region=pin or city,
                    customer_id=customer,
                    **common,
                )
            )
    order_of = {"order": 0, "status": 1, "cancel": 2}
    for group in lines.values():
        unique = {e.id: e for e in reversed(group.events)}  # the first row of an id wins
        group.events = sorted(unique.values(), key=lambda e: (order_of[e.kind], e.occurred_at))
    return list(lines.values())


def _given(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and value != value)
        and value is not pd.NA
        and str(value).strip() != ""
    )


def _given_text(value: object) -> str | None:
    return str(value).strip()[:100] if _given(value) else None


def preset_for(store: Store, path: Path, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The preset to import ``doc``'s file with: the one the upload named, else the one whose
    header fingerprint the file has (for a file of no stated kind, or of kind ``orders``);
    None for a file of ReSight's own kinds."""
    if doc.get("preset"):
        try:
            return presets.get(store, doc["preset"])
        except NotFound as exc:
            raise ImportRejected(f"the preset {doc['preset']!r} does not exist (deleted?)") from exc
    if doc.get("kind") not in (None, KIND):
        return None
    try:
        header = _header(path, doc["file"])
    except ImportRejected:
        if doc.get("kind") == KIND:
            raise
        return None  # the usual path reports what is wrong with the file
    found = presets.match(store, header)
    if found is not None:
        return found
    near = presets.closest(store, header)
    if near is not None and _changed_export(near[0], near[1]):
        # The seller's export changed its columns: ask again, saying what changed, rather than
        # guessing with a mapping that no longer fits or calling it an unknown file.
        preset, changes = near
        raise ImportRejected(
            f"row 1 (the header): the columns differ from the preset {preset['name']!r} "
            f"(new: {', '.join(changes['added']) or 'none'}; gone: "
            f"{', '.join(changes['missing']) or 'none'}); preview the file and save its "
            "mapping again"
        )
    if doc.get("kind") == KIND:
        raise ImportRejected(
            "row 1 (the header): no preset matches these columns; preview the file "
            "(POST /api/imports/preview), map its columns and save them as a preset"
        )
    return None


def _changed_export(preset: dict[str, Any], changes: dict[str, list[str]]) -> bool:
    """Most of a preset's columns are there: the same export with columns added or gone."""
    saved = len(preset.get("header") or [])
    return saved > 0 and len(changes["missing"]) * 2 < saved


def _header(path: Path, name: str) -> list[str]:
    if files.is_workbook(name):
        return read(path, name, limit=1).header
    encoding = files.sniff(path)
    return files.csv_header(path, encoding, files.delimiter_of(path, encoding))


ORDER_KIND = Kind(KIND, OrderRows, ("order_id", "line_id", "sku"))


def run(
    store: Store,
    path: Path,
    doc: dict[str, Any],
    preset: dict[str, Any],
    settings: Settings,
    sink: ErrorSink,
) -> dict[str, Any]:
    """Import one order export with ``preset``: the outcome recorded on the import."""
    mapping = presets.mapping_of(preset)
    # A file with buyer keys is not kept once read (``runner._move``): only their hashes are.
    import_records.update(
        store,
        doc["id"],
        kind=KIND,
        preset=preset["id"],
        raw_buyer_keys="buyer_key" in mapping.columns,
    )
    header = _header(path, doc["file"])
    missing = mapping.missing_columns(header)
    if missing:
        changes = header_changes(preset.get("header") or [], header)
        raise ImportRejected(
            f"row 1 (the header): the preset {preset['name']!r} maps columns this file does "
            f"not have: {', '.join(missing)} (new columns: {', '.join(changes.added) or 'none'})"
        )
    wanted = {normalise_name(c) for c in mapping.columns.values()}
    keep = [h for h in header if normalise_name(h) in wanted]
    total = None if files.is_workbook(doc["file"]) else files.count_rows(path)
    progress = import_records.Progress(store, doc["id"], total, "validating")
    progress.flush()
    try:
        table = read(path, doc["file"], keep=keep)
        rows = sum(len(f) for f in table.frames) + len(table.errors)
        if not rows:
            raise ImportRejected("row 2: the file has a header and no rows")
        progress.total = rows
        frame, errors = mapped(table, mapping, settings.import_timezone)
        good, failed = validate(ORDER_KIND, frame, 2)
    except (ImportRejected, ReSightError):
        raise
    except Exception as exc:
        # Reading and mapping touch nothing but the file: what else goes wrong is the file's,
        # and a retry would fail the same way.
        raise ImportRejected(f"the file could not be read: {type(exc).__name__}: {exc}") from exc
    errors += [RowError(e.row, _field_column(mapping, table, e), e.value, e.rule) for e in failed]
    sink.add(sorted(table.errors + errors, key=lambda e: (e.row, e.column)))
    # The valid rows are all in ``good`` now: the file's cells and the mapped copy can go
    # before the events are made (a 100,000-line report held three copies of its rows).
    table.frames.clear()
    del frame
    counts: dict[str, Any] = {"rows": rows, "valid": rows - sink.count, "invalid": sink.count}
    progress.advance(rows, phase="writing")
    progress.done = sink.count
    sink.close()
    if sink.count and doc["strict"]:
        raise strict_failure(counts, sink)
    if not len(good):
        raise ImportRejected(f"none of the {rows} rows is valid (see the report for every row)")
    written, lines = _write(store, good, mapping, settings, progress.advance)
    counts.update(
        lines=lines,
        events_new=written.created,
        events_duplicate=written.duplicates,
        orders_new=written.orders_new,
        cancels_new=written.cancels_new,
        statuses_new=written.statuses_new,
    )
    days = pd.to_datetime(good["date"], utc=True).dt.tz_convert(settings.import_timezone).dt.date
    return {
        "status": "imported",
        "reason": None,
        "kind": KIND,
        "counts": counts,
        "errors_sample": sink.sample,
        "covers": {"first": days.min().isoformat(), "last": days.max().isoformat()},
        "progress": {"phase": "done", "rows_done": rows, "rows_total": rows},
    }


def _write(
    store: Store,
    good: pd.DataFrame,
    mapping: Mapping,
    settings: Settings,
    on_rows: Callable[[int], None],
) -> tuple[order_writer.Written, int]:
    """Plan and write the valid rows ``WRITE_ROWS`` at a time: a part's events, and the
    documents of the part before it (sent meanwhile), are all that is in memory beside the
    file's rows. A line whose rows fall in two parts is found in the
    first part's writes by the second (``order_writer.Recorded``). The number of lines too.

    The rows are taken by SKU (in file order within one), the events' partition: a part then
    writes a few items in full batches, not each of a thousand items' few events in a batch
    of its own. Everything a line depends on is of its own item, so the order changes
    nothing else."""
    marketplace_of, received = marketplaces(store, settings), utcnow()
    first = pd.Timestamp(good["date"].min()).to_pydatetime()
    known = order_writer.recorded_since(store, first)
    keys = set[str]()
    by_item = good["sku"].str.strip().to_numpy().argsort(kind="stable")

    def part(start: int) -> list[Line]:
        lines = plan(
            good.iloc[by_item[start : start + WRITE_ROWS]], mapping, marketplace_of, received
        )
        keys.update(line.key for line in lines)
        return lines

    # Planned as they are asked for, and not held once they are resolved.
    parts = (part(start) for start in range(0, len(good), WRITE_ROWS))
    return order_writer.write(store, parts, known, on_rows=on_rows), len(keys)


def _field_column(mapping: Mapping, table: Table, error: RowError) -> str:
    return error_column(mapping, table, error.column)
