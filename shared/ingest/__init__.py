"""How events get in: webhook signature checks, the marketplace normalisers that turn each
payload into typed events, listing-id resolution, and the idempotent append to the event log.
"""
