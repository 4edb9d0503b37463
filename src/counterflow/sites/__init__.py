"""Site watch: watched facilities (polygons with public sources) and change detection on
before/after imagery that the user supplies (GeoTIFF in any CRS, or plain PNG/JPEG pairs).

Nothing here downloads or targets anything: it compares two scenes of a place and reports
what was built or cleared, where and how much. Stage: after ``records``, beside
``maritime``/``orders``; it never imports ``review``, ``api``, ``web`` or ``cli``.
"""
