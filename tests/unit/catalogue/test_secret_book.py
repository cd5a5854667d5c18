"""Which secrets a webhook may be signed with, before and after a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.catalogue.connections import SECRETS_TTL_SECONDS, SecretBook
from shared.core.errors import AuthError
from shared.core.settings import Settings
from shared.ingest import signature

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 21, 10, tzinfo=UTC)


class Docs:
    """The ``stores`` documents a SecretBook reads (the only store call it makes)."""

    def __init__(self, docs):
        self.docs, self.reads = docs, 0

    def query(self, container, sql, params=(), **kw):
        assert container == "stores"
        self.reads += 1
        return iter(self.docs)


def _settings() -> Settings:
    return Settings.model_validate({"Webhooks": {"amazonSecret": "configured"}})


def test_the_configured_secret_until_a_rotation():
    book = SecretBook(Docs([]))
    assert book.valid("amazon", _settings(), NOW) == ["configured"]
    assert book.valid("myntra", _settings(), NOW) == []


def test_after_a_rotation_the_new_secret_first_and_the_old_one_during_the_grace():
    until = (NOW + timedelta(hours=24)).isoformat()
    doc = {
        "id": "amazon",
        "secret": "new",
        "previous_secret": "configured",
        "previous_valid_until": until,
    }
    book = SecretBook(Docs([doc]))
    assert book.valid("amazon", _settings(), NOW) == ["new", "configured"]
    assert book.valid("amazon", _settings(), NOW + timedelta(hours=25)) == ["new"]
    assert book.active("amazon", _settings()) == "new"


def test_a_rotation_reaches_other_instances_within_the_cache_time():
    clock = [0.0]
    docs = Docs([])
    book = SecretBook(docs, clock=lambda: clock[0])
    book.valid("amazon", _settings(), NOW)
    docs.docs = [{"id": "amazon", "secret": "new"}]
    assert book.valid("amazon", _settings(), NOW) == ["configured"]  # cached
    clock[0] += SECRETS_TTL_SECONDS + 1
    assert book.valid("amazon", _settings(), NOW) == ["new"]
    assert docs.reads == 2


def test_any_valid_secret_may_sign_and_no_other():
    body = b'{"a": 1}'
    headers = signature.signed_headers("configured", body, 1_000_000)
    ts, sig = headers[signature.TIMESTAMP_HEADER], headers[signature.SIGNATURE_HEADER]
    assert signature.verify(["new", "configured"], body, ts, sig, max_age=300, now=1_000_000)
    with pytest.raises(AuthError):
        signature.verify(["new"], body, ts, sig, max_age=300, now=1_000_000)
