"""What a seller sells and where: products, marketplace connections and their health, the
in-process catalogue cache the ranking reads.
"""
