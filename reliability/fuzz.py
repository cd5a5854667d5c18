"""Generated requests against a running devhost, and the properties every answer must keep.

- API: Schemathesis over ``GET /api/openapi.json`` (so new routes are covered as soon as they
  are registered), each operation as each role (``admin``, ``analyst``), with cases that fit the
  schema and cases that do not.
- Webhooks: correctly signed bodies from ``reliability.payloads`` (valid ones and mutations).

Properties: no 5xx (apart from the deliberate answers when a service the app depends on is
missing or refuses, ``UPSTREAM``, counted separately); every 4xx carries ``{"error",
"message"}``; a refused request (4xx) writes nothing (the fault seam's write log shows no
successful write from the request's thread). A documented valid webhook is accepted. Each
failing input is returned as a corpus entry (``reliability.corpus``), replayed as a regression
test.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from reliability import payloads
from reliability.stack import Stack
from shared.ingest.signature import signed_headers
from tests.integration.helpers import principal

ROLES = ("admin", "analyst")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A refused webhook is counted in ``deliveries`` (the Stores page's rejected deliveries): a
# diagnostic counter, never business state, so it is not a write by a refused request.
WEBHOOK_DIAGNOSTICS = ("/colls/deliveries/",)
# The app's answers when a service it depends on is not there or refuses: deliberate,
# retryable answers, counted apart from the failures. By status, error and the start of the
# message: Azure OpenAI is not configured locally, WhatsApp's test service refuses messages
# outside the 24-hour window. Any other 5xx (a store that got no answer, an empty lake) is a
# failure here, where no fault is injected and the lake is built first.
UPSTREAM: dict[int, dict[str, str]] = {
    503: {"service_unavailable": "Azure OpenAI is not configured"},
    502: {"whatsapp_refused": "WhatsApp refused the message"},
}
TIMEOUT = 60


@dataclass
class Tally:
    """What a run tried and found."""

    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    refused_writes_checked: int = 0
    dependency_503: Counter = field(default_factory=Counter)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)

    def merge(self, other: Tally) -> None:
        self.requests += other.requests
        self.by_status.update(other.by_status)
        self.failures += other.failures
        self.refused_writes_checked += other.refused_writes_checked
        self.dependency_503.update(other.dependency_503)


def _error_body(body: bytes, content_type: str) -> Any:
    try:
        return json.loads(body) if "json" in content_type else None
    except ValueError:
        return None


def dependency_missing(status: int, body: bytes, content_type: str) -> str | None:
    """The message of a 5xx that says a service the app depends on failed, else None."""
    data = _error_body(body, content_type)
    if not isinstance(data, dict):
        return None
    error, message = data.get("error"), str(data.get("message", ""))
    start = UPSTREAM.get(status, {}).get(error) if isinstance(error, str) else None
    if start is not None and message.startswith(start):
        return f"{status} {error}: {message[:60]}"
    return None


def problems(status: int, body: bytes, content_type: str) -> list[str]:
    """The properties of one answer; an empty list when it keeps them all."""
    found = []
    if status >= 500 and not dependency_missing(status, body, content_type):
        found.append(f"answered {status}")
    if 400 <= status < 500:
        data = _error_body(body, content_type)
        if not (
            isinstance(data, dict)
            and isinstance(data.get("error"), str)
            and isinstance(data.get("message"), str)
        ):
            found.append(f"{status} without {{error, message}}: {body[:200]!r}")
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def send_checked(
    stack: Stack,
    session: requests.Session,
    request: dict[str, Any],
    tally: Tally,
    *,
    ignore_writes: tuple[str, ...] = (),
    must_accept: bool = False,
    describe: dict[str, Any] | None = None,
) -> requests.Response | None:
    """Send one request (``requests`` keyword arguments) and check the properties."""
    before = stack.log_position()
    try:
        answer = session.request(timeout=TIMEOUT, **request)
    except requests.RequestException as exc:
        tally.requests += 1
        tally.failures.append({**(describe or {}), "problem": f"no answer: {exc}"})
        return None
    tally.requests += 1
    tally.by_status[answer.status_code] += 1
    content_type = answer.headers.get("content-type", "")
    found = problems(answer.status_code, answer.content, content_type)
    missing = dependency_missing(answer.status_code, answer.content, content_type)
    if missing:
        tally.dependency_503[missing] += 1
    method = str(request.get("method", "GET")).upper()
    if 400 <= answer.status_code < 500 and method in WRITE_METHODS:
        tally.refused_writes_checked += 1
        written = stack.writes_since(before, ignore=ignore_writes)
        if written:
            found.append(f"refused with {answer.status_code} but wrote: {written[:3]}")
    if must_accept and not 200 <= answer.status_code < 300:
        found.append(f"a valid payload was refused: {answer.status_code} {answer.text[:200]}")
    for problem in found:
        tally.failures.append(
            {
                **(describe or {}),
                "problem": problem,
                "status": answer.status_code,
                "answer": answer.text[:500],
            }
        )
    return answer


# --- API ----------------------------------------------------------------------------------------


def role_headers(stack: Stack, role: str) -> dict[str, str]:
    assert stack.host is not None
    return {**principal(role), **stack.host.origin, "x-functions-key": stack.host.keys["default"]}


def build_lake(stack: Stack) -> int:
    """Run the lake job once (the host's admin API), as the hourly timer would, so the
    analytics routes answer from a lake instead of saying it was never built."""
    assert stack.host is not None
    answer = requests.post(
        f"{stack.host.base_url}/admin/functions/lake_job",
        headers={"x-functions-key": stack.host.keys["master"]},
        timeout=600,
    )
    return answer.status_code


class Claims:
    """Hands out operation numbers one at a time to the lanes that fuzz side by side, each
    against a host of its own (a refused request's writes are told apart by host)."""

    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self._next += 1
            return self._next - 1


def fuzz_api(
    stack: Stack,
    per_operation: int,
    *,
    roles: Iterable[str] = ROLES,
    seed: int | None = None,
    claim: Callable[[], int] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> Tally:
    """``per_operation`` generated cases for each operation, role and mode (fitting the schema
    and not): every operation, or those ``claim`` hands to this lane."""
    assert stack.host is not None
    base = stack.host.base_url
    build_lake(stack)
    doc = requests.get(f"{base}/api/openapi.json", timeout=TIMEOUT).json()
    schema = schemathesis.openapi.from_dict(doc)
    tally = Tally()
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    claim = claim or Claims()
    while (number := claim()) < len(operations):
        op = operations[number]
        for role in roles:
            headers = role_headers(stack, role)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                done = Tally()
                _run_operation(stack, session, op, mode, headers, role, per_operation, seed, done)
                tally.merge(done)
        log(f"{op.method.upper()} {op.path}: {tally.requests} requests so far")
    return tally


def _generation(examples: int, seed: int | None):
    """Hypothesis settings of a run: generation only (no shrinking, no example database), and
    quiet: an operation with nothing to generate in a mode (``Unsatisfiable``, caught below)
    would print a seed to reproduce it, which is noise here."""
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=seed is not None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )


def _run_operation(stack, session, op, mode, headers, role, examples, seed, tally) -> None:
    try:
        strategy = op.as_strategy(generation_mode=mode)
    except Exception as exc:  # an operation Schemathesis cannot generate for in this mode
        tally.failures.append(
            {"kind": "api", "operation": f"{op.method} {op.path}", "problem": f"no cases: {exc}"}
        )
        return

    @_generation(examples, seed)
    @given(case=strategy)
    def run(case) -> None:
        request = case.as_transport_kwargs(base_url=stack.host.base_url, headers=headers)
        # The principal, origin and function key are the role's, whatever was generated: the
        # host's own key check (an empty 401, as in Azure) is not the app's to answer.
        request["headers"] = {**(request.get("headers") or {}), **headers}
        describe = {
            "kind": "api",
            "role": role,
            "mode": str(mode.value),
            "operation": f"{op.method.upper()} {op.path}",
            "request": _jsonable({k: v for k, v in request.items() if k != "headers"}),
            "headers": {
                k: v for k, v in (request.get("headers") or {}).items() if k.lower() in _KEPT
            },
        }
        ignore = WEBHOOK_DIAGNOSTICS if "/integrations/" in op.path else ()
        send_checked(stack, session, request, tally, ignore_writes=ignore, describe=describe)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing (more) to generate in this mode, e.g. no parameters to break
    except Exception as exc:  # a generation error must not stop the other operations
        tally.failures.append(
            {
                "kind": "api",
                "operation": f"{op.method.upper()} {op.path}",
                "problem": f"generation stopped in {op.method.upper()} {op.path}: {_causes(exc)}"[
                    :500
                ],
            }
        )


def _causes(exc: BaseException) -> str:
    """``exc`` and, for a group (Hypothesis's ``FlakyFailure``), what it holds."""
    inner = getattr(exc, "exceptions", ())
    held = "; ".join(f"{type(e).__name__}: {e}" for e in inner)
    return f"{type(exc).__name__}: {exc}" + (f" [{held}]" if held else "")


# Generated headers worth keeping in the corpus (auth headers are added again on replay).
_KEPT = {"content-type", "accept", "if-match", "if-none-match"}


# --- webhooks -----------------------------------------------------------------------------------


def signed_request(stack: Stack, marketplace: str, body: Any) -> dict[str, Any]:
    assert stack.host is not None
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret = stack.env[f"Webhooks__{marketplace}Secret"]
    return {
        "method": "POST",
        "url": stack.host.webhook_url(marketplace),
        "data": raw,
        "headers": {"content-type": "application/json", **signed_headers(secret, raw)},
    }


def fuzz_webhooks(
    stack: Stack,
    per_marketplace: int,
    *,
    marketplaces: Iterable[str] = tuple(payloads.VALID),
    seed: int | None = None,
    log=lambda _: None,
) -> Tally:
    """Signed valid payloads (must be accepted) and mutations (never a 5xx, refusals write
    nothing) for each marketplace."""
    tally = Tally()
    session = requests.Session()
    for marketplace in marketplaces:
        _run_marketplace(stack, session, marketplace, per_marketplace, seed, tally)
        log(f"webhooks {marketplace}: {tally.requests} requests so far")
    return tally


def _run_marketplace(stack, session, marketplace, examples, seed, tally) -> None:
    draws = st.one_of(
        payloads.VALID[marketplace]().map(lambda b: (True, b)),
        payloads.mutated(marketplace).map(lambda b: (False, b)),
    )

    @_generation(examples, seed)
    @given(drawn=draws)
    def run(drawn) -> None:
        valid, body = drawn
        request = signed_request(stack, marketplace, body)
        describe = {"kind": "webhook", "marketplace": marketplace, "valid": valid}
        describe["body"] = _jsonable(request["data"])
        send_checked(
            stack,
            session,
            request,
            tally,
            ignore_writes=WEBHOOK_DIAGNOSTICS,
            must_accept=valid,
            describe=describe,
        )

    run()
