"""Which day's run is due: the run hour is on the Indian clock, timers tick in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.core.settings import IST


@dataclass(frozen=True)
class Due:
    day: date
    # Before the run hour only yesterday's unfinished run is resumed (one that crashed late in
    # the evening); a day that never started is not started late.
    resume_only: bool


def ist_day(now: datetime) -> date:
    return now.astimezone(IST).date()


def due(now: datetime, run_hour: int) -> Due:
    local = now.astimezone(IST)
    if local.hour >= run_hour:
        return Due(local.date(), resume_only=False)
    return Due(local.date() - timedelta(days=1), resume_only=True)
