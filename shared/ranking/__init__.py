"""From scores to a merchandising order: the ranker, the retailer's rules and their service,
and the what-if simulator (which never writes).
"""
