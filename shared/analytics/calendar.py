"""Indian festival seasons for ``dim_dates``: the windows sellers plan stock and prices around.

Lunar festivals move every year, so their dates are listed (from the published Indian
calendars) for the years the lake can hold; add a year before it starts. A season window is
the buying period around the day, not only the day: Diwali's starts with Dhanteras shopping
about ten days before; Eid's with the last days of Ramadan; Navratri is the nine nights up to
Dussehra (the marketplaces' big festive sales run through it); end-of-season sales are
Myntra's summer (June) and winter (December-January) EORS windows.
"""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

DIWALI = {
    2024: date(2024, 11, 1),
    2025: date(2025, 10, 20),
    2026: date(2026, 11, 8),
    2027: date(2027, 10, 29),
    2028: date(2028, 10, 17),
}
NAVRATRI_START = {
    2024: date(2024, 10, 3),
    2025: date(2025, 9, 22),
    2026: date(2026, 10, 11),
    2027: date(2027, 9, 30),
    2028: date(2028, 9, 19),
}
EID = {  # Eid al-Fitr and Eid al-Adha
    2024: (date(2024, 4, 10), date(2024, 6, 17)),
    2025: (date(2025, 3, 31), date(2025, 6, 7)),
    2026: (date(2026, 3, 20), date(2026, 5, 27)),
    2027: (date(2027, 3, 10), date(2027, 5, 17)),
    2028: (date(2028, 2, 27), date(2028, 5, 5)),
}
# Priority when windows overlap: the more specific festival names the day.
SEASONS = ("diwali", "navratri", "eid", "christmas", "end_of_season_sale")


def windows() -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    for day in DIWALI.values():
        out.append(("diwali", day - timedelta(days=10), day + timedelta(days=2)))
    for start in NAVRATRI_START.values():
        out.append(("navratri", start, start + timedelta(days=9)))
    for days in EID.values():
        out.append(("eid", days[0] - timedelta(days=5), days[0] + timedelta(days=1)))
        out.append(("eid", days[1] - timedelta(days=3), days[1] + timedelta(days=1)))
    for year in DIWALI:
        out.append(("christmas", date(year, 12, 18), date(year, 12, 31)))
        out.append(("end_of_season_sale", date(year, 6, 1), date(year, 6, 20)))
        out.append(("end_of_season_sale", date(year, 12, 1), date(year, 12, 17)))
        out.append(("end_of_season_sale", date(year, 1, 1), date(year, 1, 10)))
    return out


def festivals_table() -> pa.Table:
    rows = windows()
    return pa.table(
        {
            "season": [r[0] for r in rows],
            "starts": [r[1] for r in rows],
            "ends": [r[2] for r in rows],
            "priority": [SEASONS.index(r[0]) for r in rows],
        }
    )
