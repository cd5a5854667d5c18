"""Model lifecycle in Blob: versioned models and the ``current`` pointer.

Layout inside the models container::

    ranker/<version>/model.txt       LightGBM text model
    ranker/<version>/metadata.json   features, feature_version, params, training window,
                                     metrics with the holdout definition (holdout_id)
    ranker/current.json              {"version": ..., "promoted_at": ..., "reason": ...}
    risk/...                         the same for the dead-stock risk model (``kind="risk"``)

Versions are immutable once written; only the pointer moves, and only forward in quality: a
model is promoted if its gate metric (NDCG@20 for the ranker, ROC-AUC for risk) on the same
holdout is at least the current model's. The pointer is written with If-Match on its ETag so
two trainers cannot both win a race.

Serving calls ``current()`` on every pass: it costs one HEAD of ``current.json`` and reloads
the model only when the pointer's ETag changed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from shared.adapters.blob import BlobStore
from shared.core.errors import FeatureMismatch, ModelError, NotFound
from shared.ml.model import RETRAIN, RankerModel

log = logging.getLogger(__name__)

PREFIX = "ranker"
POINTER = f"{PREFIX}/current.json"
M = TypeVar("M")


@dataclass(frozen=True)
class Promotion:
    """The outcome of ``promote_if_better``; truthy when the pointer moved."""

    promoted: bool
    version: str
    reason: str
    previous: str | None = None

    def __bool__(self) -> bool:
        return self.promoted


class ModelRegistry(Generic[M]):
    def __init__(
        self,
        store: BlobStore,
        *,
        kind: str = PREFIX,
        metric: str = "ndcg@20",
        loader: Callable[[str, dict[str, Any]], M] = RankerModel.from_text,  # type: ignore[assignment]
        retrain: str = RETRAIN,
    ) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._cached: tuple[str, M] | None = None  # (pointer etag, model)
        self.kind, self.metric, self._loader = kind, metric, loader
        self._pointer = f"{kind}/current.json"
        self._retrain = retrain  # what an operator runs: part of every error that needs a model

    # ------------------------------------------------------------------ writing
    def publish(self, model_text: str, metadata: Mapping[str, Any]) -> str:
        """Store a new version (not yet current); returns its version."""
        version = str(metadata.get("version") or "")
        if not version or "/" in version:
            raise ModelError("model metadata needs a 'version' without '/'")
        if self.metric not in metadata.get("metrics", {}):
            raise ModelError(
                f"model {version} has no metrics.{self.metric}: evaluate before publishing"
            )
        self._store.put(f"{self.kind}/{version}/model.txt", model_text)
        self._store.put(f"{self.kind}/{version}/metadata.json", json.dumps(metadata, indent=2))
        return version

    def promote_if_better(
        self, version: str, evaluate: Callable[[M], float] | None = None
    ) -> Promotion:
        """Point ``current`` at ``version`` if it is at least as good as the current model.

        Both are compared on the same holdout: the stored NDCG@20 when the holdout ids match;
        otherwise ``evaluate(current_model)`` scores the current model on the new holdout (the
        trainer passes it). Without either, the models cannot be compared and nothing moves.
        """
        candidate = self.metadata(version)
        name = self.metric.upper()
        new_score = float(candidate["metrics"][self.metric])
        pointer_etag = self._store.etag(self._pointer)
        current = self.current_version()
        if current is None:
            return self._point(version, None, "no current model", pointer_etag)
        if current == version:
            return Promotion(False, version, f"{version} is already current", current)
        old = self.metadata(current)
        if old["metrics"].get("holdout_id") == candidate["metrics"].get("holdout_id"):
            old_score = float(old["metrics"][self.metric])
        elif evaluate is not None:
            try:
                old_score = float(evaluate(self.load(current)))
            except FeatureMismatch as exc:
                return self._point(
                    version,
                    current,
                    f"current model {current} cannot serve this scorer ({exc.message})",
                    pointer_etag,
                )
        else:
            return Promotion(
                False,
                version,
                f"holdouts differ and no evaluator was given: cannot compare {version} with "
                f"current {current}; {self._retrain}",
                current,
            )
        if new_score >= old_score:
            return self._point(
                version,
                current,
                f"{name} {new_score:.4f} >= current {current} {old_score:.4f} on the same holdout",
                pointer_etag,
            )
        reason = (
            f"{name} {new_score:.4f} < current {current} {old_score:.4f} on the same "
            "holdout: current model kept"
        )
        log.info("model %s not promoted: %s", version, reason)
        return Promotion(False, version, reason, current)

    def _point(
        self, version: str, previous: str | None, reason: str, etag: str | None
    ) -> Promotion:
        body = {
            "version": version,
            "previous": previous,
            "reason": reason,
            "promoted_at": datetime.now(UTC).isoformat(),
        }
        self._store.put(self._pointer, json.dumps(body), if_match=etag)
        log.info("model %s promoted: %s", version, reason)
        return Promotion(True, version, reason, previous)

    # ------------------------------------------------------------------ reading
    def current_version(self) -> str | None:
        try:
            return str(json.loads(self._store.get_text(self._pointer).text)["version"])
        except NotFound:
            return None

    def metadata(self, version: str) -> dict[str, Any]:
        return json.loads(self._store.get_text(f"{self.kind}/{version}/metadata.json").text)

    def load(self, version: str) -> M:
        text = self._store.get_text(f"{self.kind}/{version}/model.txt").text
        return self._loader(text, self.metadata(version))

    def current(self) -> M:
        """The current model, cached until ``current.json`` changes (one HEAD per call)."""
        etag = self._store.etag(self._pointer)
        if etag is None:
            raise ModelError(f"no current {self.kind} model: {self._retrain}")
        cached = self._cached
        if cached is not None and cached[0] == etag:
            return cached[1]
        with self._lock:
            if self._cached is not None and self._cached[0] == etag:
                return self._cached[1]
            pointer = self._store.get_text(self._pointer)
            version = str(json.loads(pointer.text)["version"])
            model = self.load(version)
            self._cached = (pointer.etag, model)
            log.info("loaded %s model %s", self.kind, version)
            return model
