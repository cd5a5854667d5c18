"""POST /api/integrations/meesho/webhook: Meesho events into the event log."""

from functions.webhooks import webhook_blueprint

bp = webhook_blueprint("meesho")
