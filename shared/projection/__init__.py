"""Events become state: the pure fold (event -> product state), the apply loop with ETags that
isolates failing items into dead letters, the rebuild from the log, and the KPI aggregate.
"""
