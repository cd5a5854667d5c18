"""Simulated buyers: who places each simulated order, so customer analytics has real shape.

Buyers follow the story BG/NBD tells: each has a purchase propensity (Gamma-distributed, so a
few buy often and most once or twice) and, after each purchase, a chance to lapse for good
(Beta-distributed). An order from a state goes to one of that state's active buyers in
proportion to their propensity, or to a new buyer; the share of repeat orders settles around
40%, typical of Indian fashion marketplaces. Now and then a buyer orders from another city
(a move), which is what SCD2 customer history is for. The demand model is untouched: it
decides what is bought and when; this only decides by whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CITIES: dict[str, tuple[str, ...]] = {
    "Maharashtra": ("Mumbai", "Pune", "Nagpur", "Nashik", "Thane"),
    "Karnataka": ("Bengaluru", "Mysuru", "Mangaluru", "Hubballi"),
    "Delhi NCR": ("New Delhi", "Gurugram", "Noida", "Ghaziabad"),
    "Tamil Nadu": ("Chennai", "Coimbatore", "Madurai"),
    "Uttar Pradesh": ("Lucknow", "Kanpur", "Varanasi", "Agra", "Prayagraj"),
    "West Bengal": ("Kolkata", "Howrah", "Siliguri"),
    "Gujarat": ("Ahmedabad", "Surat", "Vadodara", "Rajkot"),
    "Telangana": ("Hyderabad", "Warangal"),
}
NEW_BUYER_SHARE = 0.6  # of orders: first orders; the rest are repeat orders
MOVE_CHANCE = 0.02
MAX_BUYERS = 20_000


@dataclass
class Buyer:
    key: str
    city: str
    state: str
    propensity: float
    lapse: float
    active: bool = True


@dataclass
class BuyerPool:
    seed: int
    _rng: np.random.Generator = field(init=False)
    _by_state: dict[str, list[Buyer]] = field(default_factory=dict)
    _count: int = 0

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed + 101)

    def pick(self, state: str) -> Buyer:
        rng = self._rng
        pool = [b for b in self._by_state.get(state, []) if b.active]
        if not pool or rng.random() < NEW_BUYER_SHARE:
            buyer = self._new(state)
        else:
            weights = np.array([b.propensity for b in pool])
            buyer = pool[int(rng.choice(len(pool), p=weights / weights.sum()))]
            if rng.random() < MOVE_CHANCE:
                buyer.city = str(rng.choice(CITIES.get(state, (state,))))
        if rng.random() < buyer.lapse:
            buyer.active = False  # this is their last order
        return buyer

    def _new(self, state: str) -> Buyer:
        rng = self._rng
        self._count += 1
        buyer = Buyer(
            key=f"sim-{self.seed}-{self._count}",
            city=str(rng.choice(CITIES.get(state, (state,)))),
            state=state,
            propensity=float(rng.gamma(0.6, 2.0)),
            lapse=float(rng.beta(1.2, 3.5)),
        )
        pool = self._by_state.setdefault(state, [])
        pool.append(buyer)
        if len(pool) > MAX_BUYERS // max(1, len(CITIES)):
            del pool[0]  # the pool stays bounded in a long-running process
        return buyer
