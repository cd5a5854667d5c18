"""The shape of the code, checked: every package imports only what the map below allows, nothing
imports in a circle, and process state lives only in ``shared.live``.

Every import counts, including those inside functions and under ``TYPE_CHECKING``, and relative
ones (``from . import x``): a dependency hidden in a function body is still one a reader has to
untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

CORE = "shared.core"
ADAPTERS = "shared.adapters"
_SHARED = {
    CORE: set(),  # settings, errors, typed records, schema, validation, telemetry, identity
    ADAPTERS: {CORE},  # one module per outside service: SDK errors translated here only
    "shared.audit": {CORE, ADAPTERS},
    "shared.catalogue": {CORE, ADAPTERS, "shared.audit"},  # products, connections, the cache
    "shared.ingest.marketplaces": {CORE},  # the normalisers: payload in, typed events out
    # webhook verify + append, listing ids
    "shared.ingest": {
        CORE,
        ADAPTERS,
        "shared.audit",
        "shared.catalogue",
        "shared.ingest.marketplaces",
    },
    "shared.ingest.bulk": {  # CSV and Excel files, the import pipeline
        CORE,
        ADAPTERS,
        "shared.audit",
        "shared.catalogue",
        "shared.ingest",
        "shared.ingest.marketplaces",
    },
    # Amazon's Reports API history is imported as an order export, and both it and the
    # catch-up read the catch-up's state; the catch-up's health reports the history too.
    "shared.ingest.sp_api_history": {
        CORE,
        ADAPTERS,
        "shared.ingest.bulk",
        "shared.ingest.sp_api_catchup",
    },
    "shared.ingest.sp_api_catchup": {
        CORE,
        ADAPTERS,
        "shared.catalogue",
        "shared.ingest",
        "shared.ingest.marketplaces",
        "shared.ingest.sp_api_history",
    },
    "shared.projection": {CORE, ADAPTERS, "shared.catalogue"},  # fold, apply, rebuild, KPIs
    # data-quality checks: read events, products and what imports wrote
    "shared.quality": {CORE, ADAPTERS, "shared.ingest.bulk", "shared.projection"},
    # features, training, registry, SHAP; the retraining command reads the log as the
    # store's mode (the demo feed's or the marketplaces') says it was written
    "shared.ml": {CORE, ADAPTERS, "shared.catalogue", "shared.projection"},
    "shared.ml.risk": {CORE, "shared.ml"},  # the dead-stock risk model
    "shared.ranking": {CORE, ADAPTERS, "shared.audit", "shared.ml", "shared.projection"},
    "shared.inventory": {
        CORE,
        ADAPTERS,
        "shared.audit",
        "shared.ingest",
        "shared.ml",
        "shared.ml.risk",
        "shared.projection",
        "shared.ranking",
    },
    # WhatsApp alerts: read the day's inventory snapshots (image links from the bulk images)
    "shared.alerts": {CORE, ADAPTERS, "shared.ingest.bulk", "shared.inventory"},
    # the run ledger and the daily job: composes the inventory steps and the alerts
    "shared.jobs": {CORE, ADAPTERS, "shared.alerts", "shared.inventory"},
    # the lake, KPI queries, the SQL guard, the analyst. Not jobs: the lake job is handed the
    # recorder of its runs by whoever runs it.
    "shared.analytics": {CORE, ADAPTERS, "shared.quality"},
    # per-process state and what the triggers do: the top of shared/
    "shared.live": {
        CORE,
        ADAPTERS,
        "shared.analytics",
        "shared.catalogue",
        "shared.ingest",
        "shared.jobs",
        "shared.ml",
        "shared.projection",
        "shared.quality",
        "shared.ranking",
    },
}
# What each package may import besides its own modules. A sub-package is a package of its own:
# its parent may import it only where the map says so. ``functions`` (the blueprints, each
# folder included) may use all of shared/, never the demo. The demo's generators sit on top:
# production code never imports them, so what runs for sellers is never generated. Where
# production once used a generator, the boundary is drawn here:
# - the demo feed's timer (``demo.mock_timer``) is a blueprint of demo/, composed by
#   ``function_app``; the live state carries its feed as a protocol;
# - the first ranking model is trained on simulated worlds by ``demo.simulated_training``
#   (the demo's seed and the local host call it), and the commands that train on simulated
#   data, ``python -m demo.train_ranker`` and ``demo.train_risk``, live in demo/ (retraining on
#   the seller's event log is ``shared.ml.retrain``'s);
# - the sample files and the signed example webhook (``make curl``) are demo/'s.
ALLOWED: dict[str, set[str]] = {
    "shared": set(),  # the package's own docstring
    **_SHARED,
    "functions": set(_SHARED),
    "demo.sim": {CORE, "shared.ingest.bulk", "shared.ml", "shared.projection"},
    "demo": {
        CORE,
        ADAPTERS,
        "demo.sim",
        "shared.catalogue",
        "shared.ingest",
        "shared.ingest.bulk",
        "shared.live",
        "shared.ml",
        "shared.ml.risk",
        "shared.projection",
    },
    "function_app": {CORE, "functions", "demo"},
}

# Cached factories of clients built from settings: immutable once made, cleared by tests.
# OpenTelemetry's meter provider is process-global by design, so telemetry keeps its own.
STATE_ALLOWED = {
    "shared.core.settings": {"get_settings"},
    "shared.adapters.cosmos": {"get_store"},
    "shared.adapters.blob": {"model_store", "imports_store"},
    "shared.adapters.signalr": {"_client"},
    "shared.core.telemetry": {"_configured", "_instruments", "_lock"},
    # Each instance's few-seconds read of the demo's state: the webhook path asks on every
    # delivery. One document, re-read when it is older than STATUS_TTL_SECONDS.
    "shared.catalogue.demo": {"_cached", "_cache_lock"},
    # The functions the app registered, read once per app object (the app never changes).
    "functions.app_index": {"_cache", "_lock"},
    # One Selling Partner API client per connection: each keeps its access token until expiry.
    "functions.sp_api_catchup": {"_clients"},
    # The route table, filled as the blueprints are imported and never after.
    "functions.routes": {"ROUTES"},
    # The risk model's registry, built once from settings like the store it reads.
    "functions.api.inventory": {"_risk_registry"},
}
MUTABLE_CALLS = {"dict", "list", "set", "deque", "OrderedDict", "defaultdict", "Lock", "RLock"}
MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "add",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "remove",
    "discard",
    "clear",
}


def _modules() -> dict[str, Path]:
    found = {}
    for base in ("shared", "functions", "demo"):
        for path in (ROOT / base).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    found["function_app"] = ROOT / "function_app.py"
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def _imports(name: str, path: Path, tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join([*pkg, *([node.module] if node.module else [])])
            # ``from pkg import module`` names the module; ``from module import symbol`` the module
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        for target in targets:
            # the longest known module the target names (a symbol import names its module)
            parts = target.split(".")
            while parts and ".".join(parts) not in MODULES:
                parts.pop()
            if parts and ".".join(parts) != name:
                out.add(".".join(parts))
    return out


GRAPH = {name: _imports(name, MODULES[name], tree) for name, tree in TREES.items()}


def _package(module: str) -> str:
    """The map's entry a module belongs to: the longest key that contains it."""
    keys = [k for k in ALLOWED if module == k or module.startswith(k + ".")]
    assert keys, f"{module} is in no package of the map"
    return max(keys, key=len)


