"""A small trained model and a catalogue whose state comes from simulated events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from demo.sim.simulator import Simulator, simulate_catalogue
from demo.simulated_training import SimConfig, train_simulated
from shared.projection.fold import apply_event, new_state

SMALL = SimConfig(items=150, days=16, seed=5, step_hours=8, holdout_days=3, rounds=60)
START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = START + timedelta(days=9, hours=14, minutes=20)


@pytest.fixture(scope="session")
def small_model():
    return train_simulated(SMALL, log=lambda _: None)[0]


@pytest.fixture(scope="session")
def simulated_states():
    """(catalogue, {item_id: state}, simulator) after 9.5 days of simulated events."""
    catalogue = simulate_catalogue(120, 21)
    sim = Simulator(catalogue, 21)
    states = {p["item_id"]: new_state(p) for p in catalogue}
    for event in sim.history(START, 24 * 9 + 14):
        apply_event(states[event.item_id], event.to_doc())
    return catalogue, states, sim


@pytest.fixture()
def states(simulated_states):
    """A private deep copy per test, so tests may mutate states freely."""
    import copy

    return copy.deepcopy(simulated_states[1])
