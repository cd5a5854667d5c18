"""Validated rows -> events in the log, with ids from natural keys, never from file names.

- sales: one ``sales`` event per product and UTC day, carrying the day's totals (units,
  revenue, row count as orders), the per-channel split and the per-hour split (``hourly``: the
  projection adds each hour to its own bucket, so hourly resolution is kept). A 100k-row file
  of 1,000 products is about 1,000 writes, not 100k (or 18k per product and hour: the local
  Cosmos server creates some 180 documents a second). Its id is the product, the day and a
  digest of the natural keys of the rows it sums (``dedupe``): the same rows in any file, in
  any order, give the same id, so a re-import is a duplicate create that changes nothing. A day
  of more than ``MAX_KEYS`` rows of one product is split into several events.
- inventory: one ``stock`` event per product, location and count time (``stock_set`` for that
  location, reserved and in-transit units).
- demand: one ``demand`` event per product and time; a competitor price is a price observation.

Every event carries the keys of its rows (``Planned.keys``, stored as ``row_keys``), so a later
file's rows that repeat them are found and dropped (``dedupe.drop_earlier``).

Naive times in files are in ``IMPORT_TIMEZONE`` (the seller's clock), stored as UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from shared.core.records import Event, Marketplace, hour_key

MarketplaceOf = Callable[[str], Marketplace]
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


# The event kind each file kind writes.
EVENT_KIND = {"sales": "sales", "inventory": "stock", "demand": "demand"}
KEY = "_key"  # the frame column with each row's natural-key digest (``dedupe.with_keys``)
# The columns each planner reads (the rest are validated, then let go: a big file's rows are
# held until they are written).
USED_COLUMNS = {
    "sales": ("date", "product_id", "channel", "quantity_sold", "revenue"),
    "inventory": (
        "date", "product_id", "location", "stock_level", "reserved_stock", "in_transit"
    ),
    "demand": (
        "date", "product_id", "external_demand", "market_trend", "competitor_price",
        "weather_factor", "event_impact", "social_sentiment",
    ),
}  # fmt: skip
# Row keys one sales event carries at most (a Cosmos document is at most 2 MB).
MAX_KEYS = 20_000


@dataclass(frozen=True)
class Planned:
    event: Event
    rows: int  # how many file rows the event carries (progress is counted in rows)
    keys: tuple[str, ...] = ()  # the natural-key digests of those rows


def to_utc(text: pd.Series, timezone: str) -> pd.Series:
    """ISO text -> UTC timestamps; text without an offset is local time in ``timezone``."""
    aware = text.str.contains(_OFFSET, regex=True, na=False)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True)
    if (~aware).any():
        local = pd.to_datetime(text[~aware], format="ISO8601")
        out[~aware] = local.dt.tz_localize(ZoneInfo(timezone)).dt.tz_convert(UTC)
    return out


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:20]


def sales(
    frame: pd.DataFrame, marketplace_of: MarketplaceOf, timezone: str, received: datetime
) -> Iterator[Planned]:
    if frame.empty:
        return
    utc = to_utc(frame["date"], timezone).dt.floor("h").dt.tz_convert(None)
    # Hours as whole numbers: hashing a pandas Timestamp costs more than the rest of the loop.
    hours = utc.astype("datetime64[s]").astype("int64")
    keyed = KEY in frame
    keys = frame[KEY].tolist() if keyed else _value_keys(frame)
    groups: dict[tuple[str, int], list[tuple[str, int, str, int, float]]] = {}
    # Plain loops over column lists: a per-group pandas pipeline costs ~1 ms a group.
    for product, hour, key, channel, units, revenue in zip(
        frame["product_id"].tolist(),
        hours.tolist(),
        keys,
        frame["channel"].tolist(),
        frame["quantity_sold"].tolist(),
        frame["revenue"].tolist(),
        strict=True,
    ):
        groups.setdefault((product, hour // 86_400), []).append(
            (key, hour, channel, int(units), float(revenue))
        )
    for (product, _day), rows in sorted(groups.items()):
        rows.sort()
        for at in range(0, len(rows), MAX_KEYS):
            chunk = rows[at : at + MAX_KEYS]
            yield _sales_event(product, chunk, marketplace_of, received, keyed=keyed)


def _value_keys(frame: pd.DataFrame) -> list[str]:
    """Rows without natural keys (a caller that did not add them): the row's text."""
    return [
        f"{d}|{c}|{u}|{r!r}"
        for d, c, u, r in zip(
            frame["date"], frame["channel"], frame["quantity_sold"], frame["revenue"], strict=True
        )
    ]


