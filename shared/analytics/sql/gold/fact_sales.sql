-- fact_sales: one row per order line. Grain: sale_id (the order line's event id).
-- A line is cancelled when its cancellation was recorded (same line, ':cancel:' in the id);
-- an RTO is a cancellation with status 'rto'. Net revenue and units are zero for those, so
-- sum(net_revenue) equals the event log's order and cancel revenue. date_key is the IST day.
WITH cancels AS (
    SELECT replace(id, ':cancel:', ':order:') AS sale_id,
        min(occurred_at) AS cancelled_at,
        bool_or(status = 'rto') AS is_rto
    FROM silver_events
    WHERE kind = 'cancel'
    GROUP BY 1
)
SELECT
    l.id AS sale_id,
    l.order_id,
    l.item_id,
    p.product_sk,
    c.customer_sk,
    l.customer_id AS customer_key,
    'marketplace:' || l.marketplace AS store_key,
    l.marketplace,
    CAST(strftime(l.occurred_at + INTERVAL 330 MINUTE, '%Y%m%d') AS INTEGER) AS date_key,
    l.occurred_at AS ordered_at,
    l.city,
    l.state,
    l.units,
    CASE WHEN l.units > 0 THEN round(l.revenue / l.units, 2) END AS unit_price,
    l.revenue AS gross_revenue,
    x.sale_id IS NOT NULL AS is_cancelled,
    coalesce(x.is_rto, false) AS is_rto,
    x.cancelled_at,
    CASE WHEN x.sale_id IS NULL THEN l.units ELSE 0 END AS net_units,
    CASE WHEN x.sale_id IS NULL THEN l.revenue ELSE 0 END AS net_revenue
FROM silver_events l
LEFT JOIN cancels x ON x.sale_id = l.id
LEFT JOIN dim_products p
    ON p.item_id = l.item_id AND l.occurred_at >= p.valid_from AND l.occurred_at < p.valid_to
LEFT JOIN dim_customers c
    ON c.customer_key = l.customer_id
    AND l.occurred_at >= c.valid_from AND l.occurred_at < c.valid_to
WHERE l.kind = 'order'
ORDER BY ordered_at, sale_id
