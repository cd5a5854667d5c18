"""Customer lifetime value: BG/NBD for how often a buyer purchases (and whether they are still
active), Gamma-Gamma for how much they spend per purchase (Fader, Hardie and Lee 2005; Fader
and Hardie 2013). Maximum likelihood with scipy.

Written here because the Python packages that carry these models are unmaintained
(``lifetimes``, last release 2020) or too heavy for a function (``pymc-marketing``). The tests
(``tests/unit/analytics/test_clv.py``) check that the fit recovers the published CDNOW
parameters from a synthetic cohort drawn from them (within 12%); not the CDNOW data itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    def expected_purchases(
        self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
    ) -> np.ndarray:
        """E[purchases in the next ``t`` time units | x repeat purchases, last at t_x, age T]."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp
        active = np.where(
            x > 0,
            (a / np.maximum(b + x - 1, 1e-9)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
            0,
        )
        return first * second / (1 + active)

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        ratio = np.where(
            x > 0,
            (a / np.maximum(b + x - 1, 1e-9)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
            0,
        )
        return 1 / (1 + ratio)


def bgnbd_log_likelihood(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    big_t: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    r, alpha, a, b = np.exp(params)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a1 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + big_t)
    a2 = np.where(
        x > 0,
        special.betaln(a + 1, np.maximum(b + x - 1, 1e-9))
        - special.betaln(a, b)
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    terms = common + np.logaddexp(a1, a2)
    return float(np.sum(terms if weights is None else weights * terms))


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> BgNbd:
    # Customers with the same (x, t_x, T) share a likelihood term: fit on the distinct ones,
    # weighted, which is what keeps a large customer base fast.
    keys, counts = np.unique(np.stack([x, t_x, big_t]), axis=1, return_counts=True)
    ux, ut, uT = keys
    result = optimize.minimize(
        lambda p: -bgnbd_log_likelihood(p, ux, ut, uT, counts),
        x0=np.log([1.0, 1.0, 1.0, 1.0]),
        method="L-BFGS-B",
    )
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b))


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float

    def expected_spend(self, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
        """E[spend per purchase | x repeat purchases averaging m_x]."""
        p, q, v = self.p, self.q, self.v
        return (v + m_x * x) * p / (p * x + q - 1)


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m_x: np.ndarray) -> float:
    p, q, v = np.exp(params)
    return float(
        np.sum(
            special.gammaln(p * x + q)
            - special.gammaln(p * x)
            - special.gammaln(q)
            + q * np.log(v)
            + (p * x - 1) * np.log(m_x)
            + p * x * np.log(x)
            - (p * x + q) * np.log(v + m_x * x)
        )
    )


SPEND_SAMPLE = 10_000


def fit_gamma_gamma(x: np.ndarray, m_x: np.ndarray) -> GammaGamma:
    """Fit on repeat buyers only (x > 0), as the model requires; on a fixed random sample of
    them when there are many (the three parameters describe the population, not a buyer)."""
    keep = np.flatnonzero(x > 0)
    if len(keep) > SPEND_SAMPLE:
        keep = np.sort(np.random.default_rng(0).choice(keep, SPEND_SAMPLE, replace=False))
    result = optimize.minimize(
        lambda p: -gamma_gamma_log_likelihood(p, x[keep], m_x[keep]),
        x0=np.log([1.0, 1.0, 1.0]),
        method="L-BFGS-B",
    )
    p, q, v = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(v))


CUSTOMERS = """
WITH occasions AS (
    SELECT customer_key, CAST(ordered_at + INTERVAL 330 MINUTE AS DATE) AS day,
        sum(net_revenue) AS value
    FROM fact_sales
    WHERE customer_key IS NOT NULL AND line_kind = 'order' AND NOT is_cancelled
        AND net_revenue > 0
    GROUP BY 1, 2
),
as_of AS (SELECT max(day) AS last_day FROM occasions),
ranked AS (SELECT *, row_number() OVER (PARTITION BY customer_key ORDER BY day) AS n FROM occasions)
SELECT customer_key,
    count(*) - 1 AS x,
    date_diff('day', min(day), max(day)) AS t_x,
    date_diff('day', min(day), (SELECT last_day FROM as_of)) + 1 AS big_t,
    coalesce(avg(value) FILTER (WHERE n > 1), avg(value)) AS m_x
FROM ranked GROUP BY 1
"""
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 5


def customer_value(columns: list[str], rows: list[list], horizon_days: int, limit: int) -> dict:
    """Expected purchases and value over ``horizon_days`` per customer, and in total.

    ``t_x`` and ``big_t`` are in days (as ``CUSTOMERS`` gives them); the models are fitted in
    weeks, so the parameters read as in the literature (alpha per week)."""
    if len(rows) < MIN_CUSTOMERS:
        return {
            "fitted": False,
            "reason": f"needs at least {MIN_CUSTOMERS} customers",
            "customers": len(rows),
        }
    data = {c: np.array([r[i] for r in rows]) for i, c in enumerate(columns)}
    # Weeks, as in the literature: the fit is on distinct (x, t_x, T) histories, and whole
    # weeks make far fewer of them than days.
    x = data["x"].astype(float)
    t_x, big_t = (
        np.round(data["t_x"].astype(float) / 7, 1),
        np.round(data["big_t"].astype(float) / 7, 1),
    )
    m_x = data["m_x"].astype(float)
    if int((x > 0).sum()) < MIN_REPEAT_BUYERS:
        return {
            "fitted": False,
            "reason": f"needs at least {MIN_REPEAT_BUYERS} repeat buyers",
            "customers": len(rows),
        }
    frequency = fit_bgnbd(x, t_x, big_t)
    spend = fit_gamma_gamma(x, m_x)
    purchases = frequency.expected_purchases(horizon_days / 7, x, t_x, big_t)
    population_spend = spend.p * spend.v / (spend.q - 1) if spend.q > 1 else float(np.mean(m_x))
    per_purchase = np.where(x > 0, spend.expected_spend(np.maximum(x, 1), m_x), population_spend)
    value = purchases * per_purchase
    alive = frequency.p_alive(x, t_x, big_t)
    order = np.argsort(-value)[:limit]
    return {
        "fitted": True,
        "horizon_days": horizon_days,
        "customers": len(rows),
        "expected_value_total": round(float(value.sum()), 2),
        "expected_purchases_total": round(float(purchases.sum()), 2),
        "bgnbd": frequency.__dict__,
        "gamma_gamma": spend.__dict__,
        "top": [
            {
                "customer_key": str(data["customer_key"][i]),
                "repeat_purchases": int(x[i]),
                "p_alive": round(float(alive[i]), 4),
                "expected_purchases": round(float(purchases[i]), 3),
                "expected_value": round(float(value[i]), 2),
            }
            for i in order
        ],
    }
