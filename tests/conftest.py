"""Shared test setup: a clean settings cache around every test."""

from __future__ import annotations

import pytest

from shared.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
