"""Simulated worlds: a catalogue, shoppers who view, click and buy, and the demo seed. Used for
training data, the mock feed and tests.
"""
