-- dim_customers: SCD Type 2 on where a buyer lives. Grain: customer_sk (buyer, version).
-- customer_key is the salted hash the event log holds (never a phone number or a name).
-- A version starts with the buyer's first order and at each order from another city/state.
-- Amazon sends no buyer identity, so its orders are not here (they count in sales only).
WITH orders AS (
    SELECT customer_id, occurred_at, city, state,
        coalesce(city, '') || '|' || coalesce(state, '') AS place
    FROM silver_events
    WHERE kind = 'order' AND customer_id IS NOT NULL
),
ordered AS (
    SELECT *, lag(place) OVER (PARTITION BY customer_id ORDER BY occurred_at, place) AS previous
    FROM orders
),
versions AS (
    SELECT customer_id, occurred_at AS valid_from, city, state,
        row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at) AS version
    FROM ordered
    WHERE previous IS NULL OR previous <> place
)
SELECT
    customer_id || '#' || version AS customer_sk,
    customer_id AS customer_key,
    version,
    city,
    state,
    min(valid_from) OVER (PARTITION BY customer_id) AS first_order_at,
    valid_from,
    coalesce(lead(valid_from) OVER w, TIMESTAMP '9999-12-31') AS valid_to,
    lead(valid_from) OVER w IS NULL AS is_current
FROM versions
WINDOW w AS (PARTITION BY customer_id ORDER BY version)
ORDER BY customer_key, version