def _sales_event(
    product: str,
    rows: list[tuple[str, int, str, int, float]],
    marketplace_of: MarketplaceOf,
    received: datetime,
    *,
    keyed: bool,
) -> Planned:
    units, revenue = 0, 0.0
    channels: dict[str, tuple[int, float]] = {}
    hours: dict[int, tuple[int, int, float]] = {}
    for _key, hour, channel, u, r in rows:
        units += u
        revenue += r
        cu, cr = channels.get(channel, (0, 0.0))
        channels[channel] = (cu + u, cr + r)
        o, hu, hr = hours.get(hour, (0, 0, 0.0))
        hours[hour] = (o + 1, hu + u, hr + r)
    keys = [row[0] for row in rows]
    last = datetime.fromtimestamp(max(hours), UTC)
    return Planned(
        Event(
            id=f"import:sales:{product}:{last:%Y%m%d}:{_digest(keys)}",
            item_id=product,
            marketplace=marketplace_of(product),
            kind="sales",
            raw_type="SALES_FILE",
            # The day's last hour with sales: the day's totals are known from then on.
            occurred_at=last,
            received_at=received,
            source="import",
            orders=len(rows),
            units=units,
            revenue=round(revenue, 2),
            channel=next(iter(channels)) if len(channels) == 1 else None,
            channels={
                c: {"units": u, "revenue": round(r, 2)} for c, (u, r) in sorted(channels.items())
            },
            hourly={
                hour_key(datetime.fromtimestamp(h, UTC)): [o, u, round(r, 2)]
                for h, (o, u, r) in sorted(hours.items())
            },
        ),
        len(rows),
        tuple(keys) if keyed else (),
    )


def _records(frame: pd.DataFrame, timezone: str) -> Iterator[tuple[dict, datetime]]:
    at = to_utc(frame["date"], timezone).tolist()
    columns = {c: frame[c].tolist() for c in frame.columns}
    for i, when in enumerate(at):
        yield {c: values[i] for c, values in columns.items()}, when.to_pydatetime()


def inventory(
    frame: pd.DataFrame, marketplace_of: MarketplaceOf, timezone: str, received: datetime
) -> Iterator[Planned]:
    for row, moment in _records(frame, timezone):
        product, location = row["product_id"], row["location"]
        yield Planned(
            Event(
                id=f"import:stock:{product}:{location}:{moment:%Y%m%dT%H%M%S}",
                item_id=product,
                marketplace=marketplace_of(product),
                kind="stock",
                raw_type="INVENTORY_FILE",
                occurred_at=moment,
                received_at=received,
                source="import",
                stock_set=int(row["stock_level"]),
                stock_reserved=_int(row["reserved_stock"]),
                stock_in_transit=_int(row["in_transit"]),
                location_id=location,
            ),
            1,
            _key(row),
        )


DEMAND_SIGNALS = ("external_demand", "market_trend", "weather_factor", "event_impact")


def demand(
    frame: pd.DataFrame, marketplace_of: MarketplaceOf, timezone: str, received: datetime
) -> Iterator[Planned]:
    for row, moment in _records(frame, timezone):
        product = row["product_id"]
        signals: dict[str, str | float] = {}
        for name in (*DEMAND_SIGNALS, "social_sentiment"):
            value = row[name]
            if not pd.isna(value):
                signals[name] = value if isinstance(value, str) else float(value)
        competitor = row["competitor_price"]
        yield Planned(
            Event(
                id=f"import:demand:{product}:{moment:%Y%m%dT%H%M%S}",
                item_id=product,
                marketplace=marketplace_of(product),
                kind="demand",
                raw_type="DEMAND_FILE",
                occurred_at=moment,
                received_at=received,
                source="import",
                competitor_price=None if pd.isna(competitor) else float(competitor),
                signals=signals,
            ),
            1,
            _key(row),
        )


def _key(row: dict) -> tuple[str, ...]:
    return (row[KEY],) if KEY in row else ()


def _int(value: object) -> int:
    return 0 if pd.isna(value) else int(value)  # type: ignore[call-overload]


PLANNERS = {"sales": sales, "inventory": inventory, "demand": demand}
