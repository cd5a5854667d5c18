"""What an alert says: the approved templates' parameters and the same words as plain text.

The templates must be registered (and approved) in WhatsApp Manager under these names, with
these body variables in this order::

    inventory_danger_alert (header: image)
    inventory_danger_alert_text (no header)
        {{1}} stock alert: {{2}} at {{3}} has not sold for {{4}} days.
        {{5}} of capital is tied up in {{6}} units. Suggested: {{7}}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TemplateSpec:
    image_header: bool
    body: tuple[str, ...]


BODY = ("level", "item", "store", "days_without_sale", "capital", "units", "suggestion")
TEMPLATES: dict[str, TemplateSpec] = {
    "inventory_danger_alert": TemplateSpec(image_header=True, body=BODY),
    "inventory_danger_alert_text": TemplateSpec(image_header=False, body=BODY),
}


def rupees(value: float | None) -> str:
    """Indian digit grouping: ₹12,34,567."""
    whole = round(value or 0)
    sign, digits = ("-" if whole < 0 else ""), str(abs(whole))
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return f"{sign}₹{','.join([*groups, tail]) if groups else tail}"


def suggestion(row: Mapping[str, Any]) -> str:
    decision = row.get("decision")
    if isinstance(decision, Mapping):
        for key in ("summary", "label", "action"):
            if decision.get(key):
                return str(decision[key])
    return "review price and placement"


def body_values(row: Mapping[str, Any]) -> list[str]:
    """The template's body parameters, in ``BODY`` order (never empty: the API refuses it)."""
    days = row.get("days_since_sale")
    values = [
        str(row["danger"]),
        str(row.get("title") or row["item_id"]),
        str(row.get("store_name") or row["store_id"]),
        "many" if days is None else str(days),
        rupees(row.get("capital")),
        str(row.get("units") or 0),
        suggestion(row),
    ]
    # Template parameters may not hold newlines, tabs or more than four spaces in a row.
    return [" ".join(v.split()) or "-" for v in values]


def text(values: list[str]) -> str:
    """The template's words as free text (``values`` from ``body_values``), for someone
    inside the 24-hour window."""
    level, item, store, days, capital, units, hint = values
    return (
        f"{level} stock alert: {item} at {store} has not sold for {days} days.\n"
        f"{capital} of capital is tied up in {units} units. Suggested: {hint}."
    )
