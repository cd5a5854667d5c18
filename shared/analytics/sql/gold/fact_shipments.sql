-- fact_shipments: one row per order line with at least one fulfilment milestone.
-- Grain: sale_id. Milestones come from status events ('<mp>:status:<line>:<status>') and from
-- RTO cancellations; the first time of each counts. The promise is delivery within 5 days of
-- the order (what the marketplaces show Indian metro and tier-2 buyers for standard shipping).
WITH milestones AS (
    SELECT
        CASE WHEN kind = 'status'
            THEN regexp_replace(replace(id, ':status:', ':order:'), ':[a-z_]+$', '')
            ELSE replace(id, ':cancel:', ':order:') END AS sale_id,
        status,
        min(occurred_at) AS happened_at
    FROM silver_events
    WHERE status IS NOT NULL AND kind IN ('status', 'cancel')
    GROUP BY 1, 2
),
pivoted AS (
    SELECT sale_id,
        min(happened_at) FILTER (WHERE status = 'packed') AS packed_at,
        min(happened_at) FILTER (WHERE status = 'shipped') AS shipped_at,
        min(happened_at) FILTER (WHERE status = 'delivered') AS delivered_at,
        min(happened_at) FILTER (WHERE status = 'rto') AS rto_at,
        min(happened_at) FILTER (WHERE status = 'returned') AS returned_at
    FROM milestones
    GROUP BY sale_id
)
SELECT
    s.sale_id,
    s.order_id,
    s.item_id,
    s.product_sk,
    s.customer_sk,
    s.store_key,
    s.marketplace,
    s.date_key,
    s.city,
    s.state,
    s.ordered_at,
    m.packed_at,
    m.shipped_at,
    m.delivered_at,
    m.rto_at,
    m.returned_at,
    CASE
        WHEN m.returned_at IS NOT NULL THEN 'returned'
        WHEN m.rto_at IS NOT NULL THEN 'rto'
        WHEN m.delivered_at IS NOT NULL THEN 'delivered'
        WHEN m.shipped_at IS NOT NULL THEN 'shipped'
        ELSE 'packed'
    END AS status,
    date_diff('minute', s.ordered_at, m.shipped_at) / 60.0 AS hours_to_ship,
    date_diff('minute', s.ordered_at, m.delivered_at) / 60.0 AS hours_to_deliver,
    m.delivered_at IS NOT NULL AND m.delivered_at <= s.ordered_at + INTERVAL 5 DAY AS delivered_on_time
FROM pivoted m
JOIN fact_sales s USING (sale_id)
ORDER BY s.ordered_at, s.sale_id
