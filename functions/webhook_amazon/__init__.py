"""POST /api/integrations/amazon/webhook: Amazon events into the event log."""

from functions.webhooks import webhook_blueprint

bp = webhook_blueprint("amazon")
