"""A seeded simulator of marketplace demand for training, tests, benchmarks and the mock feed.

Demand model (per item and hour, vectorised over the catalogue):

- views ~ Poisson(base x appeal(t) x rating, reviews and discount effects x category and
  marketplace effects x hour-of-day (IST) x day-of-week); an out-of-stock listing still gets
  some views but sells nothing;
- clicks ~ Binomial(views, CTR) with CTR rising with rating, appeal and discount;
- orders ~ Binomial(clicks, conversion) with conversion falling with the price against the
  item's *reference price* (what shoppers think it is worth) through the item's price
  elasticity, and against the competitor's price; units per order 1 + Poisson(0.15), capped by
  stock.

The funnel is calibrated so that individual events mix about 70% views, 20% clicks and 10%
orders. Appeal drifts daily (some items trend up, others fade), promotions cut prices for a few
days, competitors re-price, items sell out and are restocked after a lead time (some never).

Hidden parameters (appeal, elasticity, reference price, trend) stay inside this class: they are
never written to product dicts or events, so features cannot see them.

Two ways to observe the same demand (``history(..., mode=)``): ``mock`` is the demo, every
marketplace sending views, clicks and orders with prices; ``live`` keeps, per marketplace, only
what it really sends (``shared.core.signals``, see ``as_sent``). The same seed gives the same
shoppers in both.

A world of sellers who send files (``Simulator(..., files=True)``, observed through
``demo.sim.files.as_files``) adds what their demand files describe, with real effects on
demand: each item's external demand (low / medium / high, persistent from day to day), its
social sentiment, the weather (per category), holidays and advertised promotions raise or
lower its views; every order line has a sales channel from the item's channel mix, and
wholesale lines are bulk. The file draws use their own random stream, so a world without files
is exactly what it was before they existed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from demo.sim.catalogue import simulate_catalogue
from demo.sim.file_signals import FileSignals
from demo.sim.observed import as_sent
from shared.core.records import Event, EventKind, hour_key
from shared.core.settings import IST_OFFSET
from shared.ml.vocabulary import CATEGORIES, category_code

__all__ = ["REGIONS", "SimEvent", "Simulator", "simulate_catalogue"]

REGIONS: tuple[str, ...] = (
    "Maharashtra",
    "Karnataka",
    "Delhi NCR",
    "Tamil Nadu",
    "Uttar Pradesh",
    "West Bengal",
    "Gujarat",
    "Telangana",
)
# Shopper share of each region per category (rows follow CATEGORIES, plus one for "other").
_REGION_MIX = np.array(
    [
        [0.14, 0.09, 0.15, 0.10, 0.20, 0.12, 0.14, 0.06],
        [0.17, 0.14, 0.16, 0.13, 0.14, 0.09, 0.09, 0.08],
        [0.18, 0.20, 0.17, 0.12, 0.10, 0.07, 0.07, 0.09],
        [0.17, 0.13, 0.15, 0.14, 0.15, 0.10, 0.09, 0.07],
        [0.19, 0.15, 0.18, 0.12, 0.11, 0.09, 0.08, 0.08],
        [0.13, 0.10, 0.14, 0.16, 0.17, 0.11, 0.14, 0.05],
        [0.16, 0.17, 0.17, 0.12, 0.12, 0.08, 0.08, 0.10],
        [0.18, 0.16, 0.18, 0.11, 0.12, 0.08, 0.08, 0.09],
        [0.16, 0.14, 0.16, 0.12, 0.14, 0.10, 0.10, 0.08],
    ]
)
_CATEGORY_VIEWS = np.array([1.1, 1.0, 1.2, 0.9, 1.0, 0.8, 0.8, 0.7, 0.8])
_MARKETPLACE_VIEWS = np.array([1.2, 0.9, 1.0, 0.8])
# Traffic by IST hour: quiet nights, a lunch bump, the evening peak after dinner.
_HOUR = np.array(
    [
        0.35,
        0.2,
        0.12,
        0.08,
        0.08,
        0.12,
        0.3,
        0.55,
        0.8,
        0.95,
        1.0,
        1.05,
        1.15,
        1.1,
        1.0,
        0.95,
        0.95,
        1.0,
        1.15,
        1.35,
        1.6,
        1.75,
        1.5,
        0.9,
    ]
)
_HOUR = _HOUR / _HOUR.mean()
# Monday..Sunday: weekends shop more.
_DOW = np.array([0.92, 0.9, 0.93, 0.95, 1.0, 1.15, 1.2])
_DOW = _DOW / _DOW.mean()
_BASE_VIEWS = 2.0


SimKind = Literal["view", "click", "order"]


@dataclass(frozen=True)
class SimEvent:
    """One shopper action for the live mock feed."""

    item_id: str
    marketplace: str
    kind: SimKind
    quantity: int
    unit_price: float
    region: str
    occurred_at: datetime


class Simulator:
    """Demand for ``catalogue`` (product dicts), reproducible for a ``seed``."""

    def __init__(self, catalogue: list[dict], seed: int, files: bool = False) -> None:
        self.seed = seed
        self._rng = np.random.default_rng([seed, 2])
        rng = self._rng
        n = len(catalogue)
        self.item_ids = [p["item_id"] for p in catalogue]
        self._index = {item: i for i, item in enumerate(self.item_ids)}
        self.marketplaces = [p["marketplace"] for p in catalogue]
        # Any catalogue, however incomplete: a listing known only from a webhook has no rating,
        # price, category or stock yet (``_number`` gives the default for missing or None).
        self._cat = np.array(
            [category_code(p.get("category") or "other") for p in catalogue], dtype=np.int64
        )
        mp_codes = {"amazon": 0, "myntra": 1, "meesho": 2}
        self._mp = np.array([mp_codes.get(p["marketplace"], 3) for p in catalogue])
        self.list_price = np.array([_number(p.get("price"), DEFAULT_PRICE) for p in catalogue])
        self.mrp = np.maximum(self.list_price, [_number(p.get("mrp"), 0.0) for p in catalogue])
        self.rating = np.array([_number(p.get("rating"), 4.0) for p in catalogue])
        self.reviews = np.array([_number(p.get("review_count"), 0.0) for p in catalogue])
        self.stock = np.array(
            [int(_number(p.get("stock"), 0.0)) for p in catalogue], dtype=np.int64
        )
        self.price = self.list_price.copy()

        # Hidden demand parameters.
        self._appeal = rng.normal(0.0, 0.7, n)
        self._trend = rng.normal(0.0, 0.05, n)
        self._elasticity = rng.uniform(1.0, 3.5, n)
        self._ref_price = self.list_price * np.exp(rng.normal(0.05, 0.12, n))
        has_competitor = rng.random(n) < 0.6
        self.competitor = np.where(
            has_competitor, self._ref_price * np.exp(rng.normal(0.0, 0.1, n)), np.nan
        )
        self._lead_hours = rng.uniform(24, 120, n)
        self._discontinued = rng.random(n) < 0.15
        self._restock_at = np.full(n, np.inf)  # hours since epoch
        self._promo_until = np.full(n, -np.inf)
        self._day: int | None = None
        self.files = FileSignals(n, self._cat, seed) if files else None

    # ----------------------------------------------------------------- demand model
    def _view_rate(self, moment: datetime) -> np.ndarray:
        ist = moment.astimezone(UTC) + IST_OFFSET
        discount = 1.0 - self.price / self.mrp
        rate = (
            _BASE_VIEWS
            * np.exp(self._appeal)
            * (self.rating / 4.0) ** 2
            * (0.6 + 0.1 * np.log1p(self.reviews))
            * (1.0 + 0.8 * discount)
            * _CATEGORY_VIEWS[self._cat]
            * _MARKETPLACE_VIEWS[self._mp]
            * _HOUR[ist.hour]
            * _DOW[ist.weekday()]
        )
        if self.files is not None:
            rate = rate * self.files.multiplier
        return np.where(self.stock > 0, rate, 0.4 * rate)

    def _ctr(self) -> np.ndarray:
        discount = 1.0 - self.price / self.mrp
        z = -1.05 + 0.9 * (self.rating - 4.0) + 0.3 * self._appeal + 0.8 * (discount - 0.3)
        return _sigmoid(z)

    def _conversion(self) -> np.ndarray:
        vs_competitor = np.where(
            np.isnan(self.competitor),
            0.0,
            np.log(self.price / np.nan_to_num(self.competitor, nan=1.0)),
        )
        z = (
            -0.1
            - self._elasticity * np.log(self.price / self._ref_price)
            - 1.5 * vs_competitor
            + 0.7 * (self.rating - 4.0)
            + 0.2 * self._appeal
        )
        return _sigmoid(z)

    # ----------------------------------------------------------------- daily processes
    def _advance_day(self, moment: datetime, out: list[Event] | None) -> None:
        """Once per IST day: drift appeal, start/end promotions, competitor re-pricing."""
        day = ((moment.astimezone(UTC) + IST_OFFSET).date() - datetime(1970, 1, 1).date()).days
        if self._day == day:
            return
        first = self._day is None
        self._day = day
        if not first:
            self._drift(day, moment, out)
        if self.files is not None:
            self.files.advance(self.price < self.list_price, self._trend)
            if out is not None:
                out.extend(self._demand_event(i, moment) for i in range(len(self.item_ids)))

    def _drift(self, day: int, moment: datetime, out: list[Event] | None) -> None:
        rng = self._rng
        n = len(self.item_ids)
        self._appeal += self._trend + rng.normal(0.0, 0.08, n) - 0.03 * self._appeal
        ended = (self._promo_until <= day) & (self.price != self.list_price)
        starts = (self._promo_until < day) & (rng.random(n) < 0.05)
        self.price[ended] = self.list_price[ended]
        cut = rng.uniform(0.7, 0.9, n)
        self.price[starts] = np.maximum(9.0, np.round(self.list_price[starts] * cut[starts]))
        self._promo_until[starts] = day + rng.integers(2, 6, n)[starts]
        repriced = ~np.isnan(self.competitor) & (rng.random(n) < 0.1)
        self.competitor[repriced] = self._ref_price[repriced] * np.exp(
            rng.normal(0.0, 0.12, int(repriced.sum()))
        )
        if out is not None:
            for i in np.flatnonzero(ended | starts | repriced):
                out.append(self._offer_event(int(i), moment, f"d{day}"))

    def _restock(self, hour_no: float) -> np.ndarray:
        """Items whose restock arrives by ``hour_no``; schedules restocks of sold-out items."""
        due = self._restock_at <= hour_no
        if due.any():
            daily = _BASE_VIEWS * 24 * np.exp(self._appeal[due]) * 0.28 * 0.45
            days = self._rng.uniform(7, 21, int(due.sum()))
            self.stock[due] = np.maximum(10, np.round(daily * days)).astype(np.int64)
            self._restock_at[due] = np.inf
        sold_out = (self.stock == 0) & np.isinf(self._restock_at) & ~self._discontinued
        self._restock_at[sold_out] = hour_no + self._lead_hours[sold_out]
        return due

    # ----------------------------------------------------------------- history
    def history(self, start: datetime, hours: int, mode: str = "mock") -> list[Event]:
        """Hourly aggregate events from ``start`` for ``hours`` hours (backfill, training).

        Per item: an initial ``stock`` (and offer) event, then per hour a ``traffic`` event
        (views, clicks) when there was traffic, one ``order`` event per order, ``offer`` events
        for price changes and ``stock`` events for restocks. Ids are unique and deterministic.
        With ``mode="live"`` only what each marketplace really sends (``as_sent``).
        """
        if mode not in ("mock", "live"):
            raise ValueError(f"mode must be 'mock' or 'live', not {mode!r}")
        events = self._history(start, hours)
        return events if mode == "mock" else as_sent(events, mode)

    def _history(self, start: datetime, hours: int) -> list[Event]:
        start = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        events: list[Event] = []
        for i in range(len(self.item_ids)):
            events.append(
                self._event(
                    i, start, "stock", "s0", stock_set=int(self.stock[i]), raw_type="InventoryFeed"
                )
            )
            events.append(self._offer_event(i, start, "o0"))
        for h in range(hours):
            moment = start + timedelta(hours=h)
            self._advance_day(moment, events)
            hour_no = moment.timestamp() / 3600
            for i in np.flatnonzero(self._restock(hour_no)).tolist():
                events.append(
                    self._event(
                        int(i),
                        moment,
                        "stock",
                        f"r{hour_key(moment)}",
                        stock_set=int(self.stock[i]),
                        raw_type="Restock",
                    )
                )
            views, clicks, orders, units, channels = self._hour(moment)
            key = hour_key(moment)
            for i in np.flatnonzero(views + clicks).tolist():
                events.append(
                    self._event(
                        int(i),
                        moment,
                        "traffic",
                        f"t{key}",
                        views=int(views[i]),
                        clicks=int(clicks[i]),
                        raw_type="TrafficReport",
                    )
                )
            regions = self._regions(np.flatnonzero(orders))
            for i in np.flatnonzero(orders).tolist():
                for k, q in enumerate(units[i]):
                    price = float(self.price[i])
                    when = moment + timedelta(minutes=int((k * 7 + i) % 60))
                    events.append(
                        self._event(
                            int(i),
                            when,
                            "order",
                            f"o{key}-{k}",
                            orders=1,
                            units=q,
                            revenue=round(q * price, 2),
                            stock_delta=-q,
                            price=price,
                            region=next(regions),
                            order_id=f"{self.seed}-{self.item_ids[i]}-{key}-{k}",
                            channel=channels[i][k] if channels else None,
                            raw_type="OrderLine",
                        )
                    )
        return events

    def _hour(self, moment: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, list]:
        rng = self._rng
        views = rng.poisson(self._view_rate(moment))
        clicks = rng.binomial(views, self._ctr())
        orders = np.where(self.stock > 0, rng.binomial(clicks, self._conversion()), 0)
        units: list[list[int]] = [[] for _ in range(len(views))]
        # Sales channels of each order line (a world with files only).
        channels: list[list[str]] = [[] for _ in range(len(views))] if self.files else []
        for i in np.flatnonzero(orders):
            for _ in range(int(orders[i])):
                q = min(1 + int(rng.poisson(0.15)), int(self.stock[i]))
                if q <= 0:
                    break
                if self.files is not None:
                    channel, bulk = self.files.channel(int(i))
                    q = min(q * bulk, int(self.stock[i]))
                    channels[i].append(channel)
                self.stock[i] -= q
                units[i].append(q)
            orders[i] = len(units[i])
        return views, clicks, orders, units, channels

    def _regions(self, rows: np.ndarray) -> Iterator[str]:
        for i in rows:
            mix = _REGION_MIX[self._cat[i]]
            for _ in range(64):  # more than any hour's orders of one item
                yield REGIONS[int(self._rng.choice(len(REGIONS), p=mix))]

    def _event(self, i: int, when: datetime, kind: EventKind, suffix: str, **fields) -> Event:
        item = self.item_ids[i]
        return Event(
            id=f"bf{self.seed}-{item}-{suffix}",
            item_id=item,
            marketplace=self.marketplaces[i],
            kind=kind,
            occurred_at=when,
            received_at=when,
            source="backfill",
            **fields,
        )

    def _demand_event(self, i: int, when: datetime) -> Event:
        """The demand file's row of item ``i`` for the day starting at ``when``."""
        assert self.files is not None
        competitor = self.competitor[i]
        return Event(
            id=f"import:demand:{self.item_ids[i]}:{when:%Y%m%dT%H%M%S}",
            item_id=self.item_ids[i],
            marketplace=self.marketplaces[i],
            kind="demand",
            raw_type="DEMAND_FILE",
            occurred_at=when,
            received_at=when,
            source="import",
            competitor_price=None if math.isnan(competitor) else round(float(competitor), 2),
            signals=self.files.reported(i),
        )

    def _offer_event(self, i: int, when: datetime, suffix: str) -> Event:
        competitor = self.competitor[i]
        return self._event(
            i,
            when,
            "offer",
            f"p{suffix}",
            price=float(self.price[i]),
            competitor_price=None if math.isnan(competitor) else round(float(competitor), 2),
            raw_type="OfferChange",
        )

    # ----------------------------------------------------------------- live mock feed
    def set_stock(self, item_id: str, stock: int) -> None:
        self.stock[self._index[item_id]] = max(0, int(stock))

    def due_restocks(self, now: datetime) -> list[tuple[str, int]]:
        """(item_id, new stock level) for restocks that arrived by ``now``; the feed emits them."""
        due = self._restock(now.timestamp() / 3600)
        return [(self.item_ids[i], int(self.stock[i])) for i in np.flatnonzero(due)]

    def tick(self, now: datetime, n: int) -> list[SimEvent]:
        """``n`` individual shopper events around ``now`` (the last few seconds), in time order.

        Shoppers arrive in proportion to each item's view rate; each views, may click, and may
        order if the item is in stock (stock is decremented here and by ``set_stock``).
        """
        if n <= 0 or not self.item_ids:
            return []
        self._advance_day(now, None)
        rng = self._rng
        rate = self._view_rate(now)
        p = rate / rate.sum()
        ctr, conv = self._ctr(), self._conversion()
        out: list[SimEvent] = []
        while len(out) < n:
            for i in rng.choice(len(p), size=max(1, n // 2), p=p):
                region = REGIONS[int(rng.choice(len(REGIONS), p=_REGION_MIX[self._cat[i]]))]
                at = now - timedelta(seconds=float(rng.uniform(0, 5)))
                out.append(self._sim(i, "view", 1, region, at))
                if rng.random() < ctr[i]:
                    out.append(self._sim(i, "click", 1, region, at + timedelta(seconds=1)))
                    if self.stock[i] > 0 and rng.random() < conv[i]:
                        q = min(1 + int(rng.poisson(0.15)), int(self.stock[i]))
                        self.stock[i] -= q
                        out.append(self._sim(i, "order", q, region, at + timedelta(seconds=2)))
                if len(out) >= n:
                    break
        out = out[:n]
        out.sort(key=lambda e: e.occurred_at)
        return out

    def _sim(self, i: int, kind: SimKind, q: int, region: str, at: datetime) -> SimEvent:
        return SimEvent(
            self.item_ids[i],
            self.marketplaces[i],
            kind,
            q,
            float(self.price[i]),
            region,
            at,
        )


DEFAULT_PRICE = 499.0  # a listing without a price yet: a typical marketplace price point


def _number(value: object, default: float) -> float:
    """``value`` as a finite positive-or-zero float, else ``default``."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) and number >= 0 else default


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


assert _REGION_MIX.shape == (len(CATEGORIES) + 1, len(REGIONS))
