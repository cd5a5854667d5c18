"""India time is defined once, in ``shared.core.settings``; everything else imports it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.core.sales import ist_day
from shared.core.settings import IST, IST_OFFSET, Settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# The zone's name, or its offset written out by hand.
DEFINITIONS = re.compile(r"Asia/Kolkata|hours=5,\s*minutes=30|ZoneInfo\(\s*\"Asia")


def test_the_zone_and_its_offset_are_written_only_in_settings() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for base in ("shared", "functions", "demo", "devhost")
        for path in (ROOT / base).rglob("*.py")
        if path != ROOT / "shared/core/settings.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if DEFINITIONS.search(line)
    ]
    assert found == []


def test_the_offset_is_the_zone_s_and_imports_default_to_it() -> None:
    assert timedelta(hours=5, minutes=30) == IST_OFFSET
    assert Settings.model_fields["import_timezone"].default == IST.key
    # 18:45 UTC is 00:15 the next day in India: the offset and the zone agree on the day.
    moment = datetime(2026, 12, 7, 18, 45, tzinfo=UTC)
    assert ist_day(moment) == moment.astimezone(IST).date() == datetime(2026, 12, 8).date()
