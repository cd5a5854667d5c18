"""The local fake Graph API's inbox is read through the WhatsApp adapter, and outside services
are reached through ``shared/adapters/`` only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import requests

from shared.adapters.whatsapp import local_inbox
from shared.core.errors import NotFound, ServiceUnavailable

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
HTTP_CLIENTS = {"requests", "httpx", "urllib3", "aiohttp"}


class _Session:
    def __init__(self, answer: requests.Response | Exception) -> None:
        self.answer = answer
        self.urls: list[str] = []

    def get(self, url: str, timeout: float) -> requests.Response:
        self.urls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _response(status: int, body: bytes) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body
    return resp


def test_the_inbox_is_read_from_the_fake_api_root():
    session = _Session(_response(200, b'{"messages": [{"payload": {"to": "919800000001"}}]}'))
    got = local_inbox("http://127.0.0.1:7072/v21.0", session=session)  # type: ignore[arg-type]
    assert got == [{"payload": {"to": "919800000001"}}]
    assert session.urls == ["http://127.0.0.1:7072/_fake/messages"]


def test_the_real_graph_api_has_no_inbox_to_read():
    session = _Session(_response(200, b'{"messages": []}'))
    with pytest.raises(NotFound):
        local_inbox("https://graph.facebook.com/v21.0", session=session)  # type: ignore[arg-type]
    assert session.urls == []


@pytest.mark.parametrize(
    "answer",
    [requests.ConnectionError("refused"), _response(500, b"oops"), _response(200, b"{}")],
)
def test_a_fake_api_that_does_not_answer_is_unavailable(answer):
    with pytest.raises(ServiceUnavailable, match="did not answer"):
        local_inbox("http://localhost:7072/v21.0", session=_Session(answer))  # type: ignore[arg-type]


def test_only_adapters_import_an_http_client():
    found = []
    for base in ("shared", "functions", "demo"):
        for path in (ROOT / base).rglob("*.py"):
            if path.is_relative_to(ROOT / "shared/adapters"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                found += [
                    f"{path.relative_to(ROOT)}: {n}"
                    for n in names
                    if n.split(".")[0] in HTTP_CLIENTS
                ]
    assert found == []
