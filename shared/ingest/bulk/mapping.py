"""Any marketplace's order export onto ReSight's fields: the guesses, the mapping, the fingerprint.

A seller's export (Flipkart, Meesho, Myntra, Ajio, Shopify, Tally, Amazon's reports) names its
columns its own way. ``guess`` proposes, for each column, the ReSight field it holds, from its
name and from its values (a column of six-digit numbers is a pin code whatever it is called);
the seller corrects the guesses once and saves them as a ``Mapping`` (a preset,
``shared.ingest.bulk.presets``). ``fingerprint`` is the hash of the normalised header: a later
file with the same columns (in any order, any case or spacing) is imported with that preset, no
questions asked; a file whose columns changed is asked about again (``header_changes``).

Statuses are mapped too, onto ``STATUSES``: the mapping's own table first (``Mapping.statuses``,
keyed by the normalised value), then the words every export uses (``guess_status``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal, get_args

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.core.errors import InvalidValue
from shared.ingest.bulk import indian_formats

FieldName = Literal[
    "order_id",
    "line_id",
    "sku",
    "date",
    "status_date",
    "quantity",
    "price",
    "status",
    "city",
    "state",
    "pin_code",
    "buyer_key",
    "channel",
    "marketplace",
]
FIELDS: tuple[FieldName, ...] = get_args(FieldName)
# Without these an export cannot become order lines. The line falls back to the SKU: an
# order names each SKU once in most exports (Amazon's all-orders report has no line id).
REQUIRED: tuple[FieldName, ...] = ("order_id", "sku", "date", "quantity")
Status = Literal["created", "cancelled", "rto", "shipped", "delivered", "returned"]
STATUSES: tuple[Status, ...] = ("created", "cancelled", "rto", "shipped", "delivered", "returned")
Channel = Literal["marketplace", "online", "pos", "wholesale"]

DESCRIPTIONS: dict[FieldName, str] = {
    "order_id": "The order's id in the export",
    "line_id": "The order line (sub-order, item) id; without one, the SKU is the line",
    "sku": "The seller's SKU (the product)",
    "date": "When the order was placed",
    "status_date": "When the status last changed (a cancellation or a delivery is dated so)",
    "quantity": "Units on the line",
    "price": "The line's price: per unit or for the whole line (price_basis)",
    "status": "The line's status, mapped onto created, cancelled, rto, shipped, delivered, "
    "returned",
    "city": "The delivery city",
    "state": "The delivery state",
    "pin_code": "The delivery pin code",
    "buyer_key": "The marketplace's key for the buyer; kept only as a salted hash",
    "channel": "The sales channel (marketplace, online, pos, wholesale)",
    "marketplace": "The marketplace (amazon, myntra, meesho) or another source",
}


def normalise_name(name: str) -> str:
    """``Order ID``, ``order-id``, `` order_id `` -> ``order id``."""
    return re.sub(r"[^0-9a-z₹]+", " ", str(name).lower()).strip()


def normalise_value(value: str) -> str:
    return re.sub(r"\s+", " ", str(value).strip().lower())


def fingerprint(header: list[str]) -> str:
    """The normalised header's hash: the same columns in any order, case or spacing (and
    unnamed trailing columns) give the same fingerprint."""
    names = sorted({normalise_name(h) for h in header if normalise_name(h)})
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class HeaderChanges:
    added: list[str]
    missing: list[str]

    def to_dict(self) -> dict[str, list[str]]:
        return {"added": self.added, "missing": self.missing}


def header_changes(saved: list[str], header: list[str]) -> HeaderChanges:
    """What a file's header adds to and lacks from the header a preset was saved from."""
    before = {normalise_name(h): h for h in saved if normalise_name(h)}
    now = {normalise_name(h): h for h in header if normalise_name(h)}
    return HeaderChanges(
        added=[now[k] for k in now if k not in before],
        missing=[before[k] for k in before if k not in now],
    )


