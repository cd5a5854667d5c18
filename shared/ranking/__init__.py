"""Merchandising order: the in-memory ranker, retailer rules and what-if pricing."""
