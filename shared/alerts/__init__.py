"""WhatsApp alerts for stock in danger, and the alert log.

``rules`` says which snapshot rows deserve an alert and who hears about them (pure);
``message`` builds the approved template's parameters and the plain text; ``log`` keeps one
document per alert (its id is the deduplication key: day, store, item, level) with each
recipient's delivery; ``workflow`` reads a day's inventory snapshots, records new alerts and
delivers what is still pending through ``shared.adapters.whatsapp``.
"""
