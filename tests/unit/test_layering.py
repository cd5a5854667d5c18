"""The shape of the code, checked: packages import only downwards, nothing imports in a circle,
the domain never imports the function layer, and process state lives only in ``shared.live``.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a cycle
hidden in a function body is still a cycle a reader has to untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A module may import its own package and any package listed before it.
LAYERS = [
    "core",  # settings, errors, typed records, schema, validation, telemetry, identity
    "adapters",  # Cosmos, Blob, SignalR: SDK errors translated here only
    "audit",  # the audit trail
    "catalogue",  # products, marketplace connections, catalogue cache
    "ingest",  # webhook verify + append, normalisers, listing ids, bulk files
    "projection",  # fold, apply loop, dead letters, rebuild, KPI aggregate
    # data-quality checks and stored runs: reads events, products and imports, so it sits
    # above projection; nothing below needs it (the import trigger starts a run)
    "quality",
    "ml",  # features, model, registry, training, SHAP, simulator
    "ranking",  # ranker, rules and their service, what-if
    # aging snapshots, risk scores, decisions (what-if, clearance rules), the inventory queries
    "inventory",
    # WhatsApp alerts and their log: read the day's inventory snapshots, send through the adapter
    "alerts",
    # the run ledger and the daily job: composes the inventory steps and the alerts
    "jobs",
    # the lake, KPI queries, the SQL guard, the analyst: reads the event log and products
    # (stores, adapters) and the record types; nothing below needs it
    "analytics",
    "live",  # per-process state, triggers, broadcast
]

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
}
MUTABLE_CALLS = {"dict", "list", "set", "deque", "OrderedDict", "defaultdict", "Lock", "RLock"}


def _modules() -> dict[str, Path]:
    found = {}
    for base in ("shared", "functions"):
        for path in (ROOT / base).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    found["function_app"] = ROOT / "function_app.py"
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join([*pkg[: len(pkg) - node.level + 1], node.module])
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


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "shared" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1])


def test_shared_has_only_packages_at_the_top() -> None:
    loose = [p.name for p in (ROOT / "shared").glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    for pkg in (ROOT / "shared").iterdir():
        if pkg.is_dir() and not pkg.name.startswith("__"):
            assert pkg.name in LAYERS, f"shared/{pkg.name} is not in LAYERS: place it"
            doc = ast.get_docstring(ast.parse((pkg / "__init__.py").read_text()))
            assert doc and len(doc) > 40, f"shared/{pkg.name}/__init__.py needs a docstring"


def test_shared_never_imports_the_function_layer() -> None:
    breaches = [
        (m, t)
        for m, targets in GRAPH.items()
        if m.startswith("shared")
        for t in targets
        if t.startswith(("functions", "function_app"))
    ]
    assert breaches == []


def test_packages_import_only_downwards() -> None:
    breaches = []
    for module, targets in GRAPH.items():
        own = _layer(module)
        if own is None:
            continue
        for target in targets:
            layer = _layer(target)
            if layer is not None and layer > own:
                breaches.append(f"{module} ({LAYERS[own]}) imports {target} ({LAYERS[layer]})")
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


def test_process_state_lives_only_in_live() -> None:
    found = []
    for module, path in MODULES.items():
        if not module.startswith("shared") or module.startswith("shared.live"):
            continue
        allowed = STATE_ALLOWED.get(module, set())
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found += [f"{module}: global {n}" for n in node.names if n not in allowed]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                cached = [
                    d
                    for d in node.decorator_list
                    if ("cache" in ast.unparse(d) or "per_dataset" in ast.unparse(d))
                    and node.name not in allowed
                ]
                found += [f"{module}: cached {node.name}" for _ in cached]
            if isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                names = [
                    t.id
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(t, ast.Name)
                ]
                mutable = isinstance(value, ast.List | ast.Dict | ast.Set) or (
                    isinstance(value, ast.Call)
                    and ast.unparse(value.func).split(".")[-1] in MUTABLE_CALLS
                )
                # UPPER_CASE tables are constants by convention and never assigned to later
                found += [
                    f"{module}: {n}"
                    for n in names
                    if mutable and not n.isupper() and n not in allowed and n != "__all__"
                ]
    assert found == []
