"""Inventory intelligence: daily snapshots per store and item (aging, danger levels, capital at
risk), risk scores, the decision engine (markdown, transfer, clearance) and the queries the API
serves (store danger summary, search, item detail). The rules themselves are
``shared.projection.aging``; the daily steps are ``shared.inventory.daily``.
"""
