"""The one feature builder, shared by training and scoring.

Input: product state documents as ``shared.projection.fold`` writes them (catalogue fields,
``stock``, hourly ``buckets``, ``price``, ``competitor_price``) and the scoring moment ``now``.
Output: a float32 matrix whose columns follow ``FEATURES``. Only what a marketplace shows a
seller is used; nothing of the demand simulator's hidden parameters.

Windowed counters and days of cover are those ``shared.projection.windows`` defines (the
``hours`` most recent UTC hours, the current one included; the day windows over the daily
rollup, today included).

Signals only files send (f3): channel shares and each channel's realised price per unit (from
sales files' channels; webhook orders count as ``marketplace``), the reserved share (inventory
files' per-location counts) and the demand-signal fields (demand files). They are NaN in a row
whose document no file of that kind reached (every webhook-only seller's), and the demand
fields also once the newest demand file is older than ``DEMAND_MAX_AGE_DAYS`` days.

Catalogue-relative features (price against the category median) come from a ``FeatureContext``
built from the whole catalogue, so scoring a handful of touched items uses the same reference as
a full pass. ``build_raw`` leaves those columns empty and ``apply_context`` fills them: a
streaming full pass can build rows chunk by chunk and learn the context at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np

from shared.core import signals
from shared.core.errors import InvalidValue
from shared.core.records import MARKETPLACES
from shared.ml.vocabulary import CATEGORIES, OTHER_CODE, category_code, marketplace_code
from shared.projection.windows import (
    CHANNEL_DAYS,
    CHANNELS,
    DAY_WINDOWS,
    MAX_DAYS_OF_COVER,
    channel_counts,
    day_key,
    day_window_sums,
    days_of_cover,
    window_counts,
)

FEATURES: tuple[str, ...] = (
    "views_1h", "views_24h", "views_7d",
    "clicks_1h", "clicks_24h", "clicks_7d",
    "orders_1h", "orders_24h", "orders_7d",
    "units_24h", "units_7d",
    "revenue_24h", "revenue_7d",
    "ctr_24h", "ctr_7d", "conversion_24h", "conversion_7d", "unit_sessions_7d",
    "trend_views", "trend_units",
    "price", "price_vs_category", "discount", "price_vs_competitor",
    "rating", "review_count", "stock", "in_stock", "days_of_cover",
    "marketplace", "category",
    "velocity_7d", "velocity_14d", "velocity_30d", "velocity_acceleration",
    "turnover_30d", "reserved_share",
    *(f"channel_share_{c}" for c in CHANNELS),
    *(f"unit_price_vs_price_{c}" for c in CHANNELS),
    "external_demand", "market_trend", "weather", "event_impact", "social_sentiment",
)  # fmt: skip
CATEGORICAL: tuple[str, ...] = ("marketplace", "category", "weather", "event_impact")

# Demand-signal fields as numbers: external demand is ordered; weather and events are
# categories (codes for LightGBM); trends and sentiment are numbers in -1..1 as sent.
EXTERNAL_DEMAND: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
WEATHER: dict[str, int] = {"normal": 0, "hot": 1, "cold": 2, "rainy": 3}
EVENT_IMPACT: dict[str, int] = {"none": 0, "promotion": 1, "holiday": 2}
DEMAND_FIELDS: dict[str, dict[str, int] | None] = {
    "external_demand": EXTERNAL_DEMAND,
    "market_trend": None,
    "weather": WEATHER,
    "event_impact": EVENT_IMPACT,
    "social_sentiment": None,
}
# The file's column of each demand feature.
DEMAND_SOURCE: dict[str, str] = {"weather": "weather_factor"}
# A demand file describes its day: after a week without a newer one its fields are unknown.
DEMAND_MAX_AGE_DAYS = 7

# Smoothing priors: a new item starts at typical rates and moves with its own evidence.
CTR_PRIOR, CTR_WEIGHT = 0.25, 20.0
CONVERSION_PRIOR, CONVERSION_WEIGHT = 0.4, 10.0
# Units per view (Amazon's unit session percentage): the conversion a marketplace without
# clicks still gives.
UNIT_SESSION_PRIOR, UNIT_SESSION_WEIGHT = 0.1, 50.0

# The columns each signal feeds: NaN where the marketplace does not send all of its signals.
NEEDS: dict[str, tuple[str, ...]] = {
    "views_1h": ("views",), "views_24h": ("views",), "views_7d": ("views",),
    "clicks_1h": ("clicks",), "clicks_24h": ("clicks",), "clicks_7d": ("clicks",),
    "orders_1h": ("orders",), "orders_24h": ("orders",), "orders_7d": ("orders",),
    "units_24h": ("units",), "units_7d": ("units",),
    "revenue_24h": ("revenue",), "revenue_7d": ("revenue",),
    "ctr_24h": ("clicks", "views"), "ctr_7d": ("clicks", "views"),
    "conversion_24h": ("orders", "clicks"), "conversion_7d": ("orders", "clicks"),
    "unit_sessions_7d": ("units", "views"),
    "trend_views": ("views",), "trend_units": ("units",), "days_of_cover": ("units",),
    "velocity_7d": ("units",), "velocity_14d": ("units",), "velocity_30d": ("units",),
    "velocity_acceleration": ("units",), "turnover_30d": ("units",),
}  # fmt: skip
# Columns only files send, by the document field that shows a file of that kind arrived.
FILE_SIGNALS: dict[str, tuple[str, ...]] = {
    "channel_days": (
        *(f"channel_share_{c}" for c in CHANNELS),
        *(f"unit_price_vs_price_{c}" for c in CHANNELS),
    ),
    "stock_locations": ("reserved_share",),
    "demand": tuple(DEMAND_FIELDS),
}
MODES: tuple[str, ...] = ("mock", "live")

FEATURE_VERSION: str = (
    "f3-"
    + hashlib.sha256(
        repr(
            (
                FEATURES,
                sorted(NEEDS.items()),
                signals.table("live"),
                signals.table("mock"),
                CATEGORIES,
                CTR_PRIOR,
                CTR_WEIGHT,
                CONVERSION_PRIOR,
                CONVERSION_WEIGHT,
                UNIT_SESSION_PRIOR,
                UNIT_SESSION_WEIGHT,
                MAX_DAYS_OF_COVER,
                DAY_WINDOWS,
                CHANNELS,
                CHANNEL_DAYS,
                sorted(FILE_SIGNALS.items()),
                sorted((k, sorted((v or {}).items())) for k, v in DEMAND_FIELDS.items()),
                DEMAND_MAX_AGE_DAYS,
            )
        ).encode()
    ).hexdigest()[:10]
)

COLUMN = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class FeatureContext:
    """Catalogue-wide references: the median price of each category code."""

    category_median: np.ndarray  # float64, index = category code

    @classmethod
    def from_arrays(cls, category_codes: np.ndarray, prices: np.ndarray) -> FeatureContext:
        medians = np.full(OTHER_CODE + 1, np.nan)
        codes = np.asarray(category_codes, dtype=np.int64)
        prices = np.asarray(prices, dtype=np.float64)
        valid = np.isfinite(prices) & (prices > 0)
        overall = float(np.median(prices[valid])) if valid.any() else 1.0
        for code in np.unique(codes[valid]):
            medians[code] = np.median(prices[valid & (codes == code)])
        medians[np.isnan(medians)] = overall
        return cls(medians)

    @classmethod
    def from_products(cls, products: Sequence[Mapping[str, Any]]) -> FeatureContext:
        codes = np.fromiter((category_code(p.get("category")) for p in products), np.int64)
        prices = np.fromiter((_num(p.get("price")) for p in products), np.float64)
        return cls.from_arrays(codes, prices)


def build_features(
    products: Sequence[Mapping[str, Any]],
    now: datetime,
    ctx: FeatureContext,
    mode: str = "mock",
) -> np.ndarray:
    """Feature matrix (float32, ``len(products)`` x ``len(FEATURES)``) at ``now``, with the
    signals each marketplace does not send in ``mode`` missing (NaN)."""
    matrix = build_raw(products, now, mode)
    apply_context(matrix, ctx)
    return matrix


def unsent_columns(mode: str) -> dict[int, np.ndarray]:
    """Per marketplace code (unknown marketplaces last), the feature columns that are NaN in
    ``mode``: the columns whose signals that marketplace does not send."""
    if mode not in MODES:
        raise InvalidValue(f"mode must be one of {MODES}, not {mode!r}")
    out: dict[int, np.ndarray] = {}
    for code, mp in enumerate((*MARKETPLACES, None)):
        # An unknown marketplace: the demo feed sends everything, a live one nothing known.
        sent = set(signals.SIGNALS) if mp is None and mode == "mock" else set()
        if mp is not None:
            sent = set(signals.sent(mp, mode))
        missing = [COLUMN[name] for name, needs in NEEDS.items() if not sent.issuperset(needs)]
        if missing:
            out[code] = np.array(missing, dtype=np.int64)
    return out


def build_raw(
    products: Sequence[Mapping[str, Any]], now: datetime, mode: str = "mock"
) -> np.ndarray:
    """All columns except the catalogue-relative ones (NaN until ``apply_context``)."""
    n = len(products)
    counts = window_counts(products, now)
    out = np.empty((n, len(FEATURES)), dtype=np.float32)
    views, clicks, orders, units, revenue = (counts[:, :, k] for k in range(5))
    for w, label in enumerate(("1h", "24h", "7d")):
        out[:, COLUMN[f"views_{label}"]] = views[:, w]
        out[:, COLUMN[f"clicks_{label}"]] = clicks[:, w]
        out[:, COLUMN[f"orders_{label}"]] = orders[:, w]
    for w, label in ((1, "24h"), (2, "7d")):
        out[:, COLUMN[f"units_{label}"]] = units[:, w]
        out[:, COLUMN[f"revenue_{label}"]] = revenue[:, w]
        out[:, COLUMN[f"ctr_{label}"]] = (clicks[:, w] + CTR_PRIOR * CTR_WEIGHT) / (
            views[:, w] + CTR_WEIGHT
        )
        out[:, COLUMN[f"conversion_{label}"]] = (
            orders[:, w] + CONVERSION_PRIOR * CONVERSION_WEIGHT
        ) / (clicks[:, w] + CONVERSION_WEIGHT)
    out[:, COLUMN["unit_sessions_7d"]] = (
        units[:, 2] + UNIT_SESSION_PRIOR * UNIT_SESSION_WEIGHT
    ) / (views[:, 2] + UNIT_SESSION_WEIGHT)
    # Today's pace against the week's daily average: >1 is heating up.
    out[:, COLUMN["trend_views"]] = (views[:, 1] + 1.0) / (views[:, 2] / 7.0 + 1.0)
    # Net units may be negative (a sales correction after cancellations): a pace is never
    # below 0, and a week of -7 units would otherwise divide by zero.
    sold = np.maximum(units, 0.0)
    out[:, COLUMN["trend_units"]] = (sold[:, 1] + 1.0) / (sold[:, 2] / 7.0 + 1.0)

    field = _fields(products)
    price = _column(field["price"])
    mrp = _column(field["mrp"])
    competitor = _column(field["competitor_price"])
    stock = _column(field["stock"], 0.0)
    out[:, COLUMN["price"]] = price
    out[:, COLUMN["price_vs_category"]] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, COLUMN["discount"]] = np.where(mrp > price, 1.0 - price / mrp, 0.0)
        out[:, COLUMN["price_vs_competitor"]] = price / competitor - 1.0  # NaN: no competitor
    out[:, COLUMN["rating"]] = _column(field["rating"])
    out[:, COLUMN["review_count"]] = _column(field["review_count"], 0.0)
    out[:, COLUMN["stock"]] = stock
    out[:, COLUMN["in_stock"]] = stock > 0
    out[:, COLUMN["days_of_cover"]] = days_of_cover(stock, units[:, 2])
    out[:, COLUMN["marketplace"]] = _codes(field["marketplace"], marketplace_code)
    out[:, COLUMN["category"]] = _codes(field["category"], category_code)
    days = day_window_sums(field["days"], now)  # (n, 7/14/30 days, [units, revenue])
    _sales_health(out, days[:, :, 0], stock)
    _channels(out, _channel_rollup(products, field["channel_days"], now), days[:, 2, :], price)
    _reserved(out, field, stock)
    _demand(out, field["demand"], now)
    _blank_unsent(out, mode)
    _blank_without_files(out, field)
    return out


def _sales_health(out: np.ndarray, units: np.ndarray, stock: np.ndarray) -> None:
    """Velocity (units a day) over the day windows, its acceleration and the turnover."""
    for w, (label, days) in enumerate(DAY_WINDOWS.items()):
        out[:, COLUMN[f"velocity_{label}"]] = units[:, w] / days
    week = DAY_WINDOWS["7d"]
    # This week's pace against the week before's: > 0 is speeding up.
    out[:, COLUMN["velocity_acceleration"]] = (2 * units[:, 0] - units[:, 1]) / week
    # 30-day units over the average stock, the stock at the window's start taken as today's
    # plus what sold since (no restock history is kept).
    sold = np.maximum(units[:, 2], 0.0)
    average = stock + sold / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, COLUMN["turnover_30d"]] = np.where(average > 0, sold / average, 0.0)


def _channels(
    out: np.ndarray, by_channel: np.ndarray, total: np.ndarray, price: np.ndarray
) -> None:
    """Share of the last 30 days' units per channel and each channel's revenue per unit
    against the listing price, from the channel rollup ``(n, channels, [units, revenue])``
    and the 30-day totals. Marketplace is what the daily rollup holds beyond the files' other
    channels: webhook orders are marketplace sales."""
    market = CHANNELS.index("marketplace")
    others = np.delete(by_channel, market, axis=1).sum(axis=1)
    by_channel[:, market, :] = np.maximum(total - others, 0.0)
    units = np.maximum(by_channel[:, :, 0], 0.0)
    sold = units.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(sold[:, None] > 0, units / sold[:, None], 0.0)
        unit_price = np.where(units > 0, by_channel[:, :, 1] / units, np.nan) / price[:, None]
    for c, channel in enumerate(CHANNELS):
        out[:, COLUMN[f"channel_share_{channel}"]] = shares[:, c]
        out[:, COLUMN[f"unit_price_vs_price_{channel}"]] = unit_price[:, c]


def _channel_rollup(
    products: Sequence[Mapping[str, Any]], rollups: Sequence[Any], now: datetime
) -> np.ndarray:
    """``channel_counts`` of the products that have a channel rollup (zeros elsewhere): most
    documents never saw a sales file, and their rows are blanked anyway."""
    out = np.zeros((len(products), len(CHANNELS), 2))
    rows = [i for i, rollup in enumerate(rollups) if rollup]
    if rows:
        out[rows] = channel_counts([products[i] for i in rows], now)
    return out


def _reserved(out: np.ndarray, field: Mapping[str, Sequence[Any]], stock: np.ndarray) -> None:
    """Reserved units over stock (1 when all of it, or more, is reserved)."""
    reserved = _column(field["stock_reserved"], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(stock > 0, reserved / stock, np.where(reserved > 0, 1.0, 0.0))
    out[:, COLUMN["reserved_share"]] = np.minimum(share, 1.0)


def _demand(out: np.ndarray, demands: Sequence[Any], now: datetime) -> None:
    """The newest demand file's fields, NaN when absent, unknown or older than
    ``DEMAND_MAX_AGE_DAYS`` (by UTC day, so they change only when the date does)."""
    columns = [COLUMN[name] for name in DEMAND_FIELDS]
    out[:, columns] = np.nan
    oldest = day_key(now - timedelta(days=DEMAND_MAX_AGE_DAYS))
    for row, demand in enumerate(demands):
        if not demand or str(demand.get("at", ""))[:10].replace("-", "") < oldest:
            continue
        for name, codes in DEMAND_FIELDS.items():
            value = demand.get(DEMAND_SOURCE.get(name, name))
            out[row, COLUMN[name]] = (
                codes.get(str(value), np.nan) if codes is not None else _num(value)
            )


def _blank_without_files(out: np.ndarray, field: Mapping[str, Sequence[Any]]) -> None:
    """NaN in the columns only files send, in the rows whose document no such file reached."""
    for name, columns in FILE_SIGNALS.items():
        rows = np.flatnonzero([not value for value in field[name]])
        if len(rows):
            out[np.ix_(rows, np.array([COLUMN[c] for c in columns]))] = np.nan


def _blank_unsent(out: np.ndarray, mode: str) -> None:
    """NaN in the columns of signals the row's marketplace does not send in ``mode``."""
    unsent = unsent_columns(mode)
    if not unsent or not len(out):
        return
    codes = out[:, COLUMN["marketplace"]]
    for code, columns in unsent.items():
        rows = np.flatnonzero(codes == code)
        if len(rows):
            out[np.ix_(rows, columns)] = np.nan


