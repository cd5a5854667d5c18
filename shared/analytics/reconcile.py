"""The reconciliation check: for each IST day, the live figures and the lake's agree.

Live: the projection's per-day rollup of every product (``sale_days``, what the Overview's day
figures sum). Lake: ``fact_sales`` summed by IST day and source. Both follow
``shared.core.sales``, so for every day and source (amazon, myntra, meesho, import) units are
equal and revenue equal to the paisa. A day at or before the newest day any product's rollup
has dropped (``sale_days_pruned``) is not whole on the live side and is not judged.

It runs after each lake run (``shared.analytics.job``) and is stored as a data-quality run
(trigger ``lake``, check ``reconciliation``, critical on a mismatch).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from shared.adapters.cosmos import Store
from shared.analytics.kpi_queries import Kpis
from shared.core.settings import IST_OFFSET
from shared.quality import checks

NAME, CATEGORY = "reconciliation", "consistency"
RULE = "live(units, revenue) = lake(units, revenue) per IST day and source"
QUALITY = "quality"
# Revenue is summed in paise on both sides; a float sum may differ in the last digit.
TOLERANCE = 0.005

Totals = dict[tuple[str, str], tuple[int, float]]


def live_days(products: Iterable[Mapping[str, Any]]) -> tuple[Totals, str | None]:
    """{(IST day, source): (units, revenue)} over the products, and the newest day a rollup
    dropped (ISO), before which the live side is not whole."""
    totals: dict[tuple[str, str], list] = {}
    pruned: str | None = None
    for product in products:
        if product.get("merged_into"):
            continue  # counted in the item it was merged into
        for key, (units, revenue) in (product.get("sale_days") or {}).items():
            day, source = key.split("|", 1)
            entry = totals.setdefault((f"{day[:4]}-{day[4:6]}-{day[6:8]}", source), [0, 0])
            entry[0] += int(units)
            entry[1] += round(float(revenue) * 100)
        dropped = product.get("sale_days_pruned")
        if dropped:
            iso = f"{dropped[:4]}-{dropped[4:6]}-{dropped[6:8]}"
            pruned = iso if pruned is None else max(pruned, iso)
    return {k: (u, p / 100) for k, (u, p) in totals.items()}, pruned


def read_live(store: Store) -> tuple[Totals, str | None]:
    return live_days(
        store.query(
            "products",
            "SELECT c.item_id, c.sale_days, c.sale_days_pruned, c.merged_into FROM c",
        )
    )


def compare(
    live: Totals, lake: Totals, *, after: str | None = None, days: Iterable[str] | None = None
) -> checks.Check:
    """The check: every (day, source) either side has, after ``after``, within ``days`` when
    given; the mismatches listed (a sample) with both sides' figures."""
    wanted = set(days) if days is not None else None
    keys = sorted(
        k
        for k in set(live) | set(lake)
        if (after is None or k[0] > after) and (wanted is None or k[0] in wanted)
    )
    mismatches = []
    for day, source in keys:
        lu, lr = live.get((day, source), (0, 0.0))
        ku, kr = lake.get((day, source), (0, 0.0))
        if lu != ku or abs(lr - kr) > TOLERANCE:
            mismatches.append(
                {
                    "day": day,
                    "source": source,
                    "live": {"units": lu, "revenue": round(lr, 2)},
                    "lake": {"units": ku, "revenue": round(kr, 2)},
                }
            )
    checked_days = sorted({day for day, _ in keys})
    return checks.Check(
        NAME,
        CATEGORY,
        RULE,
        "critical",
        "fail" if mismatches else "pass",
        float(len(mismatches)),
        0.0,
        {
            "days_checked": len(checked_days),
            "first_day": checked_days[0] if checked_days else None,
            "last_day": checked_days[-1] if checked_days else None,
            "whole_after": after,
            "mismatches": mismatches[: checks.SAMPLES],
            "mismatch_count": len(mismatches),
        },
    )


def check(store: Store, kpis: Kpis, days: Iterable[date] | None = None) -> checks.Check:
    """Live against the lake, for ``days`` (default: every day either side has)."""
    live, after = read_live(store)
    wanted = sorted(set(days)) if days is not None else None
    if wanted:
        lake = kpis.day_totals(wanted[0], wanted[-1])
    elif wanted is None:
        lake = kpis.day_totals(date(1970, 1, 1), date(9999, 12, 31))
    else:
        lake = {}
    return compare(
        live,
        lake,
        after=after,
        days=[d.isoformat() for d in wanted] if wanted is not None else None,
    )


def record(store: Store, result: checks.Check, now: datetime) -> dict[str, Any]:
    """Store the check as a quality run of its own (trigger ``lake``)."""
    doc = {
        "id": f"lake:{now:%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:6]}",
        "day": (now + IST_OFFSET).date().isoformat(),
        "trigger": "lake",
        "started_at": now.isoformat(),
        "finished_at": now.isoformat(),
        **checks.summary([result]),
        "results": [result.to_dict()],
    }
    store.create(QUALITY, doc)
    return doc
