"""Bulk imports: CSV and Excel files from point-of-sale systems, warehouses and spreadsheets,
validated with one declarative schema per file kind and turned into events in the same log as
webhooks. Files flow incoming/ -> processed/ | errors/ in Blob, each with its report.
"""
