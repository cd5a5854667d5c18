"""Write the backend's OpenAPI document to the dashboard's snapshot, or check it is current.

    python dashboard/scripts/openapi_snapshot.py          # write src/api/generated/openapi.json
    python dashboard/scripts/openapi_snapshot.py --check  # exit 1 if the snapshot has drifted

The document is the one ``GET /api/openapi.json`` serves, built from the route table the API
modules register (``functions.openapi.document``). The dashboard's API types are generated from
the snapshot (``npm run api:types``), and ``npm test`` fails while either is out of date.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "dashboard" / "src" / "api" / "generated" / "openapi.json"


def current() -> str:
    """The backend's document as the snapshot holds it: sorted keys, two-space indent."""
    sys.path.insert(0, str(ROOT))
    import functions.api  # noqa: F401 - registers every route
    from functions.openapi import document
    from functions.routes import ROUTES

    doc = document(ROUTES.values())
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = current()
    if not args.check:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
        print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
        return 0
    saved = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.is_file() else ""
    if saved == text:
        return 0
    diff = difflib.unified_diff(
        saved.splitlines(), text.splitlines(), "snapshot", "backend", lineterm="", n=1
    )
    print("\n".join(list(diff)[:60]))
    print(
        f"\n{SNAPSHOT.relative_to(ROOT)} is not the backend's OpenAPI document: "
        "run `npm run api:types` in dashboard/ and commit both generated files."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
