-- fact_inventory: closing stock per IST day, item and location. Grain: (date_key, item_id,
-- location_id). 'all' is the listing's sellable stock (the projection's), other locations
-- are the per-location counts from inventory files. Units sold come from fact_sales, on the
-- 'all' row only, so sums over locations do not count a sale twice.
WITH snaps AS (
    SELECT *, CAST(strftime(snapshot_at + INTERVAL 330 MINUTE, '%Y%m%d') AS INTEGER) AS date_key
    FROM bronze_products
    QUALIFY row_number() OVER (PARTITION BY item_id, date_key ORDER BY snapshot_at DESC) = 1
),
sold AS (
    SELECT date_key, item_id, sum(net_units) AS units_sold, sum(net_revenue) AS revenue
    FROM fact_sales GROUP BY ALL
),
rows AS (
    SELECT date_key, item_id, 'all' AS location_id, 'marketplace:' || marketplace AS store_key,
        stock AS closing_stock, price, snapshot_at
    FROM snaps
    UNION ALL
    SELECT s.date_key, s.item_id, loc.location_id, 'location:' || loc.location_id,
        loc.units, s.price, s.snapshot_at
    FROM snaps s, (SELECT unnest(s.locations, recursive := true)) AS loc
)
SELECT
    r.date_key,
    r.item_id,
    r.location_id,
    p.product_sk,
    CASE WHEN d.store_key IS NOT NULL THEN r.store_key END AS store_key,
    r.closing_stock,
    round(r.closing_stock * coalesce(p.price, r.price, 0), 2) AS stock_value,
    CASE WHEN r.location_id = 'all' THEN coalesce(sold.units_sold, 0) ELSE 0 END AS units_sold,
    CASE WHEN r.location_id = 'all' THEN coalesce(sold.revenue, 0) ELSE 0 END AS revenue
FROM rows r
LEFT JOIN sold USING (date_key, item_id)
LEFT JOIN dim_stores d ON d.store_key = r.store_key
LEFT JOIN dim_products p
    ON p.item_id = r.item_id AND r.snapshot_at >= p.valid_from AND r.snapshot_at < p.valid_to
ORDER BY r.date_key, r.item_id, r.location_id
