"""The per-process live loop: what the triggers do, the one object holding this process's
state (catalogue, model, ranking, ticker, mock feed), broadcast coalescing and payloads.
"""
