"""A fake Selling Partner API (and Login with Amazon token endpoint) built from Amazon's models.

It serves the operations ReSight calls (``shared.adapters.sp_api.OPERATIONS``) from the model
copies in ``tests/contracts/sp_api_models/`` (Swagger 2.0, commit in tests/contracts/SOURCE.md):

- every request is checked against the operation's parameters in the model (unknown or missing
  parameters, wrong types, too many items, a body that breaks its schema): a request that fails
  is answered 400 with Amazon's error list and kept in ``violations``;
- every response it serves is validated against the model's schema for that status (a fake
  that serves what Amazon would not is a test failure: ``AssertionError`` in ``response_errors``
  and a 500);
- it can throttle (429 with the headers the model declares for it), fail (5xx), expire the
  access tokens it issued (403 ``Unauthorized`` as Amazon answers), and page (NextToken).

Orders, their items and reports are kept in memory; ``put_order`` and ``put_report_rows`` fill
them. ``FakeSpApi().start()`` serves on 127.0.0.1 in a thread (stdlib ``ThreadingHTTPServer``);
devhost starts one on the port of ``AmazonSpApi__endpoint`` when that is local.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "contracts" / "sp_api_models"
MODEL_FILES = ("ordersV0.json", "reports_2021-06-30.json", "sellers.json")
OPERATION_IDS = (
    "getOrders",
    "getOrderItems",
    "getMarketplaceParticipations",
    "createReport",
    "getReport",
    "getReportDocument",
)
REPORT_COLUMNS: list[str] = json.loads(
    (ROOT / "tests" / "contracts" / "amazon_all_orders_report.json").read_text()
)["columns"]
# The keys of a Swagger 2.0 parameter that are JSON Schema.
SCHEMA_KEYS = ("type", "items", "maxItems", "minItems", "enum", "format")
INDIA = {
    "id": "A21TJRUUN4KGV",
    "name": "Amazon.in",
    "countryCode": "IN",
    "defaultCurrencyCode": "INR",
    "defaultLanguageCode": "en_IN",
    "domainName": "www.amazon.in",
}


@dataclass
class _Op:
    name: str
    method: str
    pattern: re.Pattern[str]
    parameters: list[dict[str, Any]]
    responses: dict[str, dict[str, Any]]
    model: str
    rate: str


def _usage_rate(description: str) -> str:
    found = re.search(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|", description)
    assert found, "every operation's description has its usage plan table"
    return found.group(1)


def load_operations() -> tuple[dict[str, _Op], Registry]:
    ops: dict[str, _Op] = {}
    registry: Registry = Registry()
    for name in MODEL_FILES:
        model = json.loads((MODELS / name).read_text())
        registry = registry.with_resource(f"urn:{name}", DRAFT4.create_resource(model))
        for path, methods in model["paths"].items():
            for method, op in methods.items():
                if not isinstance(op, dict) or op.get("operationId") not in OPERATION_IDS:
                    continue
                regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
                ops[op["operationId"]] = _Op(
                    op["operationId"],
                    method.upper(),
                    re.compile(regex),
                    op.get("parameters", []),
                    op["responses"],
                    name,
                    _usage_rate(op.get("description", "")),
                )
    return ops, registry


def _schema_ref(model: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A schema of the model with its ``#/definitions`` refs pointing into the model."""
    text = json.dumps(schema).replace('"#/definitions/', f'"urn:{model}#/definitions/')
    return json.loads(text)


class RequestRefused(Exception):
    pass


