"""The HTTP API: yente-compatible ``/match``, screening uploads, alerts and decisions,
audit, lists status and API keys. ``create_api`` in ``counterflow.api.app``;
``counterflow.service.create_app`` adds the review web page."""
