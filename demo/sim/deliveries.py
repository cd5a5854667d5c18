"""Simulated fulfilment: when an order line is packed, shipped, delivered, sent back (RTO) or
returned.

RTO (return to origin: the buyer refuses or cannot be reached, mostly cash on delivery) runs
far higher in India than returns elsewhere, and it varies by state: lowest in the southern
metros, highest across the Hindi belt and the east. The rates below sit in the 7-22% range
sellers report for COD-heavy marketplaces. Transit is quicker to metro states. Amazon ships
its own orders (FBA), so its lines get no simulated milestones here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

RTO_RATE = {
    "Maharashtra": 0.09,
    "Karnataka": 0.08,
    "Delhi NCR": 0.12,
    "Tamil Nadu": 0.07,
    "Uttar Pradesh": 0.22,
    "West Bengal": 0.16,
    "Gujarat": 0.10,
    "Telangana": 0.09,
}
METRO_STATES = {"Maharashtra", "Karnataka", "Delhi NCR", "Tamil Nadu", "Telangana"}
RETURN_RATE = 0.06


def plan(rng: np.random.Generator, state: str, ordered_at: datetime) -> list[tuple[str, datetime]]:
    """The milestones of one order line, in time order."""
    packed = ordered_at + timedelta(hours=float(rng.uniform(2, 12)))
    shipped = packed + timedelta(hours=float(rng.uniform(4, 30)))
    steps = [("packed", packed), ("shipped", shipped)]
    if rng.random() < RTO_RATE.get(state, 0.12):
        return [*steps, ("rto", shipped + timedelta(days=float(rng.uniform(5, 10))))]
    transit_days = rng.gamma(4.0, 0.55 if state in METRO_STATES else 0.9)
    delivered = shipped + timedelta(days=float(transit_days))
    steps.append(("delivered", delivered))
    if rng.random() < RETURN_RATE:
        steps.append(("returned", delivered + timedelta(days=float(rng.uniform(2, 8)))))
    return steps
