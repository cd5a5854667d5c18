"""What drives the demand of sellers who send files, and what their demand files report of it:
external demand, weather, promotions and holidays, and the channel each sale comes through.
The simulator (``demo.sim.simulator``) draws its shoppers with these multipliers.
"""

from __future__ import annotations

import bisect

import numpy as np

from shared.ml.vocabulary import CATEGORIES

CHANNELS: tuple[str, ...] = ("online", "pos", "marketplace", "wholesale")
# Units of a wholesale line against a shopper's: bulk orders.
_WHOLESALE_BULK = (2, 7)
# Views by external demand (low, medium, high) and by advertised promotion or holiday.
_EXTERNAL = np.array([0.55, 1.0, 1.8])
_PROMOTION, _HOLIDAY = 1.3, 1.5
_WEATHER = ("normal", "hot", "cold", "rainy")
_WEATHER_ODDS = np.array([0.55, 0.2, 0.1, 0.15])
_DEMAND_LEVELS = ("low", "medium", "high")


class FileSignals:
    """The hidden processes behind demand files, and what the files report of them.

    Per item: external demand (a level kept with probability 0.75 a day, else redrawn),
    social sentiment (a mean-reverting walk), a channel mix; per day: the weather (each
    category reacts its own way) and holidays. The files report the level right 80% of the
    time, sentiment and the market trend with noise.
    """

    def __init__(self, n: int, categories: np.ndarray, seed: int) -> None:
        self._rng = np.random.default_rng([seed, 3])
        rng = self._rng
        self._cat = categories
        self.level = rng.choice(3, n, p=[0.3, 0.45, 0.25])
        self.sentiment = np.clip(rng.normal(0.0, 0.3, n), -1, 1)
        self.mix = rng.dirichlet([2.0, 1.2, 1.5, 0.5], n)
        self._cumulative_mix = np.cumsum(self.mix, axis=1).tolist()
        # Each category's response to each weather (the first, normal, is 1).
        self._weather_effect = np.exp(rng.normal(0.0, 0.25, (len(CATEGORIES) + 1, 4)))
        self._weather_effect[:, 0] = 1.0
        self.multiplier = np.ones(n)
        self._report: list[dict[str, str | float]] = []

    def advance(self, promoted: np.ndarray, trend: np.ndarray) -> None:
        """A new day: move the processes and set the day's view multiplier and reports."""
        rng = self._rng
        n = len(self.level)
        redraw = rng.random(n) > 0.75
        self.level[redraw] = rng.choice(3, int(redraw.sum()), p=[0.3, 0.45, 0.25])
        self.sentiment = np.clip(0.85 * self.sentiment + rng.normal(0.0, 0.15, n), -1, 1)
        weather = int(rng.choice(4, p=_WEATHER_ODDS))
        holiday = bool(rng.random() < 0.08)
        self.multiplier = (
            _EXTERNAL[self.level]
            * np.exp(0.5 * self.sentiment)
            * self._weather_effect[self._cat, weather]
            * np.where(promoted, _PROMOTION, 1.0)
            * (_HOLIDAY if holiday else 1.0)
        )
        wrong = rng.random(n) > 0.8
        seen = np.where(wrong, rng.choice(3, n), self.level)
        sentiment = np.clip(self.sentiment + rng.normal(0.0, 0.1, n), -1, 1)
        market = np.clip(12.0 * trend + rng.normal(0.0, 0.2, n), -1, 1)
        self._report = [
            {
                "external_demand": _DEMAND_LEVELS[int(seen[i])],
                "market_trend": round(float(market[i]), 3),
                "weather_factor": _WEATHER[weather],
                "event_impact": "promotion" if promoted[i] else "holiday" if holiday else "none",
                "social_sentiment": round(float(sentiment[i]), 3),
            }
            for i in range(n)
        ]

    def reported(self, i: int) -> dict[str, str | float]:
        return dict(self._report[i])

    def channel(self, i: int) -> tuple[str, int]:
        """An order line's channel and its units multiplier (bulk for wholesale)."""
        draw = self._rng.random()
        c = min(bisect.bisect_right(self._cumulative_mix[i], draw), len(CHANNELS) - 1)
        bulk = int(self._rng.integers(*_WHOLESALE_BULK)) if CHANNELS[c] == "wholesale" else 1
        return CHANNELS[c], bulk
