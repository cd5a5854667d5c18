"""Which signals each marketplace really sends, and at what grain: written once, read by the
normalisers' tests, the simulator, the features, the KPIs and the dashboard.

Live (a real marketplace connection):

- Amazon (Selling Partner API notifications): hourly glance views
  (DETAIL_PAGE_TRAFFIC_EVENT), hourly ordered units and revenue (ITEM_SALES_EVENT_CHANGE),
  orders without prices (ORDER_CHANGE), offers (ANY_OFFER_CHANGED). No clicks.
- Myntra and Meesho: orders pushed to the seller's endpoint (units and revenue per line). No
  views, clicks or offers.

Demo (the mock feed): every marketplace sends views, clicks, orders, units and revenue per event,
the seed's 70/20/10 funnel. The view and click payloads ReSight accepts for Myntra and Meesho
exist for the demo only.

A signal a marketplace does not send is missing (NaN in features, "not sent by" in KPIs),
never zero.
"""

from __future__ import annotations

from typing import Literal

from shared.core.records import MARKETPLACES, Marketplace

Signal = Literal["views", "clicks", "orders", "units", "revenue", "offers"]
Grain = Literal["event", "hourly"]
Mode = Literal["live", "mock"]

SIGNALS: tuple[Signal, ...] = ("views", "clicks", "orders", "units", "revenue", "offers")

LIVE: dict[Marketplace, dict[Signal, Grain]] = {
    "amazon": {
        "views": "hourly",
        "orders": "event",
        "units": "hourly",
        "revenue": "hourly",
        "offers": "event",
    },
    "myntra": {"orders": "event", "units": "event", "revenue": "event"},
    "meesho": {"orders": "event", "units": "event", "revenue": "event"},
}
DEMO: dict[Marketplace, dict[Signal, Grain]] = {
    mp: {
        "views": "event",
        "clicks": "event",
        "orders": "event",
        "units": "event",
        "revenue": "event",
    }
    for mp in MARKETPLACES
}


def sent(marketplace: str, mode: str) -> dict[Signal, Grain]:
    """The signals ``marketplace`` sends in ``mode`` (``live`` or ``mock``), with their grain."""
    for mp, signals in (DEMO if mode == "mock" else LIVE).items():
        if mp == marketplace:
            return dict(signals)
    return {}


def sends(marketplace: str, signal: str, mode: str) -> bool:
    return signal in sent(marketplace, mode)


def conversion_basis(marketplace: str, mode: str) -> tuple[str, str] | None:
    """(numerator, denominator) of conversion: orders over clicks where clicks exist; else
    Amazon's unit session percentage, units over glance views; None where neither is sent."""
    if sends(marketplace, "clicks", mode) and sends(marketplace, "orders", mode):
        return ("orders", "clicks")
    if sends(marketplace, "views", mode) and sends(marketplace, "units", mode):
        return ("units", "views")
    return None


def ctr_basis(marketplace: str, mode: str) -> tuple[str, str] | None:
    if sends(marketplace, "clicks", mode) and sends(marketplace, "views", mode):
        return ("clicks", "views")
    return None


def table(mode: str) -> dict[str, dict[str, str]]:
    """The whole table as the API serves it to the dashboard."""
    return {mp: {str(k): str(v) for k, v in sent(mp, mode).items()} for mp in MARKETPLACES}