def apply_context(matrix: np.ndarray, ctx: FeatureContext) -> None:
    """Fill the catalogue-relative columns of ``matrix`` in place."""
    codes = matrix[:, COLUMN["category"]].astype(np.int64)
    matrix[:, COLUMN["price_vs_category"]] = matrix[:, COLUMN["price"]] / ctx.category_median[codes]


def context_of(matrix: np.ndarray) -> FeatureContext:
    """The context of the catalogue whose raw rows are ``matrix``."""
    return FeatureContext.from_arrays(
        matrix[:, COLUMN["category"]].astype(np.int64), matrix[:, COLUMN["price"]]
    )


_PLAIN_NUMBERS = frozenset({int, float, type(None)})
_FIELDS = (
    "price", "mrp", "competitor_price", "stock", "rating", "review_count", "marketplace",
    "category", "stock_reserved", "stock_locations", "channel_days", "demand", "days",
)  # fmt: skip


def _fields(products: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """The catalogue fields of every product, one tuple per field.

    One pass over the documents: at 100k products each visit of a document is a cache miss,
    so reading every field in one visit costs about half of one pass per field.
    """
    rows = [
        (
            p.get("price"),
            p.get("mrp"),
            p.get("competitor_price"),
            p.get("stock"),
            p.get("rating"),
            p.get("review_count"),
            p.get("marketplace"),
            p.get("category"),
            p.get("stock_reserved"),
            p.get("stock_locations"),
            p.get("channel_days"),
            p.get("demand"),
            p.get("days"),
        )
        for p in products
    ]
    columns = zip(*rows, strict=True) if rows else ((),) * len(_FIELDS)
    return dict(zip(_FIELDS, columns, strict=True))


def _column(values: Sequence[Any], default: float = np.nan) -> np.ndarray:
    """``_num(value, default)`` for each of ``values``, as float64.

    Documents hold plain JSON numbers (or nothing), which numpy converts in one call (``None``
    becomes NaN); anything else (strings, booleans) goes through ``_num`` one by one.
    """
    if _PLAIN_NUMBERS.issuperset(map(type, values)):
        if not np.isnan(default) and None in values:
            values = [default if v is None else v for v in values]
        return np.array(values, dtype=np.float64).reshape(len(values))
    return np.fromiter(map(_num, values, repeat(default)), np.float64, len(values))


def _codes(values: Sequence[Any], code: Callable[[Any], int]) -> np.ndarray:
    """``code(value)`` for each of ``values``: computed once per distinct value."""
    try:
        table = {value: code(value) for value in set(values)}
    except TypeError:  # an unhashable value: no table
        return np.fromiter(map(code, values), np.float64, len(values))
    return np.fromiter(map(table.__getitem__, values), np.float64, len(values))


def _num(value: Any, default: float = np.nan) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
