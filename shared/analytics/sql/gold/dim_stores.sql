-- dim_stores: the sales channels (one per marketplace, and the channels of imported sales:
-- pos, online, wholesale) and the seller's shops and warehouses, as last seen. Grain: store_key.
SELECT store_key, marketplace, name, kind, city, state, snapshot_at AS updated_at
FROM bronze_stores
QUALIFY row_number() OVER (PARTITION BY store_key ORDER BY snapshot_at DESC) = 1
UNION ALL
SELECT 'channel:' || channel, NULL, name, 'channel', NULL, NULL, TIMESTAMP '1970-01-01'
FROM (VALUES ('pos', 'Point of sale'), ('online', 'Own online store'), ('wholesale', 'Wholesale'))
    AS t(channel, name)
ORDER BY store_key
