"""The retail KPIs sellers ask for, as SQL over the gold tables (IST days, net of cancellations).

Each KPI is a function of validated parameters returning ``{"columns", "rows"}`` plus what the
page needs to say about it; the SQL is trusted (ours) but runs under the same time and row
limits as any query.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from shared.analytics import basket, clv
from shared.analytics.warehouse import Warehouse

# The parameters the Analytics page asks for unless the seller changes them: the lake job fits
# these models once per run, so the first request is as fast as the others.
DEFAULT_MIN_SUPPORT = 0.01
CLV_HORIZON_DAYS = 90
CLV_TOP = 500  # the most customers one CLV answer lists

# Sales as shared/core/sales.py defines them: revenue and units are sums of net_revenue and
# net_units over every movement of the days (orders, cancellations on their own day, Amazon's
# hourly reports, imported rows); gross_revenue leaves the cancellations out. Orders and lines
# are marketplace order lines.
REVENUE = """
SELECT {period} AS period,
    count(DISTINCT f.order_id) FILTER (WHERE f.line_kind = 'order' AND NOT f.is_cancelled)
        AS orders,
    count(*) FILTER (WHERE f.line_kind = 'order') AS order_lines,
    count(*) FILTER (WHERE f.line_kind = 'order' AND f.is_cancelled) AS cancelled_lines,
    coalesce(sum(f.net_units), 0) AS units,
    coalesce(round(sum(f.net_revenue), 2), 0) AS revenue,
    coalesce(round(sum(f.net_revenue) FILTER (WHERE f.line_kind <> 'cancel'), 2), 0)
        AS gross_revenue
FROM fact_sales f JOIN dim_dates d USING (date_key)
WHERE d.date BETWEEN $start AND $end
GROUP BY 1 ORDER BY 1
"""

# The Analytics split by channel (marketplace, pos, online, wholesale) and source of sale.
BY_CHANNEL = """
SELECT f.channel, f.source,
    coalesce(sum(f.net_units), 0) AS units,
    round(coalesce(sum(f.net_revenue), 0), 2) AS revenue,
    round(sum(f.net_revenue) / nullif(sum(sum(f.net_revenue)) OVER (), 0), 4) AS revenue_share
FROM fact_sales f JOIN dim_dates d USING (date_key)
WHERE d.date BETWEEN $start AND $end
GROUP BY 1, 2 ORDER BY revenue DESC, 1, 2
"""

# Units and revenue per IST day and source: the lake's side of the reconciliation.
DAY_TOTALS = """
SELECT d.date, f.source, sum(f.net_units) AS units, round(sum(f.net_revenue), 2) AS revenue
FROM fact_sales f JOIN dim_dates d USING (date_key)
WHERE d.date BETWEEN $start AND $end
GROUP BY 1, 2 ORDER BY 1, 2
"""

BY_PLACE = """
WITH sales AS (
    SELECT coalesce({column}, 'unknown') AS {column}, f.net_units, f.net_revenue,
        CASE WHEN f.line_kind = 'order' AND NOT f.is_cancelled THEN f.order_id END AS order_id
    FROM fact_sales f JOIN dim_dates d USING (date_key)
    WHERE d.date BETWEEN $start AND $end
)
SELECT {column},
    count(DISTINCT order_id) AS orders,
    sum(net_units) AS units,
    round(sum(net_revenue), 2) AS revenue,
    round(sum(net_revenue) / nullif(sum(sum(net_revenue)) OVER (), 0), 4) AS revenue_share
