-- dim_products: SCD Type 2 on the listing price. Grain: product_sk (item_id, version).
-- A version starts at each price a price source set (offer, catalogue, import) that differs
-- from the one before; the first version is open from the beginning (the first known price
-- stands for the time before it), so every order finds its version. Items without any price
-- event take their price from the product snapshots. Title, category, brand: latest (type 1).
WITH price_events AS (
    SELECT item_id, occurred_at AS changed_at, price
    FROM silver_events
    WHERE kind IN ('offer', 'catalogue', 'import_price') AND price IS NOT NULL
),
snapshot_prices AS (
    SELECT item_id, snapshot_at AS changed_at, price
    FROM bronze_products b
    WHERE NOT EXISTS (SELECT 1 FROM price_events e WHERE e.item_id = b.item_id)
),
points AS (
    SELECT * FROM price_events
    UNION ALL SELECT * FROM snapshot_prices
    -- items only the event log knows (unknown listings), with no price yet
    UNION ALL
    SELECT DISTINCT item_id, TIMESTAMP '1970-01-01', CAST(NULL AS DOUBLE)
    FROM silver_events e
    WHERE NOT EXISTS (SELECT 1 FROM price_events p WHERE p.item_id = e.item_id)
      AND NOT EXISTS (SELECT 1 FROM bronze_products b WHERE b.item_id = e.item_id)
),
ordered AS (
    SELECT *, lag(price) OVER (PARTITION BY item_id ORDER BY changed_at, price) AS previous
    FROM points
),
versions AS (
    SELECT item_id, changed_at, price,
        row_number() OVER (PARTITION BY item_id ORDER BY changed_at) AS version
    FROM ordered
    WHERE previous IS NULL OR previous IS DISTINCT FROM price
),
latest AS (
    SELECT * FROM bronze_products
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY snapshot_at DESC) = 1
),
item_marketplace AS (
    SELECT item_id, any_value(marketplace) AS marketplace FROM silver_events GROUP BY item_id
)
SELECT
    v.item_id || '#' || v.version AS product_sk,
    v.item_id,
    v.version,
    coalesce(l.title, v.item_id) AS title,
    coalesce(l.category, 'needs details') AS category,
    coalesce(l.brand, '') AS brand,
    coalesce(l.marketplace, m.marketplace) AS marketplace,
    v.price,
    l.mrp,
    CASE WHEN v.version = 1 THEN TIMESTAMP '1970-01-01' ELSE v.changed_at END AS valid_from,
    coalesce(lead(v.changed_at) OVER w, TIMESTAMP '9999-12-31') AS valid_to,
    lead(v.changed_at) OVER w IS NULL AS is_current
FROM versions v
LEFT JOIN latest l USING (item_id)
LEFT JOIN item_marketplace m USING (item_id)
WINDOW w AS (PARTITION BY v.item_id ORDER BY v.version)
ORDER BY v.item_id, v.version
