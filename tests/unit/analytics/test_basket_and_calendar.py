"""Association rules from mlxtend and the festival calendar."""

from __future__ import annotations

from datetime import date

import pytest

from shared.analytics.basket import rules
from shared.analytics.calendar import windows

pytestmark = pytest.mark.unit


def test_rules_have_support_confidence_and_lift():
    baskets = [["kurta", "dupatta"]] * 6 + [["kurta"]] * 2 + [["saree"]] * 2
    found = rules(baskets, min_support=0.2)
    assert found["baskets"] == 10
    (pair,) = found["itemsets"]
    assert pair == {"items": ["dupatta", "kurta"], "support": 0.6}
    rule = next(r for r in found["rules"] if r["antecedents"] == ["dupatta"])
    # dupatta -> kurta: every dupatta basket has a kurta (confidence 1); kurta is in 8 of 10.
    assert (rule["confidence"], rule["lift"]) == (1.0, 1.25)


def test_festival_windows_cover_the_days_sellers_plan_for():
    def seasons(day):
        return {s for s, start, end in windows() if start <= day <= end}

    assert "diwali" in seasons(date(2026, 11, 8))
    assert "diwali" in seasons(date(2026, 10, 30))  # Dhanteras shopping
    assert "navratri" in seasons(date(2026, 10, 15))
    assert "eid" in seasons(date(2026, 3, 20))
    assert "christmas" in seasons(date(2026, 12, 24))
    assert "end_of_season_sale" in seasons(date(2026, 6, 10))
    assert seasons(date(2026, 8, 5)) == set()


def test_among_equal_lift_the_plain_pair_leads_and_redundant_supersets_are_dropped():
    # kurta and dupatta always together; scarf rides along in half of those baskets. With
    # everything in lockstep, {kurta, scarf} -> dupatta ties in lift with kurta -> dupatta and
    # (sorted by lift, then confidence) used to push the pair out of the top rules.
    baskets = [["kurta", "dupatta", "scarf"]] * 4 + [["kurta", "dupatta"]] * 4
    baskets += [["saree", "blouse"]] * 8
    found = rules(baskets, min_support=0.1, max_rules=3)
    heads = [(r["antecedents"], r["consequents"]) for r in found["rules"]]
    assert heads[0] in ((["kurta"], ["dupatta"]), (["dupatta"], ["kurta"]), (["blouse"], ["saree"]))
    assert all(len(a) + len(c) == 2 for a, c in heads)
    everything = rules(baskets, min_support=0.1, max_rules=500)["rules"]
    antecedents = {tuple(r["antecedents"]) for r in everything if r["consequents"] == ["dupatta"]}
    # {kurta, scarf} -> dupatta adds nothing over kurta -> dupatta (confidence 1 both).
    assert ("kurta",) in antecedents and ("kurta", "scarf") not in antecedents
    lifts = [(r["lift"], -r["support"]) for r in everything]
    assert lifts == sorted(lifts, key=lambda x: (-x[0], x[1]))
