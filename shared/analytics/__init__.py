"""Analytics: the lake (Hive-partitioned Parquet in Blob: bronze, silver, gold star schema), the
KPI queries over it with DuckDB, the SQL guard every query passes, and the AI analyst.
Reads events, products and stores from below; nothing below imports it.
"""
