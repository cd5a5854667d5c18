"""Hypothesis profiles: ``make test`` runs the properties quickly; ``make reliability`` sets
``HYPOTHESIS_PROFILE=reliability`` for four times the examples."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RELIABILITY_EXAMPLES = 600
settings.register_profile(
    "reliability",
    max_examples=RELIABILITY_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
