"""What the inventory API reads: the store danger summary, search, item detail, decisions and
risk scores, all from the day's snapshot documents (the newest day unless one is asked for)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from shared.adapters.cosmos import Store
from shared.core.errors import NotFound, ValidationFailed
from shared.ml.risk.model import RETRAIN as RISK_RETRAIN
from shared.projection.aging import LEVELS

CONTAINER = "inventory_snapshots"
MAX_PAGE_SIZE = 200


def latest_day(store: Store) -> date | None:
    rows = list(store.query(CONTAINER, "SELECT TOP 1 c.day FROM c ORDER BY c.day DESC"))
    return date.fromisoformat(rows[0]["day"]) if rows else None


def resolve_day(store: Store, day: str | None) -> date | None:
    if day:
        try:
            return date.fromisoformat(day)
        except ValueError as exc:
            raise ValidationFailed("'day' must be a date YYYY-MM-DD", field="day") from exc
    return latest_day(store)


def _docs(store: Store, day: date, where: str = "", params: Iterable = ()) -> list[dict]:
    # The day in the filter too: the local Cosmos server refuses a single-partition query whose
    # SQL does not name the partition key (see daily.day_docs).
    sql = f"SELECT * FROM c WHERE c.day = @day{(' AND ' + where) if where else ''}"
    return [
        {k: v for k, v in d.items() if not k.startswith("_")}
        for d in store.query(
            CONTAINER, sql, [("@day", day.isoformat()), *params], partition_key=day.isoformat()
        )
    ]


def _empty_levels() -> dict[str, float]:
    return {level: 0.0 for level in LEVELS}


def _tally(rows: Iterable[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        group = out.setdefault(
            str(r.get(key) or ""),
            {
                "capital_at_risk": _empty_levels(),
                "items": {level: 0 for level in LEVELS},
                "items_total": 0,
                "capital_total": 0.0,
                "name": r.get("store_name") if key == "store_id" else None,
            },
        )
        group["items_total"] += 1
        group["capital_total"] += float(r.get("capital") or 0)
        if r.get("danger"):
            group["capital_at_risk"][r["danger"]] += float(r.get("capital") or 0)
            group["items"][r["danger"]] += 1
    for group in out.values():
        group["capital_at_risk"] = {k: round(v, 2) for k, v in group["capital_at_risk"].items()}
        group["capital_at_risk_total"] = round(sum(group["capital_at_risk"].values()), 2)
        group["items_in_danger"] = sum(group["items"].values())
        group["capital_total"] = round(group["capital_total"], 2)
    return out


def store_danger_summary(store: Store, day: date | None) -> dict[str, Any]:
    if day is None:
        return {
            "day": None,
            "previous_day": None,
            "stores": [],
            "by_department": [],
            "by_category": [],
            "message": "no daily snapshot yet: the daily job has not run",
        }
    today = _docs(store, day)
    previous = day - timedelta(days=1)
    before = _tally(_docs(store, previous), "store_id")
    stores = []
    for store_id, group in sorted(_tally(today, "store_id").items()):
        old = before.get(store_id)
        change = {
            "capital_at_risk": round(
                group["capital_at_risk_total"] - (old["capital_at_risk_total"] if old else 0.0), 2
            ),
            "items_in_danger": group["items_in_danger"] - (old["items_in_danger"] if old else 0),
            "by_level": {
                level: round(
                    group["capital_at_risk"][level]
                    - (old["capital_at_risk"][level] if old else 0.0),
                    2,
                )
                for level in LEVELS
            },
            "had_snapshot": old is not None,
        }
        stores.append({"store_id": store_id, **group, "change_since_yesterday": change})

    def flat(key: str) -> list[dict[str, Any]]:
        return [
            {
                key: name,
                "capital_at_risk": g["capital_at_risk"],
                "capital_at_risk_total": g["capital_at_risk_total"],
                "items_in_danger": g["items_in_danger"],
            }
            for name, g in sorted(
                _tally(today, key).items(), key=lambda kv: -kv[1]["capital_at_risk_total"]
            )
        ]

    return {
        "day": day.isoformat(),
        "previous_day": previous.isoformat(),
        "levels": list(LEVELS),
        "stores": stores,
        "by_department": flat("department"),
        "by_category": flat("category"),
        "totals": {
            "capital_at_risk": round(sum(s["capital_at_risk_total"] for s in stores), 2),
            "items_in_danger": sum(s["items_in_danger"] for s in stores),
        },
    }


SEARCH_FIELDS = (
    "id",
    "day",
    "store_id",
    "store_name",
    "item_id",
    "title",
    "style_code",
    "category",
    "department",
    "image",
    "units",
    "unit_value",
    "capital",
    "days_active",
    "aging_bucket",
    "days_since_sale",
    "days_of_cover",
    "danger",
    "previous_danger",
    "level_changed",
    "risk",
    "risk_source",
)


def search(
    store: Store,
    day: date | None,
    *,
    query: str | None = None,
    departments: list[str] | None = None,
    store_id: str | None = None,
    danger: list[str] | None = None,
    alert_only: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"'page_size' must be 1-{MAX_PAGE_SIZE}", field="page_size")
    if page < 1:
        raise ValidationFailed("'page' must be 1 or more", field="page")
    for level in danger or []:
        if level not in LEVELS:
            raise ValidationFailed(f"'danger' must be among {list(LEVELS)}", field="danger")
    base: dict[str, Any] = {
        "day": None if day is None else day.isoformat(),
        "page": page,
        "page_size": page_size,
        "total": 0,
        "items": [],
    }
    if day is None:
        return base
    where: list[str] = []
    params: list[tuple[str, Any]] = []
    if store_id:
        where.append("c.store_id = @store")
        params.append(("@store", store_id))
    if departments:
        where.append("ARRAY_CONTAINS(@deps, c.department)")
        params.append(("@deps", departments))
    if danger:
        where.append("ARRAY_CONTAINS(@levels, c.danger)")
        params.append(("@levels", danger))
    if alert_only:
        # An alert is an item that entered a danger level today (what the alerts step sends).
        where.append("c.level_changed = true AND IS_STRING(c.danger)")
    if query:
        where.append(
            "(CONTAINS(LOWER(c.title), @q) OR CONTAINS(LOWER(c.item_id), @q) OR "
            "(IS_STRING(c.style_code) AND CONTAINS(LOWER(c.style_code), @q)))"
        )
        params.append(("@q", query.lower()))
    rows = _docs(store, day, " AND ".join(where), params)
    rows.sort(key=lambda r: (-float(r.get("capital") or 0), r["item_id"], r["store_id"]))
    start = (page - 1) * page_size
    items = [{k: r.get(k) for k in SEARCH_FIELDS} for r in rows[start : start + page_size]]
    return {**base, "total": len(rows), "items": items}


def item_detail(store: Store, item_id: str, day: date | None) -> dict[str, Any]:
    product = store.read_or_none("products", item_id, item_id)
    if product is None:
        raise NotFound(f"no product {item_id!r}")
    rows = [] if day is None else _docs(store, day, "c.item_id = @item", [("@item", item_id)])
    rows.sort(key=lambda r: r["store_id"])
    days_active = max(
        (r["days_active"] for r in rows if r.get("days_active") is not None), default=None
    )
    return {
        "item_id": item_id,
        "title": product.get("title"),
        "category": product.get("category"),
        "department": product.get("department"),
        "style_code": product.get("style_code"),
        "image": product.get("image"),
        "marketplace": product.get("marketplace"),
        "current_price": product.get("price"),
        "mrp": product.get("mrp"),
        "stock": product.get("stock"),
        "days_active": days_active,
        "last_sale_at": product.get("last_sale_at"),
        "price_history": product.get("price_history") or [],
        "day": None if day is None else day.isoformat(),
        "stores": rows,
    }


def decisions(
    store: Store,
    day: date | None,
    *,
    store_id: str | None = None,
    action: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    if action is not None and action not in ("markdown", "transfer", "clearance"):
        raise ValidationFailed("'action' must be markdown, transfer or clearance", field="action")
    if not 1 <= limit <= 1000:
        raise ValidationFailed("'limit' must be 1-1000", field="limit")
    if day is None:
        return {"day": None, "decisions": [], "expected_recovery": 0.0}
    where, params = ["IS_STRING(c.danger)"], []
    if store_id:
        where.append("c.store_id = @store")
        params.append(("@store", store_id))
    rows = [
        r
        for r in _docs(store, day, " AND ".join(where), params)
        if r.get("decision") and (action is None or r["decision"].get("action") == action)
    ]
    rows.sort(key=lambda r: (-float(r["decision"]["expected_recovery"]), r["item_id"]))
    out = [
        {
            k: r.get(k)
            for k in (
                "id",
                "store_id",
                "store_name",
                "item_id",
                "title",
                "category",
                "image",
                "units",
                "capital",
                "danger",
                "days_since_sale",
                "decision",
                "clearance_rule_id",
            )
        }
        for r in rows[:limit]
    ]
    return {
        "day": day.isoformat(),
        "decisions": out,
        "expected_recovery": round(sum(r["decision"]["expected_recovery"] for r in rows), 2),
    }


def risk_scores(
    store: Store,
    day: date | None,
    *,
    store_id: str | None = None,
    product_id: str | None = None,
    category: str | None = None,
    min_risk: float | None = None,
    limit: int = 100,
    explain: Callable[[list[dict[str, Any]]], list[Any]] | None = None,
) -> dict[str, Any]:
    """Scores of the day, riskiest first; ``explain`` gives SHAP reasons to the returned rows
    the daily step left unexplained."""
    if not 1 <= limit <= 1000:
        raise ValidationFailed("'limit' must be 1-1000", field="limit")
    if min_risk is not None and not 0 <= min_risk <= 1:
        raise ValidationFailed("'min_risk' must be between 0 and 1", field="min_risk")
    if day is None:
        return {"day": None, "source": None, "items": []}
    where, params = [], []
    for field, name, value in (
        ("store_id", "@store", store_id),
        ("item_id", "@item", product_id),
        ("category", "@cat", category),
    ):
        if value:
            where.append(f"c.{field} = {name}")
            params.append((name, value))
    rows = _docs(store, day, " AND ".join(where), params)
    sources = {r.get("risk_source") for r in rows} - {None}
    source = "model" if sources == {"model"} else "rules" if rows else None
    if source == "model":
        if min_risk is not None:
            rows = [r for r in rows if float(r.get("risk") or 0) >= min_risk]
        rows.sort(key=lambda r: (-float(r.get("risk") or 0), r["item_id"]))
    else:
        rank: dict[str, int] = {level: i + 1 for i, level in enumerate(LEVELS)}
        rows.sort(
            key=lambda r: (-rank.get(r.get("danger") or "", 0), -float(r.get("capital") or 0))
        )
    page = rows[:limit]
    if source == "model" and explain is not None:
        missing = [r for r in page if not r.get("risk_reasons")]
        for r, reasons in zip(missing, explain(missing), strict=True):
            r["risk_reasons"] = reasons
    items = [
        {
            k: r.get(k)
            for k in (
                "store_id",
                "item_id",
                "title",
                "category",
                "units",
                "capital",
                "danger",
                "risk",
                "risk_source",
                "risk_model_version",
                "risk_reasons",
            )
        }
        for r in page
    ]
    answer: dict[str, Any] = {"day": day.isoformat(), "source": source, "items": items}
    if source == "rules":
        answer["message"] = (
            "no risk model scored this day: the rules-based danger level is shown "
            f"(risk is null); {RISK_RETRAIN}"
        )
    return answer
