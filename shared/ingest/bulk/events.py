"""Validated rows -> events in the log, with ids from natural keys, never from file names.

- sales: one ``sales`` event per product and UTC day, carrying the day's totals (units,
  revenue, row count as orders), the per-channel split and the per-hour split (``hourly``: the
  projection adds each hour to its own bucket, so hourly resolution is kept). A 100k-row file
  of 1,000 products is about 1,000 writes, not 100k (or 18k per product and hour: the local
  Cosmos server creates some 180 documents a second). Its id is the product, the day and a
  digest of the rows it sums: the same rows in any file, in any order, give the same id, so a
  re-import is a duplicate create that changes nothing. A file that sends a different set of
  rows for a day already imported adds those as another event (files are expected to carry
  each sale once; see the README).
- inventory: one ``stock`` event per product, location and count time (``stock_set`` for that
  location, reserved and in-transit units).
- demand: one ``demand`` event per product and time; a competitor price is a price observation.

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


@dataclass(frozen=True)
class Planned:
    event: Event
    rows: int  # how many file rows the event carries (progress is counted in rows)


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
    groups: dict[tuple[str, int], _Day] = {}
    # Plain loops over column lists: a per-group pandas pipeline costs ~1 ms a group.
    for product, hour, text, channel, units, revenue in zip(
        frame["product_id"].tolist(),
        hours.tolist(),
        frame["date"].tolist(),
        frame["channel"].tolist(),
        frame["quantity_sold"].tolist(),
        frame["revenue"].tolist(),
        strict=True,
    ):
        day = hour // 86_400
        group = groups.get((product, day))
        if group is None:
            group = groups[(product, day)] = _Day()
        key = f"{text}|{channel}|{units}|{revenue!r}"
        group.add(key, hour, channel, int(units), float(revenue))
    for (product, _day), group in sorted(groups.items()):
        last = datetime.fromtimestamp(max(group.hours), UTC)
        yield Planned(
            Event(
                id=f"import:sales:{product}:{last:%Y%m%d}:{_digest(group.keys)}",
                item_id=product,
                marketplace=marketplace_of(product),
                kind="sales",
                raw_type="SALES_FILE",
                # The day's last hour with sales: the day's totals are known from then on.
                occurred_at=last,
                received_at=received,
                source="import",
                orders=len(group.keys),
                units=group.units,
                revenue=round(group.revenue, 2),
                channel=next(iter(group.channels)) if len(group.channels) == 1 else None,
                channels={
                    c: {"units": u, "revenue": round(r, 2)}
                    for c, (u, r) in sorted(group.channels.items())
                },
                hourly={
                    hour_key(datetime.fromtimestamp(h, UTC)): [o, u, round(r, 2)]
                    for h, (o, u, r) in sorted(group.hours.items())
                },
            ),
            len(group.keys),
        )


class _Day:
    """One product's sales rows of one UTC day, summed by hour and by channel."""

    __slots__ = ("channels", "hours", "keys", "revenue", "units")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.units = 0
        self.revenue = 0.0
        self.channels: dict[str, tuple[int, float]] = {}
        self.hours: dict[int, tuple[int, int, float]] = {}

    def add(self, key: str, hour: int, channel: str, units: int, revenue: float) -> None:
        self.keys.append(key)
        self.units += units
        self.revenue += revenue
        u, r = self.channels.get(channel, (0, 0.0))
        self.channels[channel] = (u + units, r + revenue)
        o, u, r = self.hours.get(hour, (0, 0, 0.0))
        self.hours[hour] = (o + 1, u + units, r + revenue)


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
        )


def _int(value: object) -> int:
    return 0 if pd.isna(value) else int(value)  # type: ignore[call-overload]


PLANNERS = {"sales": sales, "inventory": inventory, "demand": demand}
