"""Local host for the unmodified ``function_app.app`` (the Functions Core Tools stand-in).

It discovers functions and triggers from the app object itself, so no route is written twice:
HTTP triggers are served under ``/api`` with their methods and auth levels, timers fire on
their NCRONTAB schedules, the Cosmos change-feed trigger is emulated by polling, the Azure
SignalR Service data plane is emulated on its own port, and the built dashboard is served
with a stand-in for Static Web Apps auth.
"""
