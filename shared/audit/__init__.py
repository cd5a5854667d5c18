"""The audit trail: who changed what (rules, stores, catalogue, orders), before and after.
Written by every package that changes state on a person's or a marketplace's behalf.
"""
