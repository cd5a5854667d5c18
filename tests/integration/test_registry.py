"""The model registry against a real Azurite: publish, promote/refuse, ETag-driven reloads."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import uuid
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from azure.storage.blob import ContainerClient

from demo.simulated_training import SimConfig, ensure_model, train_simulated
from shared.adapters.blob import BlobStore
from shared.core.errors import FeatureMismatch, ModelError
from shared.ml.features import FEATURE_VERSION, FEATURES
from shared.ml.ndcg import evaluate
from shared.ml.ranker_training import publish
from shared.ml.registry import POINTER, ModelRegistry
from shared.ranking.ranker import Ranker

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PORT = 10300
CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    f"BlobEndpoint=http://127.0.0.1:{PORT}/devstoreaccount1;"
)
SMALL = SimConfig(items=150, days=16, seed=5, step_hours=8, holdout_days=3, rounds=60)


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("azurite")
    log = (workdir / "azurite.log").open("wb")
    command = [
        str(ROOT / "node_modules/.bin/azurite-blob"),
        *("--blobHost", "127.0.0.1", "--blobPort", str(PORT), "--location", str(workdir)),
        *("--silent", "--skipApiVersionCheck", "--disableTelemetry"),
    ]
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                log.close()
                output = (workdir / "azurite.log").read_text(errors="replace")
                raise RuntimeError(f"azurite did not start: {output}") from None
            time.sleep(0.2)
    yield
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


class CountingStore(BlobStore):
    """The real store, counting downloads, to prove reloads happen only on pointer changes."""

    def __init__(self, container: ContainerClient) -> None:
        super().__init__(container)
        self.downloads = 0

    def get_text(self, name):
        self.downloads += 1
        return super().get_text(name)


@pytest.fixture()
def store(azurite):
    client = ContainerClient.from_connection_string(CONNECTION, f"models-{uuid.uuid4().hex[:8]}")
    store = CountingStore(client)
    store.ensure_container()
    return store


@pytest.fixture(scope="module")
def trained():
    good = train_simulated(SMALL, log=lambda _: None)
    weak = train_simulated(SimConfig(**{**SMALL.__dict__, "rounds": 2}), log=lambda _: None)
    assert weak[0].metadata["metrics"]["ndcg@20"] < good[0].metadata["metrics"]["ndcg@20"]
    return good, weak


def _renamed(model, suffix):
    return {**model.metadata, "version": model.version + suffix}


def test_promotes_better_models_and_refuses_worse(store, trained):
    (good, holdout), (weak, _) = trained
    registry = ModelRegistry(store)
    assert registry.current_version() is None
    retrain = r"python -m shared.ml.retrain --promote .* python -m demo.train_ranker --promote"
    with pytest.raises(ModelError, match=retrain):
        registry.current()

    first = registry.publish(weak.to_text(), _renamed(weak, "-a"))
    decision = registry.promote_if_better(first)
    assert (
        decision and registry.current_version() == first and "no current model" in decision.reason
    )

    better = registry.publish(good.to_text(), _renamed(good, "-b"))
    decision = registry.promote_if_better(better)
    assert decision and decision.previous == first and registry.current_version() == better

    worse = registry.publish(weak.to_text(), _renamed(weak, "-c"))
    decision = registry.promote_if_better(worse)
    assert not decision and registry.current_version() == better
    assert "current model kept" in decision.reason and better in decision.reason

    # Another holdout: the stored numbers are not comparable, so the current model is
    # evaluated on the new holdout, or nothing moves.
    other = {**_renamed(good, "-d")}
    other["metrics"] = {**other["metrics"], "holdout_id": "another-holdout", "ndcg@20": 0.5}
    version = registry.publish(good.to_text(), other)
    refused = registry.promote_if_better(version)
    assert not refused and "holdouts differ" in refused.reason
    decision = registry.promote_if_better(
        version, evaluate=lambda current: evaluate(current.predict, holdout, 0)["model@20"]
    )
    assert not decision and registry.current_version() == better  # 0.5 < current's real score

    names = store.list_names("ranker/")
    for v in (first, better, worse, version):
        assert f"ranker/{v}/model.txt" in names and f"ranker/{v}/metadata.json" in names
    meta = json.loads(store.get_text(f"ranker/{better}/metadata.json").text)
    assert meta["features"] == list(FEATURES) and "holdout" in meta["metrics"]
    assert json.loads(store.get_text(POINTER).text)["version"] == better


def test_current_is_cached_until_the_pointer_etag_changes(store, trained):
    (good, _), (weak, _) = trained
    serving, trainer = ModelRegistry(store), ModelRegistry(store)
    trainer.promote_if_better(trainer.publish(weak.to_text(), _renamed(weak, "-x")))

    model = serving.current()
    downloads = store.downloads
    for _ in range(5):
        assert serving.current() is model
    assert store.downloads == downloads  # HEADs only

    promoted = trainer.promote_if_better(trainer.publish(good.to_text(), _renamed(good, "-y")))
    assert promoted
    reloaded = serving.current()
    assert reloaded is not model and reloaded.version == good.version + "-y"
    X = np.random.default_rng(1).random((5, len(FEATURES)), dtype=np.float32)
    np.testing.assert_allclose(reloaded.predict(X), good.predict(X))


def test_a_current_model_with_other_features_is_refused_and_replaced(store, trained):
    (good, holdout), _ = trained
    rng = np.random.default_rng(0)
    names = [*FEATURES[:-1], "brand_code"]
    data = lgb.Dataset(
        rng.random((200, len(names))),
        label=rng.integers(0, 3, 200),
        group=[50] * 4,
        feature_name=names,
    )
    old = lgb.train({"objective": "lambdarank", "verbose": -1, "num_threads": 1}, data, 3)
    meta = {**good.metadata, "version": "old-features", "features": names}
    registry = ModelRegistry(store)
    registry.promote_if_better(registry.publish(old.model_to_string(), meta))
    with pytest.raises(
        FeatureMismatch, match=re.escape("retrain with python -m shared.ml.retrain --promote")
    ):
        Ranker(registry.current())

    other = {**_renamed(good, "-new")}
    other["metrics"] = {**other["metrics"], "holdout_id": "different"}
    version, decision = publish(registry, type(good)(good.booster, other), holdout, promote=True)
    assert decision and "cannot serve this scorer" in decision.reason
    assert registry.current_version() == version
    Ranker(registry.current())


def test_ensure_model_trains_once(store):
    registry = ModelRegistry(store)
    # How long the first model takes is measured by bench/bench_ranking.py ("training").
    version = ensure_model(registry, log=lambda _: None)
    assert registry.current_version() == version
    assert ensure_model(registry, log=lambda _: None) == version
    metadata = registry.metadata(version)
    metrics = metadata["metrics"]
    assert metrics["ndcg@20"] >= 1.10 * metrics["baselines"]["popularity"]["ndcg@20"]
    # The first model builds today's features and has seen sellers who send files.
    assert metadata["feature_version"] == FEATURE_VERSION
    files = metrics["by_data"]["files"]
    assert files["ndcg@20"] > files["baselines"]["random"]["ndcg@20"]
