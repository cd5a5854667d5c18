"""Fixed vocabularies that become categorical feature codes.

The codes are part of the feature contract: a model trained with one vocabulary cannot read
codes from another, so the vocabulary feeds ``FEATURE_VERSION``. Append, never reorder.
"""

from __future__ import annotations

from shared.core.records import MARKETPLACES

CATEGORIES: tuple[str, ...] = (
    "Ethnic Wear",
    "Footwear",
    "Electronics Accessories",
    "Home & Kitchen",
    "Beauty",
    "Jewellery",
    "Sports & Fitness",
    "Bags & Luggage",
)
# Anything outside the vocabulary shares one code so new categories still score.
OTHER_CODE = len(CATEGORIES)

_CATEGORY_CODES = {name.lower(): i for i, name in enumerate(CATEGORIES)}
_MARKETPLACE_CODES: dict[str, int] = {name: i for i, name in enumerate(MARKETPLACES)}


def category_code(category: str | None) -> int:
    return _CATEGORY_CODES.get((category or "").lower(), OTHER_CODE)


def marketplace_code(marketplace: str | None) -> int:
    return _MARKETPLACE_CODES.get(marketplace or "", len(MARKETPLACES))
