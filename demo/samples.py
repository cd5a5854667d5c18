"""Realistic import files, and deliberately broken ones, for demos, tests and benchmarks.

    python -m demo.samples daily --out samples/ [--date 2026-11-20] [--products 50]
    python -m demo.samples history --days 30 --out samples/
    python -m demo.samples corrupted --out samples/
    python -m demo.samples workbook --out samples/
    python -m demo.samples sales --rows 100000 --out samples/
    python -m demo.samples templates --out samples/   # headers from the schemas

Sales follow a daily shape (quiet nights, evening peaks) with weekend lift, channel mix and
Indian rupee prices; inventory counts fall with the day's sales; demand signals drift.
Corrupted files plant one problem of each kind and return where they are, so tests can check
the report row by row.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from shared.ingest.bulk.schemas import CSV_KINDS, template_csv

CHANNELS = (("online", 0.45), ("marketplace", 0.3), ("pos", 0.2), ("wholesale", 0.05))
HOURLY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 9, 9, 8, 8, 9, 11, 13, 14, 12, 8, 4, 2]
LOCATIONS = ("wh-bhiwandi", "store-pune-01", "store-blr-02")


@dataclass(frozen=True)
class SampleProduct:
    product_id: str
    price: float


def products(count: int, seed: int = 7, prefix: str = "SKU-IMP") -> list[SampleProduct]:
    rng = random.Random(seed)
    return [
        SampleProduct(f"{prefix}-{i:04d}", float(rng.choice([299, 499, 799, 1299, 1999, 2499])))
        for i in range(1, count + 1)
    ]


def _writer(columns: list[str]) -> tuple[io.StringIO, csv.DictWriter]:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    return out, w


def sales_csv(items: list[SampleProduct], day: date, rows: int, seed: int = 7) -> str:
    rng = random.Random(f"sales-{day}-{seed}")
    out, w = _writer(CSV_KINDS["sales"].columns)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(items))]  # a long tail of sellers
    hours = rng.choices(range(24), weights=HOURLY, k=rows)
    picks = rng.choices(items, weights=weights, k=rows)
    used: set[tuple[datetime, str, str]] = set()
    for i in range(rows):
        item = picks[i]
        qty = rng.choice([1, 1, 1, 1, 2, 2, 3, 5])
        channel = rng.choices([c for c, _ in CHANNELS], [p for _, p in CHANNELS])[0]
        moment = datetime(day.year, day.month, day.day, hours[i], rng.randrange(60), i % 60)
        # Each row its own sale: a repeated natural key (date, product, channel) is a
        # duplicate row, dropped on import.
        while (moment, item.product_id, channel) in used:
            moment = moment.replace(second=(moment.second + 1) % 60)
        used.add((moment, item.product_id, channel))
        w.writerow(
            {
                "date": moment.isoformat(),
                "product_id": item.product_id,
                "channel": channel,
                "quantity_sold": qty,
                "revenue": round(item.price * qty * rng.uniform(0.85, 1.0), 2),
                "customer_segment": rng.choice(["premium", "regular", "regular", "budget", ""]),
                "promotion_code": rng.choice(["", "", "", "DIWALI10", "EOSS20"]),
                "fulfillment_method": rng.choice(["warehouse", "store_pickup", "dropship"]),
            }
        )
    return out.getvalue()


def inventory_csv(
    items: list[SampleProduct], day: date, seed: int = 7, locations: tuple[str, ...] = LOCATIONS
) -> str:
    rng = random.Random(f"inventory-{day}-{seed}")
    out, w = _writer(CSV_KINDS["inventory"].columns)
    for item in items:
        for location in locations:
            level = rng.randrange(0, 120)
            w.writerow(
                {
                    "date": f"{day.isoformat()}T23:00:00",
                    "product_id": item.product_id,
                    "location": location,
                    "stock_level": level,
                    "reserved_stock": rng.randrange(0, max(1, level // 4 + 1)),
                    "in_transit": rng.choice([0, 0, 10, 25]),
                    "supplier_id": f"SUP{rng.randrange(1, 20):03d}",
                    "last_reorder_date": (day - timedelta(days=rng.randrange(1, 30))).isoformat(),
                }
            )
    return out.getvalue()


def demand_csv(items: list[SampleProduct], day: date, seed: int = 7) -> str:
    rng = random.Random(f"demand-{day}-{seed}")
    out, w = _writer(CSV_KINDS["demand"].columns)
    for item in items:
        w.writerow(
            {
                "date": f"{day.isoformat()}T06:00:00",
                "product_id": item.product_id,
                "external_demand": rng.choice(["high", "medium", "medium", "low"]),
                "market_trend": round(rng.uniform(-0.4, 0.6), 2),
                "competitor_price": round(item.price * rng.uniform(0.85, 1.1), 2),
                "weather_factor": rng.choice(["hot", "cold", "rainy", "normal", "normal"]),
                "event_impact": rng.choice(["none", "none", "promotion", "holiday"]),
                "social_sentiment": round(rng.uniform(-0.5, 0.8), 2),
            }
        )
    return out.getvalue()


# One planted problem per line: (file row, column, value, rule the report must name).
CORRUPTIONS = [
    ("date", "15/01/2025 10:30", "iso_datetime"),
    ("channel", "shop", "isin"),
    ("quantity_sold", "-3", "greater_than"),
    ("quantity_sold", "two", "type integer"),
    ("revenue", "0", "greater_than"),
    ("product_id", "", "required"),
    ("customer_segment", "vip", "isin"),
    ("date", "2025-02-30T10:00:00", "iso_datetime"),
]


def corrupted_sales_csv(
    items: list[SampleProduct], day: date, rows: int = 40, seed: int = 7
) -> tuple[str, list[tuple[int, str, str, str]]]:
    """A sales file with one bad cell on some rows; returns it and the planted problems."""
    good = list(csv.DictReader(io.StringIO(sales_csv(items, day, rows, seed))))
    planted = []
    for n, (column, value, rule) in enumerate(CORRUPTIONS):
        index = 3 + n * (rows // (len(CORRUPTIONS) + 1))
        good[index][column] = value
        planted.append((index + 2, column, value, rule))
    out, w = _writer(CSV_KINDS["sales"].columns)
    w.writerows(good)
    return out.getvalue(), planted


def workbook_bytes(items: list[SampleProduct], image: bytes | None = None, seed: int = 7) -> bytes:
    """A daily_update workbook: stores, products, inventory and daily_update sheets; with
    ``image`` (PNG bytes), the picture is embedded on the first product's row."""
    from openpyxl import Workbook

    rng = random.Random(f"workbook-{seed}")
    book = Workbook()
    stores = book.active
    stores.title = "Stores"  # matched case-insensitively
    stores.append(["id", "name", "city"])
    shops = [("ST01", "ReSight Pune FC Road", "Pune"), ("ST02", "ReSight Indiranagar", "Bengaluru")]
    for shop in shops:
        stores.append(list(shop))
    sheet = book.create_sheet("products")
    sheet.append(
        [
            "id",
            "store_id",
            "style_code",
            "barcode",
            "article_name",
            "category",
            "department_name",
            "supplier_name",
            "image",
            "mrp",
        ]
    )
    for i, item in enumerate(items):
        sheet.append(
            [
                item.product_id,
                shops[i % 2][0],
                f"STY-{i:04d}",
                f"890{1000000000 + i}",
                f"Cotton kurta {i}",
                "ethnic wear",
                "women",
                "Jaipur Textiles",
                None,
                item.price * 1.4,
            ]
        )
    if image is not None:
        from openpyxl.drawing.image import Image

        sheet.add_image(Image(io.BytesIO(image)), "I2")
    stock = book.create_sheet("INVENTORY")
    stock.append(
        [
            "id",
            "store_id",
            "product_id",
            "quantity",
            "item_mrp",
            "current_price",
            "lifecycle_start_date",
        ]
    )
    for i, item in enumerate(items):
        for shop in shops:
            stock.append(
                [
                    f"INV-{i}-{shop[0]}",
                    shop[0],
                    item.product_id,
                    rng.randrange(0, 40),
                    item.price * 1.4,
                    item.price,
                    "2026-10-01",
                ]
            )
    daily = book.create_sheet("daily_update")
    daily.append(
        [
            "store_id",
            "supplier_name",
            "stock_days",
            "style_code",
            "department_name",
            "category_name",
            "item_mrp",
            "image",
        ]
    )
    for i, item in enumerate(items):
        daily.append(
            [
                shops[i % 2][0],
                "Jaipur Textiles",
                rng.randrange(5, 90),
                f"STY-{i:04d}",
                "women",
                "ethnic wear",
                item.price * 1.4,
                None,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demo.samples", description=__doc__)
    p.add_argument(
        "what", choices=["daily", "history", "corrupted", "workbook", "sales", "templates"]
    )
    p.add_argument("--out", type=Path, default=Path("samples"))
    p.add_argument("--date", type=date.fromisoformat, default=date.today())
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--products", type=int, default=50)
    p.add_argument("--rows", type=int, default=2000, help="sales rows per day")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    items = products(args.products, args.seed)
    written: list[Path] = []

    def write(name: str, text: str | bytes) -> None:
        path = args.out / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        written.append(path)

    if args.what in ("daily", "history"):
        days = (
            [args.date]
            if args.what == "daily"
            else [args.date - timedelta(days=n) for n in range(args.days - 1, -1, -1)]
        )
        for day in days:
            stamp = f"{day:%Y%m%d}"
            write(f"sales_{stamp}.csv", sales_csv(items, day, args.rows, args.seed))
            write(f"inventory_{stamp}.csv", inventory_csv(items, day, args.seed))
            write(f"demand_{stamp}.csv", demand_csv(items, day, args.seed))
    elif args.what == "templates":
        for kind in CSV_KINDS.values():
            write(f"{kind.name}_template.csv", template_csv(kind))
    elif args.what == "sales":
        write(f"sales_{args.date:%Y%m%d}.csv", sales_csv(items, args.date, args.rows, args.seed))
    elif args.what == "corrupted":
        text, planted = corrupted_sales_csv(items, args.date, seed=args.seed)
        write("sales_corrupted.csv", text)
        write("sales_missing_columns.csv", "date,product_id,channel\n2026-11-20,SKU-1,pos\n")
        write("unknown_kind.csv", "colour,size\nred,M\n")
        for row, column, value, rule in planted:
            print(f"planted: row {row} {column}={value!r} ({rule})")
    else:
        write("daily_update.xlsx", workbook_bytes(items[: min(len(items), 20)]))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
