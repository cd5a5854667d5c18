"""A realistic catalogue of an Indian multi-marketplace seller, generated from a seed.

Only observable catalogue fields are produced here (what a marketplace listing shows). The
hidden demand parameters are drawn by the simulator from its own random stream.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from shared.core.records import MARKETPLACES
from shared.ml.vocabulary import CATEGORIES


@dataclass(frozen=True)
class CategorySpec:
    prefix: str
    brands: tuple[str, ...]
    kinds: tuple[str, ...]
    variants: tuple[str, ...]
    price_range: tuple[int, int]
    # Share of this category's listings on amazon, myntra, meesho.
    marketplace_mix: tuple[float, float, float]


_COLOURS = (
    "Maroon",
    "Mustard Yellow",
    "Teal",
    "Off-White",
    "Navy Blue",
    "Rani Pink",
    "Bottle Green",
    "Black",
    "Peach",
    "Indigo",
)

SPECS: dict[str, CategorySpec] = {
    "Ethnic Wear": CategorySpec(
        "ETH",
        ("Biba", "W", "Libas", "Manyavar", "Fabindia", "Aurelia", "Anouk", "Sangria"),
        (
            "Cotton Kurta Set",
            "Anarkali Kurta",
            "Banarasi Silk Saree",
            "Chikankari Kurti",
            "Nehru Jacket",
            "Lehenga Choli",
            "Palazzo Set",
            "Bandhani Dupatta",
        ),
        _COLOURS,
        (499, 4999),
        (0.3, 0.45, 0.25),
    ),
    "Footwear": CategorySpec(
        "FTW",
        ("Bata", "Campus", "Red Tape", "Liberty", "Metro", "Sparx", "Mochi", "Paragon"),
        (
            "Kolhapuri Chappal",
            "Running Shoes",
            "Leather Mojari",
            "Casual Sneakers",
            "Flip Flops",
            "Block Heel Sandals",
            "Formal Derby Shoes",
        ),
        ("Size 6", "Size 7", "Size 8", "Size 9", "Size 10", "UK 5", "UK 7"),
        (399, 3999),
        (0.4, 0.35, 0.25),
    ),
    "Electronics Accessories": CategorySpec(
        "ELA",
        ("boAt", "Noise", "Portronics", "Ambrane", "Mivi", "pTron", "Zebronics"),
        (
            "Bluetooth Earbuds",
            "20000mAh Power Bank",
            "Type-C Fast Charger",
            "Smartwatch",
            "Wired Earphones",
            "Phone Tripod Stand",
            "USB-C Cable 1.5m",
        ),
        ("Black", "Blue", "White", "Grey", "2-Pack"),
        (199, 2999),
        (0.6, 0.05, 0.35),
    ),
    "Home & Kitchen": CategorySpec(
        "HOK",
        ("Prestige", "Pigeon", "Milton", "Cello", "Borosil", "Hawkins", "Solimo"),
        (
            "Steel Water Bottle 1L",
            "Non-Stick Tawa",
            "Pressure Cooker 3L",
            "Cotton Bedsheet",
            "Glass Lunch Box Set",
            "Masala Dabba",
            "Copper Jug",
        ),
        ("Set of 2", "Set of 3", "Silver", "Red", "Floral", "King Size"),
        (249, 3499),
        (0.6, 0.05, 0.35),
    ),
    "Beauty": CategorySpec(
        "BTY",
        ("Lakme", "Mamaearth", "Biotique", "Himalaya", "Sugar", "Plum", "Forest Essentials"),
        (
            "Kajal",
            "Vitamin C Face Serum",
            "Matte Lipstick",
            "Ubtan Face Wash",
            "Onion Hair Oil",
            "Sunscreen SPF 50",
            "Kumkumadi Night Cream",
        ),
        ("30ml", "50ml", "100ml", "200ml", "Pack of 2"),
        (149, 1499),
        (0.45, 0.3, 0.25),
    ),
    "Jewellery": CategorySpec(
        "JWL",
        ("Zaveri Pearls", "Sukkhi", "Voylla", "Yellow Chimes", "Priyaasi"),
        (
            "Kundan Jhumka Earrings",
            "Oxidised Necklace Set",
            "Temple Bangles",
            "Maang Tikka",
            "Anklet Pair",
        ),
        ("Gold-Plated", "Silver-Toned", "Rose Gold", "Antique"),
        (199, 2499),
        (0.3, 0.35, 0.35),
    ),
    "Sports & Fitness": CategorySpec(
        "SPF",
        ("Nivia", "Cosco", "Boldfit", "Strauss", "SG", "Yonex"),
        (
            "Yoga Mat 6mm",
            "Cricket Bat Kashmir Willow",
            "Badminton Racquet",
            "Skipping Rope",
            "Resistance Bands Set",
            "Football Size 5",
        ),
        ("Blue", "Black", "Green", "Pro", "Junior"),
        (299, 3999),
        (0.6, 0.2, 0.2),
    ),
    "Bags & Luggage": CategorySpec(
        "BAG",
        ("American Tourister", "Safari", "Skybags", "Wildcraft", "VIP", "Lavie"),
        ("Laptop Backpack", "Cabin Trolley 55cm", "Sling Bag", "Duffle Bag", "Tote Bag"),
        ("Black", "Navy", "Teal", "Olive", "Maroon"),
        (499, 4999),
        (0.5, 0.3, 0.2),
    ),
}
assert tuple(SPECS) == CATEGORIES

# Meesho sells cheaper with deeper discounts; Myntra lists high MRPs with frequent sales.
_MARKETPLACE_PRICE = {"amazon": 1.0, "myntra": 1.1, "meesho": 0.7}
_MARKETPLACE_DISCOUNT = {"amazon": (0.05, 0.4), "myntra": (0.2, 0.6), "meesho": (0.3, 0.7)}


def simulate_catalogue(n: int, seed: int) -> list[dict]:
    """``n`` product dicts (valid ``shared.core.records.Product``), the same for the same seed."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng([seed, 1])
    weights = np.array([1.3, 1.0, 1.2, 1.1, 1.0, 0.6, 0.6, 0.5])
    cats = rng.choice(len(CATEGORIES), size=n, p=weights / weights.sum())
    counters = dict.fromkeys(CATEGORIES, 0)
    products = []
    for code in cats:
        name = CATEGORIES[int(code)]
        spec = SPECS[name]
        counters[name] += 1
        marketplace = MARKETPLACES[int(rng.choice(3, p=spec.marketplace_mix))]
        brand = spec.brands[int(rng.integers(len(spec.brands)))]
        kind = spec.kinds[int(rng.integers(len(spec.kinds)))]
        variant = spec.variants[int(rng.integers(len(spec.variants)))]
        low, high = spec.price_range
        base = np.exp(rng.uniform(np.log(low), np.log(high))) * _MARKETPLACE_PRICE[marketplace]
        price = _rupees(base)
        d_low, d_high = _MARKETPLACE_DISCOUNT[marketplace]
        mrp = _rupees(price / (1.0 - rng.uniform(d_low, d_high)))
        rating = float(np.clip(rng.normal(4.0, 0.35), 2.5, 5.0))
        reviews = int(rng.lognormal(4.5, 1.6))
        products.append(
            {
                "item_id": f"SKU-{spec.prefix}-{counters[name]:04d}",
                "title": f"{brand} {kind} - {variant}",
                "category": name,
                "brand": brand,
                "marketplace": marketplace,
                "price": price,
                "mrp": max(mrp, price),
                "rating": round(rating, 1),
                "review_count": reviews,
                "stock": int(rng.integers(20, 400)),
            }
        )
        if marketplace == "amazon":
            products[-1]["asin"] = _asin(str(products[-1]["item_id"]))
    return products


def _asin(item_id: str) -> str:
    """A stable, ASIN-shaped id for a simulated Amazon listing (no random draw: seeds stay)."""
    digest = hashlib.sha1(item_id.encode()).hexdigest().upper()
    return "B0" + digest[:8]


def _rupees(value: float) -> float:
    """Indian price points end in 9 (199, 1,299, ...)."""
    if value < 100:
        return float(max(9, int(value / 10) * 10 + 9))
    return float(int(value / 100) * 100 + 99 if value >= 1000 else int(value / 10) * 10 + 9)
