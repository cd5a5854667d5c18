"""Scheduled jobs as idempotent steps keyed by their day, with a run ledger in Cosmos.

A timer fires often (UTC); ``schedule`` says which day is due on the Indian clock; ``ledger``
claims that day's run by create (a 409 means another instance has it), keeps its heartbeat
with ETag-conditioned writes, records each step, and lets a stale run be taken over after a
backoff, a bounded number of times; ``runner`` runs the steps a run has not finished yet;
``daily_run`` is the daily inventory job (the inventory steps, then the alerts).
"""