def _packages_on_disk() -> set[str]:
    out = set()
    for base in ("shared", "demo"):
        for init in (ROOT / base).rglob("__init__.py"):
            out.add(".".join(init.parent.relative_to(ROOT).parts))
    return out


def _breaches(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        own = _package(module)
        for target in targets:
            theirs = _package(target)
            if theirs != own and theirs not in ALLOWED[own]:
                found.append(f"{module} ({own}) imports {target} ({theirs}): not in the map")
    return sorted(found)


def test_every_package_is_in_the_map() -> None:
    on_disk = _packages_on_disk()
    assert sorted(on_disk - set(ALLOWED)) == [], "place these packages in ALLOWED"
    assert sorted(set(ALLOWED) - on_disk - {"functions", "function_app"}) == []
    loose = [p.name for p in (ROOT / "shared").glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    for pkg in on_disk:
        doc = ast.get_docstring(
            ast.parse((ROOT / pkg.replace(".", "/") / "__init__.py").read_text())
        )
        assert doc and len(doc) > 40, f"{pkg}/__init__.py needs a docstring"


def test_the_map_names_only_packages_and_no_package_allows_itself() -> None:
    for package, allowed in ALLOWED.items():
        assert package not in allowed
        assert allowed <= set(ALLOWED), f"{package}: {sorted(allowed - set(ALLOWED))}"


def test_imports_follow_the_map() -> None:
    assert _breaches(GRAPH) == []


def test_a_forbidden_import_is_caught() -> None:
    """The check itself, on a graph with one import the map forbids (analytics -> jobs)."""
    graph = {
        **GRAPH,
        "shared.analytics.job": GRAPH["shared.analytics.job"] | {"shared.jobs.run_ledger"},
    }
    assert _breaches(graph) == [
        "shared.analytics.job (shared.analytics) imports shared.jobs.run_ledger (shared.jobs): "
        "not in the map"
    ]


def test_relative_imports_are_read(tmp_path: Path) -> None:
    path = tmp_path / "state.py"
    tree = ast.parse("from . import triggers\nfrom .broadcast import send\n")
    assert _imports("shared.live.state", path, tree) == {
        "shared.live.triggers",
        "shared.live.broadcast",
    }


def test_production_never_imports_the_demo() -> None:
    breaches = [
        (m, t)
        for m, targets in GRAPH.items()
        if m.startswith(("shared", "functions"))
        for t in targets
        if t.startswith("demo")
    ]
    assert breaches == []


def test_no_import_cycles() -> None:
    # Tarjan's strongly connected components over the module graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def _mutated_names() -> set[str]:
    """Names anything writes into: ``X[k] = v``, ``del X[k]``, ``X.append(...)`` and the like,
    directly or through a module (``module.X.update(...)``)."""

    def named(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        return None

    out: set[str] = set()
    for tree in TREES.values():
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for target in targets:
                if isinstance(target, ast.Subscript) and (n := named(target.value)):
                    out.add(n)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATING_METHODS
                and (n := named(node.func.value))
            ):
                out.add(n)
    return out


def test_process_state_lives_only_in_live() -> None:
    """Outside ``shared.live``: no ``global``, no cached function or method, and no module-level
    container anything writes into. A table only read (a constant, whatever its case) is fine."""
    mutated = _mutated_names()
    found = []
    for module, tree in TREES.items():
        if module.startswith("shared.live"):
            continue
        allowed = STATE_ALLOWED.get(module, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found += [f"{module}: global {n}" for n in node.names if n not in allowed]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                cached = [
                    d
                    for d in node.decorator_list
                    if ("cache" in ast.unparse(d) or "per_dataset" in ast.unparse(d))
                    and node.name not in allowed
                ]
                found += [f"{module}: cached {node.name}" for _ in cached]
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                names = [
                    t.id
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(t, ast.Name)
                ]
                mutable = isinstance(
                    value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp
                ) or (
                    isinstance(value, ast.Call)
                    and ast.unparse(value.func).split(".")[-1] in MUTABLE_CALLS
                )
                found += [
                    f"{module}: {n}"
                    for n in names
                    if mutable
                    and n not in allowed
                    and n != "__all__"
                    and (n in mutated or isinstance(value, ast.Call))
                ]
    assert found == []
