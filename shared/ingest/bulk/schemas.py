"""One pandera ``DataFrameModel`` per file kind: the columns, their types and their checks.

The same class validates a file (lazily, so every failing row is reported), documents its
columns (``columns``) and writes the CSV template (``template_csv``): nothing is listed twice.
Optional columns are ``nullable`` fields; a file may leave them out entirely.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ID = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$"


class _Rows(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False  # extra columns are kept out of the events, not refused


def _iso_datetimes(series: pd.Series) -> pd.Series:
    """ISO 8601 and a real day: one parse does both (a regex would let 2025-02-30 through,
    and costs as much again on a big file)."""
    parsed = pd.to_datetime(series, errors="coerce", format="ISO8601", utc=True)
    return parsed.notna() | series.isna()


class _Dated(_Rows):
    @pa.check("date", name="iso_datetime")
    @classmethod
    def _date_is_iso(cls, series: pd.Series) -> pd.Series:
        return _iso_datetimes(series)


class SalesRows(_Dated):
    """Units sold and revenue, one row per sale or per period."""

    date: Series[str] = pa.Field(description="ISO 8601 datetime; no offset: IMPORT_TIMEZONE")
    product_id: Series[str] = pa.Field(str_matches=ID)
    channel: Series[str] = pa.Field(isin=["online", "pos", "marketplace", "wholesale"])
    quantity_sold: Series[pd.Int64Dtype] = pa.Field(gt=0, description="positive whole units")
    revenue: Series[float] = pa.Field(gt=0, description="INR, positive")
    customer_segment: Series[str] = pa.Field(isin=["premium", "regular", "budget"], nullable=True)
    promotion_code: Series[str] = pa.Field(nullable=True, str_length={"max_value": 64})
    fulfillment_method: Series[str] = pa.Field(
        isin=["warehouse", "store_pickup", "dropship"], nullable=True
    )


class InventoryRows(_Dated):
    """Stock counted per product and location."""

    date: Series[str] = pa.Field(description="ISO 8601 datetime; no offset: IMPORT_TIMEZONE")
    product_id: Series[str] = pa.Field(str_matches=ID)
    location: Series[str] = pa.Field(str_matches=ID)
    stock_level: Series[pd.Int64Dtype] = pa.Field(ge=0)
    reserved_stock: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True, description="default 0")
    in_transit: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True, description="default 0")
    supplier_id: Series[str] = pa.Field(nullable=True, str_length={"max_value": 64})
    last_reorder_date: Series[str] = pa.Field(nullable=True, description="ISO 8601 date")

    @pa.check("last_reorder_date", name="iso_datetime")
    @classmethod
    def _reorder_is_iso(cls, series: pd.Series) -> pd.Series:
        return _iso_datetimes(series)


class DemandRows(_Dated):
    """External demand signals per product and day."""

    date: Series[str] = pa.Field(description="ISO 8601 datetime; no offset: IMPORT_TIMEZONE")
    product_id: Series[str] = pa.Field(str_matches=ID)
    external_demand: Series[str] = pa.Field(isin=["high", "medium", "low"])
    market_trend: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    competitor_price: Series[float] = pa.Field(gt=0, nullable=True)
    weather_factor: Series[str] = pa.Field(isin=["hot", "cold", "rainy", "normal"], nullable=True)
    event_impact: Series[str] = pa.Field(isin=["promotion", "holiday", "none"], nullable=True)
    social_sentiment: Series[float] = pa.Field(ge=-1, le=1, nullable=True)


# The sheets of the daily_update workbook.
class DailyUpdateRows(_Rows):
    """Sheet ``daily_update``: one row per style in a store."""

    store_id: Series[str] = pa.Field(str_matches=ID)
    supplier_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    stock_days: Series[pd.Int64Dtype] = pa.Field(ge=0)
    style_code: Series[str] = pa.Field(str_matches=ID)
    department_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    category_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    item_mrp: Series[float] = pa.Field(gt=0)
    image: Series[str] = pa.Field(nullable=True)


class StoreRows(_Rows):
    """Sheet ``stores``."""

    id: Series[str] = pa.Field(str_matches=ID, nullable=True)
    name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    city: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})


class ProductRows(_Rows):
    """Sheet ``products``: the catalogue."""

    id: Series[str] = pa.Field(str_matches=ID, nullable=True)
    store_id: Series[str] = pa.Field(str_matches=ID)
    style_code: Series[str] = pa.Field(str_matches=ID)
    barcode: Series[str] = pa.Field(str_matches=r"^[0-9A-Za-z-]{4,64}$")
    article_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 300})
    category: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    department_name: Series[str] = pa.Field(nullable=True)
    supplier_name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 128})
    image: Series[str] = pa.Field(nullable=True)
    mrp: Series[float] = pa.Field(gt=0)


class StockRows(_Rows):
    """Sheet ``inventory``: a store's units and prices of a product."""

    id: Series[str] = pa.Field(str_matches=ID, nullable=True)
    store_id: Series[str] = pa.Field(str_matches=ID)
    product_id: Series[str] = pa.Field(str_matches=ID)
    quantity: Series[pd.Int64Dtype] = pa.Field(ge=0)
    item_mrp: Series[float] = pa.Field(gt=0)
    current_price: Series[float] = pa.Field(gt=0)
    lifecycle_start_date: Series[str] = pa.Field(str_matches=ISO_DATE)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[_Rows]
    # The natural key of a row: what makes two rows "the same row" across files.
    key: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)

    @property
    def required(self) -> list[str]:
        return [n for n, c in self.model.to_schema().columns.items() if not c.nullable]

    @property
    def optional(self) -> list[str]:
        return [n for n, c in self.model.to_schema().columns.items() if c.nullable]


CSV_KINDS: dict[str, Kind] = {
    "sales": Kind("sales", SalesRows, ("date", "product_id", "channel")),
    "inventory": Kind("inventory", InventoryRows, ("date", "product_id", "location")),
    "demand": Kind("demand", DemandRows, ("date", "product_id")),
}
SHEETS: dict[str, Kind] = {
    "daily_update": Kind("daily_update", DailyUpdateRows, ("store_id", "style_code")),
    "stores": Kind("stores", StoreRows, ("name", "city")),
    "products": Kind("products", ProductRows, ("store_id", "style_code", "barcode")),
    "inventory": Kind("inventory", StockRows, ("store_id", "product_id")),
}


def template_csv(kind: Kind) -> str:
    """The header line of a file of this kind, required columns first."""
    return ",".join(kind.required + kind.optional) + "\n"


def describe(kind: Kind) -> list[dict[str, object]]:
    """Each column with its type, whether it is required, and its checks (for docs and the API)."""
    out = []
    for name, column in kind.model.to_schema().columns.items():
        out.append(
            {
                "column": name,
                "type": str(column.dtype),
                "required": not column.nullable,
                "checks": [str(c) for c in column.checks],
                "description": column.description,
            }
        )
    return out


def empty_frame(kind: Kind) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in kind.columns})
