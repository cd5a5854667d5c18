-- fact_sales: every sale movement, as shared/core/sales.py defines a sale. Grain: sale_id.
--   line_kind 'order'        a marketplace order line (+units, +revenue), sale_id = its event id;
--                            a line of an imported order export too (source 'import')
--   line_kind 'cancel'       its cancellation or RTO (-units, -revenue) on the day it happened;
--                            the order line stays on its own day with is_cancelled set
--   line_kind 'sales_report' Amazon's hourly ITEM_SALES_EVENT_CHANGE, units and revenue as sent
--   line_kind 'import'       an imported sales event's part of one IST day and channel
-- An Amazon order line or cancellation in an (item, UTC hour) that a sales notification covers
-- is superseded by it: is_superseded, net 0. net_units and net_revenue are the sale: their sum
-- over any IST days equals the live KPIs' (the reconciliation check). date_key is the IST day.
WITH ev AS (
    SELECT *, date_trunc('hour', occurred_at) AS hour
    FROM silver_events
    WHERE kind IN ('order', 'cancel', 'sales')
),
notified AS (
    SELECT DISTINCT item_id, hour FROM ev
    WHERE marketplace = 'amazon' AND kind = 'sales' AND coalesce(source, '') <> 'import'
),
cancels AS (
    SELECT replace(id, ':cancel:', ':order:') AS sale_id,
        min(occurred_at) AS cancelled_at,
        bool_or(status = 'rto') AS is_rto
    FROM ev
    WHERE kind = 'cancel'
    GROUP BY 1
),
movements AS (
    -- order lines, cancellations and Amazon's notifications: one row per event. Order lines
    -- from imported order exports are order lines too, of source 'import' (as
    -- shared/core/sales.py source_of says) in their own channel; an 'import:<source>:' line
    -- (not Amazon's, whatever marketplace label it carries) is never superseded
    SELECT
        e.id AS sale_id,
        CASE WHEN e.kind = 'sales' THEN 'sales_report' ELSE e.kind END AS line_kind,
        CASE WHEN e.source = 'import' THEN 'import' ELSE e.marketplace END AS source,
        CASE WHEN e.source = 'import' THEN coalesce(e.channel, 'marketplace')
            ELSE 'marketplace' END AS channel,
        e.order_id, e.item_id, e.customer_id, e.marketplace, e.occurred_at, e.city, e.state,
        e.units, e.revenue,
        e.marketplace = 'amazon' AND e.kind IN ('order', 'cancel') AND n.item_id IS NOT NULL
            AND e.id NOT LIKE 'import:%' AS is_superseded
    FROM ev e
    LEFT JOIN notified n ON n.item_id = e.item_id AND n.hour = e.hour
    WHERE coalesce(e.source, '') <> 'import' OR e.kind IN ('order', 'cancel')
),
import_hours AS (
    -- each UTC hour of an imported day, at the start of that hour
    SELECT e.id, e.item_id, e.marketplace, e.extra,
        strptime(h.key, '%Y%m%d%H') AS hour_at,
        CAST(json_extract(e.extra, '$.hourly."' || h.key || '"[1]') AS BIGINT) AS units,
        CAST(json_extract(e.extra, '$.hourly."' || h.key || '"[2]') AS DOUBLE) AS revenue
    FROM ev e, (SELECT unnest(json_keys(e.extra, '$.hourly')) AS key) h
    WHERE e.source = 'import' AND e.kind = 'sales'
        AND json_extract(e.extra, '$.hourly') IS NOT NULL
    UNION ALL
    SELECT e.id, e.item_id, e.marketplace, e.extra, e.occurred_at, e.units, e.revenue
    FROM ev e
    WHERE e.source = 'import' AND e.kind = 'sales' AND json_extract(e.extra, '$.hourly') IS NULL
),
import_days AS (
    SELECT id, item_id, marketplace, any_value(extra) AS extra,
        CAST(hour_at + INTERVAL 330 MINUTE AS DATE) AS day,
        min(hour_at) AS hour_at, sum(units) AS units, round(sum(revenue), 2) AS revenue
    FROM import_hours GROUP BY id, item_id, marketplace, day
),
import_totals AS (
    SELECT id, sum(units) AS units, round(sum(revenue), 2) AS revenue
    FROM import_days GROUP BY id
),
import_channels AS (
    -- the event's channel split; an event without one is all in its own channel or 'online'
    SELECT t.id, c.channel,
        coalesce(CAST(json_extract(d.extra, '$.channels."' || c.channel || '".units') AS BIGINT),
            t.units) AS units,
        coalesce(CAST(json_extract(d.extra, '$.channels."' || c.channel || '".revenue') AS DOUBLE),
            t.revenue) AS revenue
    FROM import_totals t
    JOIN (SELECT id, any_value(extra) AS extra FROM import_days GROUP BY id) d USING (id),
    (SELECT unnest(coalesce(json_keys(d.extra, '$.channels'), ['online'])) AS channel) c
),
import_shares AS (
    -- cumulative shares, so the parts of a day add up to the day exactly; an event within one
    -- IST day (the usual case) keeps its channels' own figures
    SELECT id, channel,
        sum(units) OVER w - units AS units_before, sum(units) OVER w AS units_upto,
        sum(revenue) OVER w - revenue AS revenue_before, sum(revenue) OVER w AS revenue_upto
    FROM import_channels
    WINDOW w AS (PARTITION BY id ORDER BY channel)
),
imports AS (
    SELECT
        d.id || ':' || strftime(d.day, '%Y%m%d') || ':' || s.channel AS sale_id,
        'import' AS line_kind,
        'import' AS source,
        s.channel,
        CAST(NULL AS VARCHAR) AS order_id, d.item_id, CAST(NULL AS VARCHAR) AS customer_id,
        d.marketplace, d.hour_at AS occurred_at,
        CAST(NULL AS VARCHAR) AS city, CAST(NULL AS VARCHAR) AS state,
        CAST(CASE WHEN t.units = 0 THEN (CASE WHEN s.units_before = 0 THEN d.units ELSE 0 END)
            ELSE round(d.units * s.units_upto / t.units)
                - round(d.units * s.units_before / t.units) END AS BIGINT) AS units,
        CASE WHEN t.revenue = 0 THEN (CASE WHEN s.revenue_before = 0 THEN d.revenue ELSE 0 END)
            ELSE round(d.revenue * s.revenue_upto / t.revenue, 2)
                - round(d.revenue * s.revenue_before / t.revenue, 2) END AS revenue,
        false AS is_superseded
    FROM import_days d
    JOIN import_totals t USING (id)
    JOIN import_shares s USING (id)
),
sales AS (
    SELECT * FROM movements
    UNION ALL
    SELECT * FROM imports
)
SELECT
    l.sale_id,
    l.line_kind,
    l.source,
    l.channel,
    l.order_id,
    l.item_id,
    p.product_sk,
    c.customer_sk,
    l.customer_id AS customer_key,
    CASE WHEN l.channel = 'marketplace' THEN 'marketplace:' || l.marketplace
        ELSE 'channel:' || l.channel END AS store_key,
    l.marketplace,
    CAST(strftime(l.occurred_at + INTERVAL 330 MINUTE, '%Y%m%d') AS INTEGER) AS date_key,
    l.occurred_at AS ordered_at,
    l.city,
    l.state,
    l.units,
    CASE WHEN l.units > 0 THEN round(l.revenue / l.units, 2) END AS unit_price,
    round(l.revenue, 2) AS gross_revenue,
    l.line_kind = 'cancel' OR x.sale_id IS NOT NULL AS is_cancelled,
    CASE WHEN l.line_kind = 'cancel' THEN l.sale_id LIKE '%:cancel:%' AND coalesce(r.is_rto, false)
        ELSE coalesce(x.is_rto, false) END AS is_rto,
    x.cancelled_at,
    l.is_superseded,
    CASE WHEN l.is_superseded THEN 0 ELSE l.units END AS net_units,
    CASE WHEN l.is_superseded THEN 0 ELSE round(l.revenue, 2) END AS net_revenue
FROM sales l
-- The line kind goes into the join key (NULL matches nothing), not beside it: a condition on
-- the left side alone turns a LEFT JOIN into a nested loop (quadratic: 1M lines took 18 min).
LEFT JOIN cancels x
    ON x.sale_id = CASE WHEN l.line_kind = 'order' THEN l.sale_id END
LEFT JOIN cancels r
    ON r.sale_id = CASE WHEN l.line_kind = 'cancel' THEN replace(l.sale_id, ':cancel:', ':order:') END
LEFT JOIN dim_products p
    ON p.item_id = l.item_id AND l.occurred_at >= p.valid_from AND l.occurred_at < p.valid_to
LEFT JOIN dim_customers c
    ON c.customer_key = l.customer_id
    AND l.occurred_at >= c.valid_from AND l.occurred_at < c.valid_to
ORDER BY ordered_at, sale_id