# -- the mapping ---------------------------------------------------------------------------------
class Mapping(BaseModel):
    """How one source's export maps onto ReSight's fields (what a preset saves)."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        ...,
        min_length=2,
        max_length=32,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Where the export comes from (amazon, flipkart, shopify, tally, ...): "
        "part of every order line's id, so the same order from two files of one source is "
        "one order",
    )
    columns: dict[FieldName, str] = Field(
        ..., description="ReSight field -> the export's column name"
    )
    statuses: dict[str, Status] = Field(
        default_factory=dict,
        description="The export's status values (any case) -> ReSight's status",
    )
    price_basis: Literal["unit", "line"] = Field(
        "unit", description="Whether the price column is per unit or the whole line's"
    )
    marketplace: Literal["amazon", "myntra", "meesho"] | None = Field(
        None,
        description="The marketplace of every line, when no column says; its lines then share "
        "their ids with that marketplace's webhooks, so an order in both counts once",
    )
    channel: Channel = Field("marketplace", description="The channel when no column says")
    day_first: bool | None = Field(
        None,
        description="How to read numeric dates when a file's column does not tell "
        "(no day above 12): true for DD-MM, false for MM-DD",
    )

    @field_validator("statuses")
    @classmethod
    def _keys_normalised(cls, value: dict[str, Status]) -> dict[str, Status]:
        return {normalise_value(k): v for k, v in value.items() if normalise_value(k)}

    @model_validator(mode="after")
    def _required(self) -> Mapping:
        missing = [f for f in REQUIRED if not self.columns.get(f)]
        if missing:
            raise InvalidValue(f"map a column to each of: {', '.join(missing)}")
        used = [c for c in self.columns.values() if c]
        twice = sorted({c for c in used if used.count(c) > 1})
        if twice:
            raise InvalidValue(f"a column maps to one field only: {', '.join(twice)}")
        return self

    def status_of(self, value: object) -> Status | None:
        """ReSight's status for an export's value; None when neither the table nor the usual
        words say (that row is reported). A blank status is a placed order."""
        if indian_formats.is_missing(value):
            return "created"
        key = normalise_value(str(value))
        return self.statuses.get(key) or guess_status(key)

    def missing_columns(self, header: list[str]) -> list[str]:
        present = {normalise_name(h) for h in header}
        return [c for c in self.columns.values() if normalise_name(c) not in present]


# -- statuses ------------------------------------------------------------------------------------
# The words exports use, checked in this order (most specific first: "returned to origin" is an
# RTO, not a return; "cancelled after shipping" is a cancellation).
_STATUS_WORDS: tuple[tuple[Status, tuple[str, ...]], ...] = (
    (
        "rto",
        (
            "rto",
            "return to origin",
            "returned to origin",
            "returned to seller",
            "returning to seller",
            "undelivered",
            "rejected by buyer",
        ),
    ),
    ("cancelled", ("cancel", "rejected", "unfulfillable", "lost")),
    ("returned", ("return", "refund")),
    ("delivered", ("deliver", "complete")),
    ("shipped", ("ship", "dispatch", "transit", "out for delivery", "picked up", "manifest")),
    (
        "created",
        (
            "created",
            "new",
            "pending",
            "placed",
            "confirm",
            "approved",
            "accepted",
            "processing",
            "packed",
            "ready",
            "unshipped",
            "open",
            "invoice",
        ),
    ),
)


# Whole values the keywords would misread ("ready to dispatch" has not been dispatched).
_STATUS_PHRASES: dict[str, Status] = {
    "ready to dispatch": "created",
    "ready to ship": "created",
    "unshipped": "created",
    "partiallyshipped": "shipped",
    "partially shipped": "shipped",
    "not shipped": "created",
    "ready_to_dispatch": "created",
    "ready_to_ship": "created",
    "pending - waiting for pick up": "created",
    "out for delivery": "shipped",
    "shipped - out for delivery": "shipped",
    "shipped - delivered to buyer": "delivered",
    "shipped - returned to seller": "rto",
    "shipped - returning to seller": "rto",
    "shipped - rejected by buyer": "rto",
}


def guess_status(value: str) -> Status | None:
    text = normalise_value(value)
    if text in _STATUS_PHRASES:
        return _STATUS_PHRASES[text]
    for status, words in _STATUS_WORDS:
        if any(w in text for w in words):
            return status
    return None


# -- guesses -------------------------------------------------------------------------------------
# Names each field goes by in exports (normalised), best first.
_NAMES: dict[FieldName, tuple[str, ...]] = {
    "order_id": (
        "order id", "amazon order id", "order no", "order number", "order item id order id",
        "sub order id order id", "invoice no", "voucher no", "order", "name",
    ),
    "line_id": (
        "order item id", "sub order id", "sub order no", "suborder id", "line id", "line item id",
        "item id", "lineitem id", "packet id", "order line id", "shipment item id",
    ),
    "sku": (
        "sku", "seller sku", "sku id", "sku code", "seller sku code", "style code", "lineitem sku",
        "product sku", "item sku", "fsn", "asin", "product id", "item code", "stock item",
    ),
    "date": (
        "purchase date", "order date", "order created date", "created at", "order placed date",
        "order time", "created on", "date", "ordered on", "invoice date",
    ),
    "status_date": (
        "last updated date", "updated at", "status date", "last update", "cancelled at",
        "fulfilled at",
        "delivered on", "delivery date", "dispatch date",
    ),
    "quantity": ("quantity", "qty", "units", "lineitem quantity", "quantity ordered", "item qty"),
    "price": (
        "item price", "price", "selling price", "final selling price", "unit price", "amount",
        "lineitem price", "total", "order value", "mrp", "rate", "value",
    ),
    "status": (
        "order status", "item status", "status", "sub order status", "fulfillment status",
        "financial status", "shipment status",
    ),
    "city": ("ship city", "city", "shipping city", "customer city", "delivery city"),
    "state": (
        "ship state", "state", "shipping province", "shipping state", "customer state",
        "delivery state", "province",
    ),
    "pin_code": (
        "ship postal code", "pin code", "pincode", "postal code", "zip", "shipping zip",
        "customer pincode", "delivery pincode", "pin",
    ),
    "buyer_key": (
        "buyer id", "customer id", "buyer key", "customer key", "buyer", "customer", "email",
        "buyer email", "customer email", "customer phone", "phone",
    ),
    "channel": ("channel", "sales channel", "order channel", "source"),
    "marketplace": ("marketplace", "platform", "marketplace name"),
}  # fmt: skip

INDIAN_STATES = frozenset(
    normalise_name(s)
    for s in (
        "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar", "Chhattisgarh", "Goa", "Gujarat",
        "Haryana", "Himachal Pradesh", "Jharkhand", "Karnataka", "Kerala", "Madhya Pradesh",
        "Maharashtra", "Manipur", "Meghalaya", "Mizoram", "Nagaland", "Odisha", "Punjab",
        "Rajasthan", "Sikkim", "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh",
        "Uttarakhand", "West Bengal", "Andaman and Nicobar Islands", "Chandigarh",
        "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Jammu and Kashmir", "Ladakh",
        "Lakshadweep", "Puducherry", "New Delhi", "Orissa", "Pondicherry",
    )
)  # fmt: skip
_GENERIC = frozenset({"name", "order", "date", "value", "total", "rate", "source", "item", "id"})
_PIN = re.compile(r"^[1-9]\d{5}$")
_INTEGER = re.compile(r"^\d{1,4}$")


@dataclass(frozen=True)
class Guess:
    column: str
    field: FieldName | None
    confidence: float  # 0..1
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "column": self.column,
            "field": self.field,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
        }


def _name_score(field: FieldName, name: str) -> float:
    names = _NAMES[field]
    if name in names:
        return 1.0 - 0.02 * names.index(name)
    words = set(name.split())
    best = 0.0
    for candidate in names:
        cw = set(candidate.split())
        # A generic word inside a longer name says little ("Product Name" is no order id).
        if len(cw) == 1 and cw <= _GENERIC:
            continue
        if cw and cw <= words:
            best = max(best, 0.6 * len(cw) / max(len(words), 1) + 0.2)
    return best


def _value_scores(values: pd.Series) -> dict[FieldName, float]:
    """What the column's values look like: evidence for some fields, against others."""
    texts = values.dropna().astype("string").str.strip()
    texts = texts[~texts.map(indian_formats.is_missing)]
    if texts.empty:
        return {}
    share = lambda mask: float(mask.mean()) if len(mask) else 0.0  # noqa: E731
    out: dict[FieldName, float] = {}
    pins = share(texts.str.match(_PIN))
    if pins > 0.8:
        out["pin_code"] = 0.6
    order = indian_formats.date_order(texts)
    if order.order not in ("empty",):
        _, wrong = indian_formats.parse_dates(texts, "UTC", day_first=order.day_first or True)
        dated = 1 - share(wrong)
        if dated > 0.8 and not texts.str.match(r"^\d+$").all():
            out["date"] = out["status_date"] = 0.5
    if share(texts.str.match(_INTEGER)) > 0.95 and pins < 0.5:
        small = pd.to_numeric(texts, errors="coerce")
        if small.max() <= 1000:
            out["quantity"] = 0.4
    _, bad = indian_formats.parse_amounts(texts)
    if share(~bad) > 0.95 and (texts.str.contains(r"[.₹,]|rs", case=False, regex=True).any()):
        out["price"] = 0.4
    distinct = texts.map(normalise_value).unique()
    if 0 < len(distinct) <= 20 and all(guess_status(v) for v in distinct):
        out["status"] = 0.6
    if share(texts.map(normalise_name).isin(INDIAN_STATES)) > 0.6:
        out["state"] = 0.7
    return out