@dataclass
class FakeSpApi:
    client_id: str = "amzn1.application-oa2-client.fake"
    client_secret: str = "fake-client-secret"
    refresh_token: str = "Atzr|fake-refresh-token"
    marketplace_id: str = "A21TJRUUN4KGV"
    page_size: int = 100
    items_page_size: int = 100
    # How many getReport calls answer IN_PROGRESS before the report is DONE.
    report_polls: int = 1
    # The x-amzn-RateLimit-Limit a success carries per operation (the model's rate if absent).
    rate_limits: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    response_errors: list[str] = field(default_factory=list)
    tokens_issued: int = 0

    def __post_init__(self) -> None:
        self.ops, self.registry = load_operations()
        self.orders: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, bytes] = {}
        self.report_rows: list[dict[str, str]] | None = None
        self.report_text: bytes | None = None
        self._tokens: dict[str, bool] = {}  # token -> still valid
        self._faults: dict[str, list[int]] = {}  # operation -> statuses to answer next
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- what tests and devhost set up ---------------------------------------------------------

    def put_order(
        self,
        order_id: str,
        status: str,
        items: Iterable[dict[str, Any]],
        *,
        purchased: datetime,
        updated: datetime | None = None,
    ) -> None:
        """An order and its items; an item is ``{"sku", "qty", "item_id"?, "asin"?, "price"?}``."""
        updated = updated or purchased
        lines = []
        for i, item in enumerate(items):
            line: dict[str, Any] = {
                "ASIN": item.get("asin") or f"B0{abs(hash(item['sku'])) % 10**8:08d}",
                "OrderItemId": item.get("item_id") or f"{order_id.replace('-', '')}{i:02d}",
                "SellerSKU": item["sku"],
                "QuantityOrdered": 0 if status == "Canceled" else int(item["qty"]),
                "Title": item.get("title", item["sku"]),
            }
            if item.get("price") is not None and status != "Pending":
                line["ItemPrice"] = {"CurrencyCode": "INR", "Amount": f"{item['price']:.2f}"}
            lines.append(line)
        order = {
            "AmazonOrderId": order_id,
            "PurchaseDate": _iso(purchased),
            "LastUpdateDate": _iso(updated),
            "OrderStatus": status,
            "FulfillmentChannel": "MFN",
            "MarketplaceId": self.marketplace_id,
            "NumberOfItemsShipped": sum(x["QuantityOrdered"] for x in lines)
            if status == "Shipped"
            else 0,
            "NumberOfItemsUnshipped": 0
            if status in ("Shipped", "Canceled")
            else sum(x["QuantityOrdered"] for x in lines),
            "OrderType": "StandardOrder",
        }
        with self._lock:
            self.orders[order_id] = order
            self.items[order_id] = lines

    def put_report_rows(self, rows: list[dict[str, str]]) -> None:
        """The all-orders report's rows (columns of Amazon's documented report); without them
        the report is built from the orders."""
        self.report_rows = rows

    def put_report_text(self, tsv: bytes) -> None:
        """The report's file as it is (a large one, built without a dict per row)."""
        self.report_text = tsv

    def throttle(self, operation: str, times: int = 1) -> None:
        self._fault(operation, 429, times)

    def fail(self, operation: str, times: int = 1, status: int = 503) -> None:
        self._fault(operation, status, times)

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = False

    def calls(self, operation: str) -> int:
        return sum(1 for name, _ in self.requests if name == operation)

    def _fault(self, operation: str, status: int, times: int) -> None:
        assert operation in self.ops, operation
        with self._lock:
            self._faults.setdefault(operation, []).extend([status] * times)

    # -- serving ------------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        if method == "POST" and parts.path == "/auth/o2/token":
            return self._token(h, raw)
        if method == "GET" and parts.path.startswith("/documents-content/"):
            return self._send_bytes(h, self.documents.get(parts.path.rsplit("/", 1)[1]))
        for op in self.ops.values():
            found = op.pattern.match(parts.path)
            if found and op.method == method:
                return self._operation(h, op, found.groupdict(), parse_qs(parts.query), raw)
        self._send(h, 404, {"errors": [{"code": "NotFound", "message": "no such resource"}]})

    def _token(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return self._send(h, 400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return self._send(h, 401, {"error": "invalid_client"})
        if form.get("refresh_token") != self.refresh_token:
            return self._send(h, 400, {"error": "invalid_grant"})
        token = "Atza|" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = True
            self.tokens_issued += 1
        self._send(
            h,
            200,
            {
                "access_token": token,
                "refresh_token": self.refresh_token,
                "token_type": "bearer",
                "expires_in": 3600,
            },
        )

    def _operation(
        self,
        h: BaseHTTPRequestHandler,
        op: _Op,
        path: dict[str, str],
        query: dict[str, list[str]],
        raw: bytes,
    ) -> None:
        with self._lock:
            self.requests.append((op.name, query))
            token_ok = self._tokens.get(h.headers.get("x-amz-access-token", ""))
            fault = self._faults[op.name].pop(0) if self._faults.get(op.name) else None
        if not token_ok:
            message = (
                "The access token you provided has expired."
                if token_ok is False
                else "Access to requested resource is denied."
            )
            return self._answer(h, op, 403, {"errors": [_error("Unauthorized", message)]})
        try:
            body = self._check_request(op, path, query, raw)
        except RequestRefused as exc:
            self.violations.append(f"{op.name}: {exc}")
            return self._answer(h, op, 400, {"errors": [_error("InvalidInput", str(exc))]})
        if fault is not None:
            message = "You exceeded your quota for the requested resource."
            code = "QuotaExceeded" if fault == 429 else "InternalFailure"
            return self._answer(h, op, fault, {"errors": [_error(code, message)]})
        handler: Callable[..., tuple[int, dict[str, Any]]] = getattr(self, f"_{op.name}")
        status, payload = handler(path, query, body)
        self._answer(h, op, status, payload)

    def _check_request(
        self, op: _Op, path: dict[str, str], query: dict[str, list[str]], raw: bytes
    ) -> Any:
        declared = {p["name"]: p for p in op.parameters}
        for name in query:
            if declared.get(name, {}).get("in") != "query":
                raise RequestRefused(f"unknown query parameter {name!r}")
        body = None
        for name, p in declared.items():
            where = p["in"]
            if where == "body":
                if not raw:
                    raise RequestRefused("the body is required")
                body = json.loads(raw)
                self._validate(op.model, p["schema"], body, f"body of {op.name}", RequestRefused)
                continue
            values = path.get(name) if where == "path" else query.get(name)
            if values is None:
                if p.get("required"):
                    raise RequestRefused(f"{name!r} is required")
                continue
            value = _typed(p, values if isinstance(values, list) else [values])
            schema = {k: v for k, v in p.items() if k in SCHEMA_KEYS}
            self._validate(op.model, schema, value, name, RequestRefused)
            if name.endswith(("After", "Before")) and isinstance(value, str):
                try:
                    datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    raise RequestRefused(f"{name!r} is not an ISO 8601 date-time") from None
        if raw and body is None:
            raise RequestRefused(f"{op.name} takes no body")
        return body

    def _validate(
        self, model: str, schema: dict[str, Any], value: Any, what: str, error: type[Exception]
    ) -> None:
        validator = jsonschema.Draft4Validator(
            _schema_ref(model, schema),
            registry=self.registry,
            format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
        )
        problems = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        if problems:
            first = problems[0]
            where = "/".join(str(p) for p in first.absolute_path)
            raise error(f"{what}{' at ' + where if where else ''}: {first.message}")

    def _answer(
        self, h: BaseHTTPRequestHandler, op: _Op, status: int, payload: dict[str, Any]
    ) -> None:
        declared = op.responses.get(str(status))
        if declared is None:
            problem = f"{op.name} has no {status} response in the model"
            self.response_errors.append(problem)
            raise AssertionError(problem)
        try:
            what = f"{op.name} {status}"
            self._validate(op.model, declared["schema"], payload, what, AssertionError)
        except AssertionError as exc:
            self.response_errors.append(str(exc))
            return self._send(h, 500, {"errors": [_error("FakeServedInvalid", str(exc))]})
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        if "x-amzn-RateLimit-Limit" in declared.get("headers", {}):
            headers["x-amzn-RateLimit-Limit"] = self.rate_limits.get(op.name, op.rate)
        if status == 429 and "x-amzn-RateLimit-Limit" not in headers:
            pass  # the model declares only the request id on this operation's 429
        self._send(h, status, payload, headers)

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _send_bytes(self, h: BaseHTTPRequestHandler, data: bytes | None) -> None:
        if data is None:
            h.send_response(404)
            h.send_header("content-length", "0")
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("content-type", "application/octet-stream")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    # -- the operations ----------------------------------------------------------------------

    def _getOrders(self, path, query, body) -> tuple[int, dict[str, Any]]:
        after = _when(query.get("LastUpdatedAfter"))
        before = _when(query.get("LastUpdatedBefore"))
        marketplaces = query["MarketplaceIds"][0].split(",")
        with self._lock:
            chosen = [
                o
                for o in sorted(self.orders.values(), key=lambda o: o["LastUpdateDate"])
                if o["MarketplaceId"] in marketplaces
                and (after is None or _parse(o["LastUpdateDate"]) >= after)
                and (before is None or _parse(o["LastUpdateDate"]) <= before)
            ]
        start = _offset(query.get("NextToken"))
        page = chosen[start : start + self.page_size]
        payload: dict[str, Any] = {"Orders": page}
        if start + self.page_size < len(chosen):
            payload["NextToken"] = _token_for(start + self.page_size)
        if before is None:
            payload["LastUpdatedBefore"] = _iso(datetime.now(UTC))
        return 200, {"payload": payload}

    def _getOrderItems(self, path, query, body) -> tuple[int, dict[str, Any]]:
        order_id = path["orderId"]
        with self._lock:
            items = self.items.get(order_id)
        if items is None:
            return 404, {"errors": [_error("InvalidInput", f"no order {order_id}")]}
        start = _offset(query.get("NextToken"))
        payload: dict[str, Any] = {
            "AmazonOrderId": order_id,
            "OrderItems": items[start : start + self.items_page_size],
        }
        if start + self.items_page_size < len(items):
            payload["NextToken"] = _token_for(start + self.items_page_size)
        return 200, {"payload": payload}

    def _getMarketplaceParticipations(self, path, query, body) -> tuple[int, dict[str, Any]]:
        return 200, {
            "payload": [
                {
                    "marketplace": INDIA,
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                    "storeName": "ReSight test store",
                }
            ]
        }

    def _createReport(self, path, query, body) -> tuple[int, dict[str, Any]]:
        report_id = str(50000 + len(self.reports))
        with self._lock:
            self.reports[report_id] = {
                "reportId": report_id,
                "reportType": body["reportType"],
                "marketplaceIds": body["marketplaceIds"],
                "dataStartTime": body.get("dataStartTime"),
                "dataEndTime": body.get("dataEndTime"),
                "createdTime": _iso(datetime.now(UTC)),
                "processingStatus": "IN_QUEUE",
                "_polls": self.report_polls,
            }
        return 202, {"reportId": report_id}

    def _getReport(self, path, query, body) -> tuple[int, dict[str, Any]]:
        with self._lock:
            report = self.reports.get(path["reportId"])
        if report is None:
            return 404, {"errors": [_error("NotFound", "no such report")]}
        if report["_polls"] > 0:
            report["_polls"] -= 1
            report["processingStatus"] = "IN_PROGRESS"
        elif report["processingStatus"] != "DONE":
            document_id = f"amzn1.spdoc.1.4.in.{uuid.uuid4()}"
            self.documents[document_id] = gzip.compress(self._report_tsv(report))
            report["processingStatus"] = "DONE"
            report["reportDocumentId"] = document_id
            report["processingEndTime"] = _iso(datetime.now(UTC))
        return 200, {k: v for k, v in report.items() if not k.startswith("_") and v is not None}

    def _getReportDocument(self, path, query, body) -> tuple[int, dict[str, Any]]:
        document_id = path["reportDocumentId"]
        if document_id not in self.documents:
            return 404, {"errors": [_error("NotFound", "no such document")]}
        return 200, {
            "reportDocumentId": document_id,
            "url": f"{self.url}/documents-content/{document_id}",
            "compressionAlgorithm": "GZIP",
        }

    def _report_tsv(self, report: dict[str, Any]) -> bytes:
        if self.report_text is not None:
            return self.report_text
        rows = self.report_rows
        if rows is None:
            start = _parse(report["dataStartTime"]) if report.get("dataStartTime") else None
            end = _parse(report["dataEndTime"]) if report.get("dataEndTime") else None
            rows = []
            for order_id, order in self.orders.items():
                placed = _parse(order["PurchaseDate"])
                if (start and placed < start) or (end and placed >= end):
                    continue
                for item in self.items[order_id]:
                    rows.append(
                        {
                            "amazon-order-id": order_id,
                            "purchase-date": order["PurchaseDate"].replace("Z", "+00:00"),
                            "last-updated-date": order["LastUpdateDate"].replace("Z", "+00:00"),
                            "order-status": order["OrderStatus"],
                            "fulfillment-channel": "Merchant",
                            "sales-channel": "Amazon.in",
                            "sku": item["SellerSKU"],
                            "asin": item["ASIN"],
                            "item-status": order["OrderStatus"],
                            "quantity": str(item["QuantityOrdered"]),
                            "currency": "INR",
                            "item-price": (item.get("ItemPrice") or {}).get("Amount", ""),
                        }
                    )
        lines = ["\t".join(REPORT_COLUMNS)]
        lines += ["\t".join(row.get(c, "") for c in REPORT_COLUMNS) for row in rows]
        return ("\n".join(lines) + "\n").encode()


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _typed(p: dict[str, Any], values: list[str]) -> Any:
    """A query or path value as the model's type says (arrays are comma-separated, csv)."""
    kind = p.get("type")
    if kind == "array":
        return [v for value in values for v in value.split(",")]
    if len(values) > 1:
        raise RequestRefused(f"{p['name']!r} given more than once")
    value = values[0]
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise RequestRefused(f"{p['name']!r} is not an integer") from None
    if kind == "boolean":
        if value not in ("true", "false"):
            raise RequestRefused(f"{p['name']!r} is not a boolean")
        return value == "true"
    return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _when(values: list[str] | None) -> datetime | None:
    return _parse(values[0]) if values else None


def _token_for(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(values: list[str] | None) -> int:
    if not values:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(values[0]))["offset"])
    except (ValueError, KeyError, TypeError):
        raise RequestRefused("NextToken is not one this API gave") from None
