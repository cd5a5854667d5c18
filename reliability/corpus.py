"""The failure corpus: every failing input the harness found, kept and replayed.

One JSON file per input in ``reliability/corpus/`` named by a digest of the input, so finding
the same input twice keeps one file. ``tests/reliability/test_corpus.py`` replays them all
against devhost with the same properties; an input stays there after its defect is fixed, as
the regression test of that fix.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from reliability.fuzz import Tally, role_headers, send_checked, signed_request
from reliability.stack import Stack

CORPUS = Path(__file__).resolve().parent / "corpus"


def _input_of(failure: dict[str, Any]) -> dict[str, Any]:
    """What to replay: the input without the answer or the run's ports and keys."""
    entry = {k: v for k, v in failure.items() if k not in ("status", "answer")}
    request = dict(entry.get("request") or {})
    if "url" in request:
        parts = urlsplit(str(request["url"]))
        request["url"] = parts.path + (f"?{parts.query}" if parts.query else "")
        entry["request"] = request
    return entry


def save(failures: list[dict[str, Any]], directory: Path = CORPUS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for failure in failures:
        if "request" not in failure and "body" not in failure:
            continue  # nothing to replay (a generation error)
        entry = _input_of(failure)
        key = json.dumps({k: v for k, v in entry.items() if k != "problem"}, sort_keys=True)
        path = directory / f"{entry['kind']}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
        if not path.exists():
            path.write_text(json.dumps(entry, indent=1, sort_keys=True) + "\n")
            written.append(path)
    return written


def load(directory: Path = CORPUS) -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, json.loads(p.read_text())) for p in sorted(directory.glob("*.json"))]


def _bytes(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    if isinstance(value, dict):
        return {k: _bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bytes(v) for v in value]
    return value


def replay(stack: Stack, entry: dict[str, Any]) -> Tally:
    """Send one corpus input as it was found (auth added again), checking the properties."""
    assert stack.host is not None
    tally = Tally()
    session = requests.Session()
    if entry["kind"] == "webhook":
        request = signed_request(stack, entry["marketplace"], _bytes(entry["body"]))
        send_checked(
            stack,
            session,
            request,
            tally,
            ignore_writes=("/colls/deliveries/",),
            must_accept=bool(entry.get("valid")),
            describe=entry,
        )
        return tally
    request = _bytes(dict(entry["request"]))
    request["url"] = stack.host.base_url + request["url"]
    request["headers"] = {**entry.get("headers", {}), **role_headers(stack, entry["role"])}
    ignore = ("/colls/deliveries/",) if "/integrations/" in request["url"] else ()
    send_checked(stack, session, request, tally, ignore_writes=ignore, describe=entry)
    return tally
