"""POST /api/integrations/myntra/webhook: Myntra events into the event log."""

from functions.webhooks import webhook_blueprint

bp = webhook_blueprint("myntra")
