"""Data quality: named checks with a threshold and a severity (completeness, timeliness,
accuracy, consistency, anomalies) over the event log, the products and the imports; every
run is stored so the trend can be drawn.
"""
