"""The retraining command's options and its refusals, with the store and training stubbed."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from shared.core.errors import HistoryTooShort
from shared.ml import retrain

pytestmark = pytest.mark.unit

EVENTS = [
    {"item_id": "A", "occurred_at": "2026-11-02T12:59:00+00:00"},
    {"item_id": "B", "occurred_at": "2026-10-20T10:17:30+00:00"},
]


@pytest.fixture
def command(monkeypatch):
    """The command over a log of ``EVENTS`` in live mode; records what it trains and finishes."""
    calls: dict[str, dict] = {}
    store = object()
    monkeypatch.setattr(retrain, "get_store", lambda: store)
    monkeypatch.setattr(retrain, "load_history", lambda s: (["catalogue"], list(EVENTS)))
    monkeypatch.setattr(retrain, "store_mode", lambda s: "live" if s is store else "?")
    monkeypatch.setattr(retrain, "load_evidence", lambda: {"kinds": {}})

    def train(events, catalogue, **options):
        calls["train"] = options
        metrics = {"ndcg@10": 0.5, "ndcg@20": 0.6, "baselines": {}, "lift_vs_popularity@20": 0.1}
        return SimpleNamespace(metadata={"metrics": metrics}), "holdout"

    monkeypatch.setattr(retrain, "train_on_events", train)

    def finish(model, holdout, options, table):
        calls["finish"] = {"options": options, "table": table}

    monkeypatch.setattr(retrain, "finish", finish)
    return calls


def test_the_options_reach_training_and_publishing(command):
    assert retrain.main(["--rounds", "40", "--seed", "3", "--promote"]) == 0
    options = command["train"]
    assert options["rounds"] == 40 and options["seed"] == 3 and options["mode"] == "live"
    assert options["start"] == datetime(2026, 10, 20, 10, tzinfo=UTC)
    assert options["end"] == datetime(2026, 11, 2, 13, tzinfo=UTC)
    assert options["source"] == {
        "source": "cosmos",
        "from": "2026-10-20T10:00:00+00:00",
        "to": "2026-11-02T13:00:00+00:00",
    }
    assert options["holdout_days"] == retrain.HOLDOUT_DAYS
    assert options["evidence"] == {"kinds": {}}
    finish = command["finish"]
    assert finish["options"].promote and not finish["options"].no_publish
    assert "NDCG@20" in finish["table"] and "simulated" not in finish["table"]


def test_the_defaults_publish_without_promoting(command):
    assert retrain.main([]) == 0
    assert command["train"]["rounds"] == retrain.ROUNDS
    options = command["finish"]["options"]
    assert not options.promote and not options.no_publish
    assert retrain.main(["--no-publish"]) == 0
    assert command["finish"]["options"].no_publish


def test_bad_rounds_are_refused_before_the_log_is_read(monkeypatch, capsys):
    monkeypatch.setattr(retrain, "get_store", lambda: pytest.fail("the log was read"))
    with pytest.raises(SystemExit) as exc:
        retrain.main(["--rounds", "0"])
    assert exc.value.code == 2 and "--rounds must be >= 1" in capsys.readouterr().err


def test_an_empty_or_too_short_log_is_refused_with_a_reason(command, monkeypatch, capsys):
    monkeypatch.setattr(retrain, "load_history", lambda s: (["catalogue"], []))
    with pytest.raises(SystemExit) as exc:
        retrain.main([])
    assert exc.value.code == 2 and "nothing to train on" in capsys.readouterr().err

    def too_short(events, catalogue, **options):
        raise HistoryTooShort("history 2026-10-20..2026-11-02 is too short")

    monkeypatch.setattr(retrain, "load_history", lambda s: (["catalogue"], list(EVENTS)))
    monkeypatch.setattr(retrain, "train_on_events", too_short)
    with pytest.raises(SystemExit) as exc:
        retrain.main([])
    assert exc.value.code == 2 and "is too short" in capsys.readouterr().err
    assert "finish" not in command
