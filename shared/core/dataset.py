"""Which dataset the code running now reads and writes: the seller's own, or the demo.

The demo (simulated shoppers over a demo catalogue) is a dataset of its own: its own Cosmos
database (``<database>-demo``) and its own Blob containers for imports and the lake
(``<container>-demo``). Nothing else tells the two apart: a dataset is a copy of the settings
that points at other storage, so every reader that takes its store and containers from
``get_settings()`` / ``get_store()`` stays inside the dataset it runs in, and no query needs a
filter that someone could forget. The model registry is shared: the ranker is trained on
simulated worlds either way, and a model trained on seller data never sees demo events
because it reads the seller's database.

The dataset is a context variable, set at the edges: an HTTP route runs in the dataset the
dashboard shows (``functions.routes``), the mock timer in ``demo``, everything else (webhooks,
the change feed, imports) in ``seller``, the default. Threads do not inherit it: code that hands
work to a thread passes the dataset along (``shared.live.triggers``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, Literal, TypeVar, cast

from shared.core.errors import InvalidValue

Dataset = Literal["seller", "demo"]
DATASETS: tuple[Dataset, ...] = ("seller", "demo")
DEMO_SUFFIX = "-demo"

_current: ContextVar[Dataset] = ContextVar("resight_dataset", default="seller")


def current() -> Dataset:
    return _current.get()


@contextmanager
def using(dataset: str) -> Iterator[Dataset]:
    """Run the block in ``dataset`` (``seller`` or ``demo``)."""
    if dataset not in DATASETS:
        raise InvalidValue(f"unknown dataset {dataset!r}; one of {list(DATASETS)}")
    token = _current.set(cast(Dataset, dataset))
    try:
        yield cast(Dataset, dataset)
    finally:
        _current.reset(token)


def demo_name(name: str) -> str:
    """The demo dataset's name for a seller database or container (``lake`` -> ``lake-demo``)."""
    return name + DEMO_SUFFIX


T = TypeVar("T")


class PerDataset(Generic[T]):
    """A cached factory with one value per dataset (settings, stores, live state).

    Called with no arguments like the ``lru_cache`` factories it replaces, it builds (once) and
    returns the value of the current dataset; ``cache_clear()`` drops every dataset's value
    (tests, and deleting the demo).
    """

    def __init__(self, build: Callable[[Dataset], T]) -> None:
        self._build = build
        self._values: dict[Dataset, T] = {}
        self._lock = threading.RLock()
        functools.update_wrapper(self, build)

    def __call__(self) -> T:
        dataset = current()
        with self._lock:
            if dataset not in self._values:
                self._values[dataset] = self._build(dataset)
            return self._values[dataset]

    def cached(self, dataset: Dataset) -> T | None:
        """The value already built for ``dataset``, without building one."""
        with self._lock:
            return self._values.get(dataset)

    def cache_clear(self, dataset: Dataset | None = None) -> None:
        with self._lock:
            if dataset is None:
                self._values.clear()
            else:
                self._values.pop(dataset, None)


def per_dataset(build: Callable[[Dataset], T]) -> PerDataset[T]:
    return PerDataset(build)
