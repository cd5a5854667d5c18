"""The dead-stock risk model: a calibrated LightGBM classifier of "will not sell within the
next 30 days", trained on simulated daily snapshots (``demo.sim.inventory``), published
to the model registry under the kind ``risk`` with the same gated promotion as the ranker.
"""
