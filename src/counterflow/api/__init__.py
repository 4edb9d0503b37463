"""The HTTP API: yente-compatible ``/match``, screening uploads, alerts and decisions,
audit, lists status and API keys. ``create_app`` in ``counterflow.api.app``."""