def guess(header: list[str], rows: pd.DataFrame) -> list[Guess]:
    """A field for each column (or None), each field for one column at most: the strongest
    evidence wins, from the name and the values of ``rows`` (the file's first rows)."""
    candidates: list[tuple[float, str, FieldName, str]] = []
    for column in header:
        name = normalise_name(column)
        if not name:
            continue
        values = _value_scores(rows[column]) if column in rows.columns else {}
        for field in FIELDS:
            by_name = _name_score(field, name)
            by_value = values.get(field, 0.0)
            if by_name == 0.0 and by_value < 0.6:
                continue
            # A name match backed by the values is surest; values alone count for less.
            score = min(1.0, by_name * (1.0 if by_value or not values else 0.8) + 0.3 * by_value)
            if by_name == 0.0:
                score = 0.5 * by_value
            why = "name and values" if by_name and by_value else ("name" if by_name else "values")
            candidates.append((score, column, field, why))
    candidates.sort(key=lambda c: (-c[0], header.index(c[1]), FIELDS.index(c[2])))
    taken_fields: set[str] = set()
    chosen: dict[str, Guess] = {}
    for score, column, field, why in candidates:
        if column in chosen or field in taken_fields or score < 0.25:
            continue
        chosen[column] = Guess(column, field, min(score, 1.0), why)
        taken_fields.add(field)
    return [chosen.get(c) or Guess(c, None, 0.0, "no match") for c in header]


def suggested(guesses: list[Guess]) -> dict[str, str]:
    """The guesses as a mapping's ``columns`` (field -> column)."""
    return {g.field: g.column for g in guesses if g.field is not None}
