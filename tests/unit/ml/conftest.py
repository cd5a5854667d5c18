"""A small model trained once per session on simulated history (a few seconds, one core)."""

from __future__ import annotations

import pytest

from demo.simulated_training import SimConfig, train_simulated

SMALL = SimConfig(items=150, days=16, seed=5, step_hours=8, holdout_days=3, rounds=60)


@pytest.fixture(scope="session")
def small_trained():
    return train_simulated(SMALL, log=lambda _: None)


@pytest.fixture(scope="session")
def small_model(small_trained):
    return small_trained[0]