FROM sales GROUP BY 1 ORDER BY revenue DESC, 1
"""

# Aggregate the fact first (date_key range, no join), then name the few items that remain.
TOP_PRODUCTS = """
WITH sold AS (
    SELECT item_id,
        sum(net_units) AS units,
        round(sum(net_revenue), 2) AS revenue,
        count(DISTINCT order_id) FILTER (WHERE line_kind = 'order' AND NOT is_cancelled) AS orders
    FROM fact_sales
    WHERE date_key BETWEEN $start_key AND $end_key
    GROUP BY 1 ORDER BY revenue DESC, item_id LIMIT $limit
)
SELECT s.item_id, p.title, p.category, p.marketplace, s.units, s.revenue, s.orders
FROM sold s LEFT JOIN dim_products p ON p.item_id = s.item_id AND p.is_current
ORDER BY s.revenue DESC, s.item_id
"""

TURNOVER = """
WITH stock AS (
    SELECT i.item_id, avg(i.closing_stock) AS avg_stock, avg(i.stock_value) AS avg_stock_value,
        count(*) AS stock_days
    FROM fact_inventory i JOIN dim_dates d USING (date_key)
    WHERE i.location_id = 'all' AND d.date BETWEEN $start AND $end
    GROUP BY 1
),
sold AS (
    SELECT f.item_id, sum(f.net_units) AS units_sold, sum(f.net_revenue) AS revenue
    FROM fact_sales f JOIN dim_dates d USING (date_key)
    WHERE d.date BETWEEN $start AND $end
    GROUP BY 1
)
SELECT p.item_id, p.title, p.category,
    coalesce(s.units_sold, 0) AS units_sold,
    round(k.avg_stock, 2) AS avg_stock,
    round(coalesce(s.units_sold, 0) / nullif(k.avg_stock, 0), 3) AS turnover,
    round(k.avg_stock / nullif(coalesce(s.units_sold, 0) / $days, 0), 1) AS days_of_inventory
FROM stock k
JOIN dim_products p ON p.item_id = k.item_id AND p.is_current
LEFT JOIN sold s ON s.item_id = k.item_id
ORDER BY turnover DESC NULLS LAST, p.item_id
"""

DELIVERY_OVERALL = """
SELECT count(*) AS lines,
    count(shipped_at) AS shipped,
    count(delivered_at) AS delivered,
    count(rto_at) AS rto,
    count(returned_at) AS returned,
    round(median(hours_to_ship), 2) AS median_hours_to_ship,
    round(median(hours_to_deliver), 2) AS median_hours_to_deliver,
    round(avg(delivered_on_time::INT) FILTER (WHERE delivered_at IS NOT NULL), 4)
        AS on_time_share,
    round(count(rto_at) / nullif(count(shipped_at), 0), 4) AS rto_rate
FROM fact_shipments s JOIN dim_dates d USING (date_key)
WHERE d.date BETWEEN $start AND $end
"""

DELIVERY_BY_STATE = """
SELECT coalesce(state, 'unknown') AS state,
    count(shipped_at) AS shipped,
    count(delivered_at) AS delivered,
    count(rto_at) AS rto,
    round(count(rto_at) / nullif(count(shipped_at), 0), 4) AS rto_rate,
    round(median(hours_to_deliver), 2) AS median_hours_to_deliver
