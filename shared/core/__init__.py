"""The ground every other package stands on: settings, errors, typed records, the container
schema, request validation, telemetry and the Azure identity. It imports nothing else of ours.
"""
