"""A ready-made signed webhook request (printed by ``make run``, shown in the README)."""

from __future__ import annotations

import json
import time
import uuid

from shared.core.settings import get_settings
from shared.ingest.signature import signed_headers


def example_order(item_id: str = "SKU-ETH-0001") -> bytes:
    return json.dumps(
        {
            "eventType": "ORDER_PLACED",
            "asin": item_id,
            "price": 1299,
            "quantity": 1,
            "region": "IN",
            "orderId": f"402-{uuid.uuid4().hex[:7]}",
        }
    ).encode()


def signed_curl(base_url: str, function_key: str, item_id: str = "SKU-ETH-0001") -> str:
    secret = get_settings().webhooks.amazon
    body = example_order(item_id)
    headers = signed_headers(secret.get_secret_value() if secret else "", body, int(time.time()))
    lines = [
        f"curl -sS -X POST '{base_url}/api/integrations/amazon/webhook?code={function_key}'",
        "  -H 'content-type: application/json'",
    ]
    lines += [f"  -H '{k}: {v}'" for k, v in headers.items()]
    lines.append(f"  -d '{body.decode()}'")
    return (
        " \\\n".join(lines)
        + "\n(the signature is valid for 5 minutes: `make curl` prints a fresh one)"
    )
