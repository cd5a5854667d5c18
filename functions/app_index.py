"""The app's function list, built once.

``FunctionApp.get_functions()`` may be called only once per app object: it records the names
it has seen and a second call reports every function as a duplicate. The worker calls it once;
devhost, the OpenAPI document and the tests read it through ``functions_of``.
"""

from __future__ import annotations

import threading

import azure.functions as func

_lock = threading.Lock()
_cache: dict[int, list[func.Function]] = {}


def functions_of(app: func.FunctionApp) -> list[func.Function]:
    with _lock:
        if id(app) not in _cache:
            _cache[id(app)] = app.get_functions()
        return _cache[id(app)]
