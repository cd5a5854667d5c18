"""The one feature builder, shared by training and scoring.

Input: product state documents as ``shared.projection.fold`` writes them (catalogue fields,
``stock``, hourly ``buckets``, ``price``, ``competitor_price``) and the scoring moment ``now``.
Output: a float32 matrix whose columns follow ``FEATURES``. Only what a marketplace shows a
seller is used; nothing of the demand simulator's hidden parameters.

Windowed counters and days of cover are those ``shared.projection.windows`` defines (the
``hours`` most recent UTC hours, the current one included).

Catalogue-relative features (price against the category median) come from a ``FeatureContext``
built from the whole catalogue, so scoring a handful of touched items uses the same reference as
a full pass. ``build_raw`` leaves those columns empty and ``apply_context`` fills them: a
streaming full pass can build rows chunk by chunk and learn the context at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np

from shared.core import signals
from shared.core.records import MARKETPLACES
from shared.ml.vocabulary import CATEGORIES, OTHER_CODE, category_code, marketplace_code
from shared.projection.windows import MAX_DAYS_OF_COVER, days_of_cover, window_counts

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
)  # fmt: skip
CATEGORICAL: tuple[str, ...] = ("marketplace", "category")

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
}  # fmt: skip
MODES: tuple[str, ...] = ("mock", "live")

FEATURE_VERSION: str = (
    "f2-"
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
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
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
    _blank_unsent(out, mode)
    return out


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
    "category",
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