FROM fact_shipments s JOIN dim_dates d USING (date_key)
WHERE d.date BETWEEN $start AND $end
GROUP BY 1 ORDER BY rto_rate DESC NULLS LAST, 1
"""

DAILY = """
WITH daily AS (
    SELECT d.date, d.year_month, d.weekday, d.iso_weekday, d.festival_season,
        coalesce(sum(f.net_revenue), 0) AS revenue, coalesce(sum(f.net_units), 0) AS units
    FROM dim_dates d LEFT JOIN fact_sales f USING (date_key)
    WHERE d.date BETWEEN $start AND $end
    GROUP BY ALL
)
"""
SEASONAL = {
    "by_month": DAILY
    + """SELECT year_month, round(sum(revenue), 2) AS revenue, sum(units) AS units,
        count(*) AS days FROM daily GROUP BY 1 ORDER BY 1""",
    "by_weekday": DAILY
    + """SELECT weekday, iso_weekday, round(sum(revenue), 2) AS revenue,
        round(avg(revenue), 2) AS avg_daily_revenue, count(*) AS days
        FROM daily GROUP BY 1, 2 ORDER BY iso_weekday""",
    "by_festival": DAILY
    + """, seasons AS (
        SELECT festival_season, count(*) AS days, round(sum(revenue), 2) AS revenue,
            avg(revenue) AS avg_daily_revenue FROM daily GROUP BY 1
    )
    SELECT festival_season, days, revenue, round(avg_daily_revenue, 2) AS avg_daily_revenue,
        round(avg_daily_revenue / nullif(
            (SELECT avg_daily_revenue FROM seasons WHERE festival_season = 'none'), 0), 3)
            AS lift_vs_baseline
    FROM seasons ORDER BY festival_season = 'none' DESC, festival_season""",
}

RFM = """
WITH as_of AS (SELECT max(ordered_at) AS as_of_at FROM fact_sales),
customers AS (
    SELECT customer_key,
        date_diff('day', max(ordered_at), (SELECT as_of_at FROM as_of)) AS recency_days,
        count(DISTINCT order_id) AS frequency,
        sum(net_revenue) AS monetary
    FROM fact_sales
    WHERE customer_key IS NOT NULL AND NOT is_cancelled
    GROUP BY 1
),
scored AS (
    SELECT *,
        ntile(5) OVER (ORDER BY recency_days DESC) AS r,
        ntile(5) OVER (ORDER BY frequency, monetary) AS f,
        ntile(5) OVER (ORDER BY monetary) AS m
    FROM customers
),
segmented AS (
    SELECT *, CASE
        WHEN r >= 4 AND f >= 4 THEN 'Champions'
        WHEN f >= 4 THEN 'Loyal'
        WHEN r >= 4 AND f >= 2 THEN 'Potential loyalists'
        WHEN r >= 4 THEN 'New customers'
        WHEN r <= 2 AND f >= 3 THEN 'At risk'
        WHEN r <= 2 THEN 'Hibernating'
        ELSE 'Need attention' END AS segment
    FROM scored
)
"""
# One pass: per segment and R x F cell; the segments and the grid are sums of these rows.
RFM_CELLS = (
    RFM
    + """SELECT segment, r, f, count(*) AS customers, sum(monetary) AS revenue,
    sum(recency_days) AS recency, sum(frequency) AS frequency
