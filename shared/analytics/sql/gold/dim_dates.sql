-- dim_dates: one row per day (IST) the lake covers, with Indian festival seasons.
-- Grain: date_key. Seasons come from the `festivals` table (shared/analytics/calendar.py).
WITH bounds AS (
    SELECT
        least(coalesce(min(CAST(occurred_at + INTERVAL 330 MINUTE AS DATE)), current_date), current_date) - 7 AS lo,
        greatest(coalesce(max(CAST(occurred_at + INTERVAL 330 MINUTE AS DATE)), current_date), current_date) + 7 AS hi
    FROM silver_events
),
days AS (
    SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 1 DAY)) AS DATE) AS d FROM bounds
),
seasons AS (
    SELECT d, arg_min(f.season, f.priority) AS festival_season, list(DISTINCT f.season) AS all_seasons
    FROM days JOIN festivals f ON d BETWEEN f.starts AND f.ends
    GROUP BY d
)
SELECT
    CAST(strftime(days.d, '%Y%m%d') AS INTEGER) AS date_key,
    days.d AS date,
    year(days.d) AS year,
    quarter(days.d) AS quarter,
    month(days.d) AS month,
    strftime(days.d, '%Y-%m') AS year_month,
    monthname(days.d) AS month_name,
    isodow(days.d) AS iso_weekday,
    dayname(days.d) AS weekday,
    isodow(days.d) >= 6 AS is_weekend,
    -- India's financial year runs April to March.
    CASE WHEN month(days.d) >= 4 THEN year(days.d) ELSE year(days.d) - 1 END AS fiscal_year,
    coalesce(s.festival_season, 'none') AS festival_season,
    coalesce(list_contains(s.all_seasons, 'diwali'), false) AS is_diwali,
    coalesce(list_contains(s.all_seasons, 'navratri'), false) AS is_navratri,
    coalesce(list_contains(s.all_seasons, 'eid'), false) AS is_eid,
    coalesce(list_contains(s.all_seasons, 'christmas'), false) AS is_christmas,
    coalesce(list_contains(s.all_seasons, 'end_of_season_sale'), false) AS is_end_of_season_sale
FROM days LEFT JOIN seasons s USING (d)
ORDER BY date_key
