"""Create ``local.settings.json`` from the committed example, with secrets made on this machine.

The example commits placeholders only; this fills the webhook secrets, the buyer-key salt and
the local SignalR access key with fresh random values once, so no secret ever lives in the
repository. Settings added to the example later are copied into an existing file (secrets
there are kept; secrets new to it are generated).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = (
    "Webhooks__amazonSecret",
    "Webhooks__myntraSecret",
    "Webhooks__meeshoSecret",
    "Analytics__buyerKeySalt",
    # The token the app sends to the fake Graph API, which devhost starts with the same value.
    "WhatsApp__accessToken",
    # What the fake Graph API signs inbound messages with, and the subscription's token.
    "WhatsApp__appSecret",
    "WhatsApp__verifyToken",
    # The SP-API credentials the app sends to the fake SP-API, which devhost starts with them.
    "AmazonSpApi__lwaClientId",
    "AmazonSpApi__lwaClientSecret",
    "AmazonSpApi__refreshToken",
)
# Settings renamed since a local file may have been made: the old name's value moves over.
# CosmosDB__databaseName cannot be a binding expression (the host reads "__" as ":").
RENAMED = {"CosmosDB__databaseName": "COSMOS_DATABASE_NAME"}


def local_settings(path: Path = ROOT / "local.settings.json") -> dict[str, str]:
    if not path.exists():
        example = json.loads((ROOT / "local.settings.example.json").read_text())
        values = example["Values"]
        for name in GENERATED:
            values[name] = secrets.token_hex(32)
        values["SignalR__connectionString"] = (
            f"Endpoint=http://127.0.0.1:8888;AccessKey={secrets.token_urlsafe(32)};Version=1.0;"
        )
        path.write_text(json.dumps(example, indent=2) + "\n")
    current = json.loads(path.read_text())
    renamed = {old: new for old, new in RENAMED.items() if old in current["Values"]}
    for old, new in renamed.items():
        current["Values"].setdefault(new, current["Values"].pop(old))
    if renamed:
        path.write_text(json.dumps(current, indent=2) + "\n")
    # Settings added to the example since this file was made: take their example values.
    example_values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    added = {
        k: secrets.token_hex(32) if k in GENERATED else v
        for k, v in example_values.items()
        if k not in current["Values"]
    }
    if added:
        current["Values"].update(added)
        path.write_text(json.dumps(current, indent=2) + "\n")
    return {k: str(v) for k, v in current["Values"].items()}