FROM segmented GROUP BY ALL"""
)
WITHOUT_CUSTOMER = """
SELECT marketplace, count(*) AS order_lines, round(sum(net_revenue), 2) AS revenue
FROM fact_sales WHERE customer_key IS NULL AND line_kind = 'order' GROUP BY 1 ORDER BY 1
"""


def _key(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def _table(result) -> dict[str, Any]:
    return {"columns": result.columns, "rows": result.rows}


class Kpis:
    def __init__(self, warehouse: Warehouse, *, timeout: float, max_rows: int) -> None:
        self._w, self._timeout, self._max_rows = warehouse, timeout, max_rows

    def _q(self, sql: str, **params: Any):
        return self._w.query(sql, params, timeout=self._timeout, max_rows=self._max_rows)

    def revenue(self, start: date, end: date, granularity: Literal["daily", "monthly"]) -> dict:
        period = "d.year_month" if granularity == "monthly" else "strftime(d.date, '%Y-%m-%d')"
        return _table(self._q(REVENUE.format(period=period), start=start, end=end))

    def by_place(self, column: Literal["city", "state"], start: date, end: date) -> dict:
        return _table(self._q(BY_PLACE.format(column=column), start=start, end=end))

    def by_channel(self, start: date, end: date) -> dict:
        return _table(self._q(BY_CHANNEL, start=start, end=end))

    def day_totals(self, start: date, end: date) -> dict[tuple[str, str], tuple[int, float]]:
        """{(IST day, source): (units, revenue)} of the lake."""
        result = self._w.query(
            DAY_TOTALS, {"start": start, "end": end}, timeout=self._timeout, max_rows=1_000_000
        )
        return {
            (day.isoformat(), source): (int(units or 0), float(revenue or 0.0))
            for day, source, units, revenue in result.rows
        }

    def top_products(self, start: date, end: date, limit: int) -> dict:
        keys = {"start_key": _key(start), "end_key": _key(end)}
        return _table(self._q(TOP_PRODUCTS, limit=limit, **keys))

    def inventory_turnover(self, start: date, end: date) -> dict:
        days = (end - start).days + 1
        return _table(self._q(TURNOVER, start=start, end=end, days=days))

    def delivery(self, start: date, end: date) -> dict:
        overall = self._q(DELIVERY_OVERALL, start=start, end=end)
        return {
            "overall": dict(zip(overall.columns, overall.rows[0], strict=True)),
            "by_state": _table(self._q(DELIVERY_BY_STATE, start=start, end=end)),
            "promise_days": 5,
        }

    def seasonal(self, start: date, end: date) -> dict:
        return {name: _table(self._q(sql, start=start, end=end)) for name, sql in SEASONAL.items()}

    def segments(self) -> dict:
        cells = self._q(RFM_CELLS).rows
        total = sum(c[4] or 0 for c in cells) or 1.0
        by_segment: dict[str, list[float]] = {}
        grid: dict[tuple[int, int], int] = {}
        for segment, r, f, customers, revenue, recency, frequency in cells:
            acc = by_segment.setdefault(segment, [0, 0.0, 0.0, 0.0])
            acc[0] += customers
            acc[1] += revenue or 0.0
            acc[2] += recency
            acc[3] += frequency
            grid[(r, f)] = grid.get((r, f), 0) + customers
        segments: list[list[Any]] = sorted(
            (
                [
                    name,
                    int(n),
                    round(revenue, 2),
                    round(revenue / total, 4),
                    round(recency / n, 1),
                    round(frequency / n, 2),
                    round(revenue / n, 2),
                ]
                for name, (n, revenue, recency, frequency) in by_segment.items()
            ),
            key=lambda row: -float(row[2]),
        )
        return {
            "segments": {
                "columns": [
                    "segment",
                    "customers",
                    "revenue",
                    "revenue_share",
                    "avg_recency_days",
                    "avg_frequency",
                    "avg_monetary",
                ],
                "rows": segments,
            },
            "grid": {
                "columns": ["r", "f", "customers"],
                "rows": [[r, f, n] for (r, f), n in sorted(grid.items())],
            },
            "without_customer": self.without_customer(),
        }

    def without_customer(self) -> dict:
        """Order lines with no buyer (Amazon): in sales, never in customer analytics."""
        return _table(self._q(WITHOUT_CUSTOMER))

    def basket(self, min_support: float) -> dict:
        # Models are fitted once per lake run and parameters, then served from memory; the lake
        # job fits the default ones (``fit_models``) so no request waits for them.
        return self._w.memo(("basket", min_support), lambda: self._basket(min_support))

    def _basket(self, min_support: float) -> dict:
        # Every basket, not the row limit: they are inputs to the model, not an answer.
        result = self._w.query(basket.BASKETS, timeout=self._timeout, max_rows=5_000_000)
        return basket.rules([list(r[0]) for r in result.rows], min_support)

    def clv(self, horizon_days: int, limit: int) -> dict:
        """The fit's totals and its ``limit`` most valuable customers (at most CLV_TOP)."""
        fitted = self._w.memo(("clv", horizon_days), lambda: self._clv(horizon_days))
        if "top" not in fitted:
            return fitted
        return {**fitted, "top": fitted["top"][: min(limit, CLV_TOP)]}

    def _clv(self, horizon_days: int) -> dict:
        result = self._w.query(clv.CUSTOMERS, timeout=self._timeout, max_rows=5_000_000)
        return clv.customer_value(result.columns, result.rows, horizon_days, CLV_TOP)

    def fit_models(self) -> dict[tuple, Any]:
        """The models the pages ask for by default, by their memo keys (for ``fit_models``)."""
        self.basket(DEFAULT_MIN_SUPPORT)
        self.clv(CLV_HORIZON_DAYS, CLV_TOP)
        return {
            ("basket", DEFAULT_MIN_SUPPORT): self.basket(DEFAULT_MIN_SUPPORT),
            ("clv", CLV_HORIZON_DAYS): self._w.memo(("clv", CLV_HORIZON_DAYS), dict),
        }

    def query(self, sql: str, **params: Any):
        return self._q(sql, **params)
